"""spaCy's attribute ruler, applied with the same result at a fraction of the cost.

The English pipeline's ``attribute_ruler`` (tag -> POS/morphology map and ~180 exceptions) runs
spaCy's general ``Matcher`` over every token, which costs about as much as the tagger and the
parser together. Its patterns are fixed-length token patterns over a few token attributes
(``TAG``, ``LOWER``, ``DEP``, ``IS_SPACE``...), so whether a token satisfies a pattern position
depends only on those attributes: :class:`FastAttributeRuler` evaluates each distinct combination
once (memo table), finds the same matches as the ``Matcher`` and applies them in the ruler's own
order with the ruler's own setter. The result is the ruler's, attribute for attribute (tested
against the real component). Patterns it cannot read (operators such as ``OP``, other predicates)
make :func:`fast_ruler` return ``None``, and the caller runs the real component.
"""

from __future__ import annotations

import re
from typing import Any, Callable

# Matcher keys this implementation reads, with the token attribute each one compares.
_GETTERS: dict[str, Callable[[Any], Any]] = {
    "ORTH": lambda t: t.text,
    "TEXT": lambda t: t.text,
    "LOWER": lambda t: t.lower_,
    "NORM": lambda t: t.norm_,
    "TAG": lambda t: t.tag_,
    "DEP": lambda t: t.dep_,
    "POS": lambda t: t.pos_,
    "LEMMA": lambda t: t.lemma_,
    "ENT_TYPE": lambda t: t.ent_type_,
    "IS_SPACE": lambda t: t.is_space,
    "IS_PUNCT": lambda t: t.is_punct,
    "IS_ALPHA": lambda t: t.is_alpha,
    "IS_DIGIT": lambda t: t.is_digit,
    "LIKE_NUM": lambda t: t.like_num,
}
_MEMO_LIMIT = 200_000


def _predicate(key: str, value: Any) -> Callable[[Any], bool] | None:
    """``value`` of one pattern key as a test of the attribute's value; ``None`` if not supported."""
    if isinstance(value, dict):
        if len(value) != 1:
            return None
        (op, arg), = value.items()
        if op == "IN" and isinstance(arg, (list, tuple, set)):
            vals = frozenset(arg)
            return lambda v: v in vals
        if op == "NOT_IN" and isinstance(arg, (list, tuple, set)):
            vals = frozenset(arg)
            return lambda v: v not in vals
        if op == "REGEX" and isinstance(arg, str) and not key.startswith("IS_"):
            rx = re.compile(arg)
            return lambda v: bool(rx.search(v))
        return None
    if key.startswith("IS_") or key == "LIKE_NUM":
        if not isinstance(value, bool):
            return None
        return lambda v: v == value
    if not isinstance(value, str):
        return None
    return _Equal(value)


class _Equal:
    """A literal comparison (indexed by value in :class:`FastAttributeRuler`)."""

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __call__(self, v: Any) -> bool:
        return v == self.literal


class FastAttributeRuler:
    """Call it on a ``Doc`` in place of the ``attribute_ruler`` component.

    Each pattern position is one bit; a token's bit mask (the positions it satisfies) is the AND of
    one mask per attribute value, both memoised, so a token costs a few dictionary look-ups.
    """

    def __init__(self, ruler, compiled: list[tuple[int, int, int, list[list[tuple[int, Callable]]]]],
                 keys: list[str]) -> None:
        from spacy.tokens._retokenize import set_token_attrs

        self.ruler = ruler
        self._set = set_token_attrs
        self._alts = compiled  # (attr_id, match_id, index, [position -> [(key number, predicate)]])
        self._keys = keys
        self._getters = [_GETTERS[k] for k in keys]
        self._bit: dict[tuple[int, int], int] = {}
        for a, alt in enumerate(compiled):
            for p in range(len(alt[3])):
                self._bit[(a, p)] = 1 << len(self._bit)
        self._key_memo: list[dict[Any, int]] = [{} for _ in keys]
        self._memo: dict[tuple, tuple[int, tuple[int, ...]]] = {}
        # per attribute: positions that do not test it, positions that test it for one literal value
        # (by value), and the other positions (with their tests)
        self._free = [0] * len(keys)
        self._equal: list[dict[Any, int]] = [{} for _ in keys]
        self._other: list[list[tuple[int, list[Callable]]]] = [[] for _ in keys]
        for a, alt in enumerate(compiled):
            for p, tests in enumerate(alt[3]):
                b = self._bit[(a, p)]
                for k in range(len(keys)):
                    mine = [t for kk, t in tests if kk == k]
                    literal = [t.literal for t in mine if hasattr(t, "literal")]
                    if not mine:
                        self._free[k] |= b
                    elif len(mine) == 1 and literal:
                        self._equal[k][literal[0]] = self._equal[k].get(literal[0], 0) | b
                    else:
                        self._other[k].append((b, mine))

    def _key_mask(self, k: int, value: Any) -> int:
        """Positions whose test on attribute ``k`` passes for ``value`` (or that do not test it)."""
        mask = self._free[k] | self._equal[k].get(value, 0)
        for b, tests in self._other[k]:
            if all(test(value) for test in tests):
                mask |= b
        return mask

    def _token(self, values: tuple) -> tuple[int, tuple[int, ...]]:
        mask = -1
        for k, v in enumerate(values):
            memo = self._key_memo[k]
            m = memo.get(v)
            if m is None:
                if len(memo) > _MEMO_LIMIT:
                    memo.clear()
                m = memo[v] = self._key_mask(k, v)
            mask &= m
        starts = tuple(a for a in range(len(self._alts)) if mask & self._bit[(a, 0)])
        return mask, starts

    def __call__(self, doc):
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:  # bounded: a long-running process sees an open vocabulary
            memo.clear()
        getters = self._getters
        sat = []
        for tok in doc:
            values = tuple(g(tok) for g in getters)
            s = memo.get(values)
            if s is None:
                s = memo[values] = self._token(values)
            sat.append(s)
        alts, bit = self._alts, self._bit
        n = len(doc)
        matches = set()
        for i, (_, starts) in enumerate(sat):
            for a in starts:
                attr_id, match_id, _index, positions = alts[a]
                length = len(positions)
                if length == 1 or (i + length <= n and all(sat[i + p][0] & bit[(a, p)] for p in range(1, length))):
                    matches.add((attr_id, match_id, i, i + length))
        attrs, indices = self.ruler.attrs, self.ruler.indices
        setter = self._set
        for attr_id, _match_id, start, end in sorted(matches):  # the ruler's order: later rules win
            index = indices[attr_id]
            target = (start if index >= 0 else end) + index
            if not start <= target < end:
                raise ValueError(f"attribute rule {attr_id} points outside its match")
            setter(doc[target], attrs[attr_id])
        return doc


def fast_ruler(nlp) -> FastAttributeRuler | None:
    """A :class:`FastAttributeRuler` for ``nlp``'s ``attribute_ruler``, or ``None`` if it has none or
    its patterns use something this implementation does not read."""
    if "attribute_ruler" not in nlp.pipe_names:
        return None
    ruler = nlp.get_pipe("attribute_ruler")
    compiled = []
    used: list[str] = []
    for attr_id in range(len(ruler.attrs)):
        key = str(attr_id)
        match_id = nlp.vocab.strings.add(key)
        entry = ruler.matcher.get(key)
        if entry is None:
            return None
        for alt in entry[1]:
            if not alt:
                return None
            positions = []
            for tok in alt:
                tests = []
                for k, v in tok.items():
                    if k not in _GETTERS:
                        return None  # "OP", "_", other attributes: leave it to spaCy
                    pred = _predicate(k, v)
                    if pred is None:
                        return None
                    if k not in used:
                        used.append(k)
                    tests.append((k, pred))
                positions.append(tests)
            compiled.append((attr_id, match_id, ruler.indices[attr_id], positions))
    keys = used
    pos = {k: i for i, k in enumerate(keys)}
    compiled = [(a, m, idx, [[(pos[k], t) for k, t in tests] for tests in positions])
                for a, m, idx, positions in compiled]
    return FastAttributeRuler(ruler, compiled, keys)
