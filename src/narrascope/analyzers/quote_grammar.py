"""Quote marks, tokens and the noun-phrase grammar (who a speaker mention is) of the quotes analyzer.

Split out of :mod:`narrascope.analyzers.quotes` (which re-exports every name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .quote_lexicons import (  # noqa: F401
    PRONOUNS, ROLE_WORDS, _AUX, _FEMALE_NAMES, _GENERIC_HEADS, _MALE_NAMES, _NATIONALITY, _NP_ROLE_HEADS,
    _ORG_WORDS, _PLACES_AS_ACTORS, _RELATIVE, _ROLE_SYNONYMS, _TITLES,
)


# ---------------------------------------------------------------------------------------------
# Quote marks
# ---------------------------------------------------------------------------------------------
_LETTER = re.compile(r"\w", re.UNICODE)
_QUOTE_PATTERNS = [
    # (regex with group 'c' = content); order matters: the first match claims the characters
    re.compile(r"«(?P<c>[^«»\n]+)»"),
    re.compile(r"„(?P<c>[^„“”\n]+)[“”]"),
    re.compile(r"“(?P<c>[^“”\n]+)”"),
    re.compile(r'"(?P<c>[^"\n]+)"'),
    re.compile(r"(?<!\w)‘(?P<c>[^‘\n]+?)’(?!\w)"),
    re.compile(r"(?<![\w'])'(?=\S)(?P<c>[^'\n]*?(?:\w'\w[^'\n]*?)*?\S)'(?!\w)"),
]
_QUOTE_CHARS = "\"'“”‘’«»„‹›"
_TRIM = " \t\n.,;:!?" + _QUOTE_CHARS
_TOKEN = re.compile(r"\w+(?:[’'\-.]\w+)*|[^\w\s]", re.UNICODE)
_DASHES = "—–-"
_HEADLINE_LABELS = frozenset(
    """Opinion Analysis Editorial Comment Explainer Exclusive Update Live Breaking Watch Video Factbox Review
    Interview Column Podcast Photos Timeline Q&A Letters Briefing""".split()
)
_ADDRESSEE = re.compile(
    r"\s+(?:(?:the|a|an|local|state|foreign|Russian|Ukrainian|Western)\s+)*(?:journalists|reporters|the press|press|media|"
    r"parliament|lawmakers|legislators|MPs|senators|students|soldiers|troops|supporters|voters|delegates|diplomats|"
    r"television|TV|radio|broadcaster|news agency|newspaper|CNN|BBC|Reuters|AFP|AP|TASS|RIA Novosti|Interfax)\b"
)
_SUBJECT_START = re.compile(
    r"\s*(?:(?i:the|a|an|he|she|it|they|we|i|his|her|its|their|our|no|there|this|these|those|all|most|some)\b|"
    r"(?!(?:After|Before|During|While|On|In|At|For|With|About)\b)[A-Z][\w’'\-]+\b)(?!\s*,)"
)
_PARTICLES = frozenset("von van der de da dos du la le bin al ibn".split())
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’\- ]{2,40}(?:,\s+[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s+\d{4})?)?(?:\s+\([^)]{1,60}\))?\s+[—–-]{1,2}\s+"
)
_DISCOURSE = re.compile(
    r"(?:Meanwhile|However|Moreover|Still|Yet|Instead|Nevertheless|Indeed|In fact|At the same time|Furthermore|"
    r"Besides|Also|Now|Then|But|And)\s*,?\s+"
)


@dataclass
class _QM:
    """A pair of quote marks: ``open`` .. ``close`` (the close mark's index), content between."""

    open: int
    close: int
    used: bool = False

    @property
    def cstart(self) -> int:
        return self.open + 1

    @property
    def cend(self) -> int:
        return self.close


def find_quote_marks(text: str, start: int = 0, end: int | None = None) -> list[_QM]:
    """Outermost quote-mark pairs in ``text[start:end]`` (nested pairs are dropped)."""
    end = len(text) if end is None else end
    seg = text[start:end]
    taken = [False] * len(seg)
    found: list[_QM] = []
    for pat in _QUOTE_PATTERNS:
        for m in pat.finditer(seg):
            a, b = m.start(), m.end()
            if any(taken[a:b]):
                continue
            if not m.group("c").strip():
                continue
            found.append(_QM(start + a, start + b - 1))
            for i in range(a, b):
                taken[i] = True
    found.sort(key=lambda q: q.open)
    out: list[_QM] = []
    for q in found:
        if out and q.open < out[-1].close:
            continue
        out.append(q)
    return out


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group()) for m in _TOKEN.finditer(text[start:end])]


def _trim(text: str, s: int, e: int, chars: str = " \t\n,;:—–-") -> tuple[int, int]:
    while s < e and text[s] in chars:
        s += 1
    while e > s and text[e - 1] in chars:
        e -= 1
    return s, e


def _trim_content(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop surrounding spaces/commas/dashes, a leading discourse adverb ("Meanwhile,") and a
    sentence-final period outside quote marks."""
    s, e = _trim(text, s, e)
    m = _DISCOURSE.match(text, s, e)
    if m and m.end() < e:
        s = m.end()
    while e > s and text[e - 1] in ".,;:" and not _inside_marks(text, s, e - 1):
        e -= 1
        s, e = _trim(text, s, e)
    return s, e


def _inside_marks(text: str, s: int, i: int) -> bool:
    seg = text[s:i]
    return seg.count('"') % 2 == 1 or seg.count("“") > seg.count("”") or seg.count("«") > seg.count("»")


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _gender(name: str, roles: set[str]) -> str | None:
    if {"spokeswoman", "chairwoman", "queen", "mrs", "ms"} & roles:
        return "f"
    if {"spokesman", "chairman", "king", "prince", "mr"} & roles:
        return "m"
    parts = name.split()
    if parts and parts[0] in _FEMALE_NAMES:
        return "f"
    if parts and parts[0] in _MALE_NAMES:
        return "m"
    last = parts[-1].lower() if parts else ""
    if re.search(r"(?:ova|eva|ina|aya|skaya|ska|ská|yna)$", last):
        return "f"
    if re.search(r"(?:ov|ev|in|sky|skiy|ski|yn|ich)$", last):
        return "m"
    return None


def _role_head(words: list[str]) -> str | None:
    for w in reversed(words):
        lw = w.lower().rstrip("’'s") if w.lower().endswith(("’s", "'s")) else w.lower()
        if lw in _NP_ROLE_HEADS:
            return _ROLE_SYNONYMS.get(lw, lw)
    return None


def _norm_role(words: list[str]) -> str:
    ws = [_ROLE_SYNONYMS.get(w.lower(), w.lower()) for w in words if w.lower() not in ("the", "a", "an", "his", "her", "its", "their")]
    return " ".join(ws)


# ---------------------------------------------------------------------------------------------
# Speaker phrases
# ---------------------------------------------------------------------------------------------
@dataclass
class _NP:
    start: int
    end: int
    kind: str  # "name", "org", "pronoun", "role", "generic", "relative"
    name: str | None = None  # the name part (person or organisation), if any
    role_words: list[str] = field(default_factory=list)
    name_start: int | None = None
    name_end: int | None = None
    pronoun: str | None = None


def _classify_np(text: str, toks: list[tuple[int, int, str]]) -> _NP | None:
    """Turn a run of tokens (left to right) into a speaker phrase, or None when it is not one."""
    while toks and toks[0][2].lower() in ("of", "in", "at", "from", "and", "for", "'s", "’s"):
        toks = toks[1:]
    while toks and toks[-1][2].lower() in ("of", "in", "at", "from", "the", "and", "for"):
        toks = toks[:-1]
    if not toks:
        return None
    words = [t[2] for t in toks]
    s, e = toks[0][0], toks[-1][1]
    # "The deputy chairman of the Security Council", "Diplomats in Brussels": the head is on the left
    for k, w in enumerate(words):
        if k > 0 and w.lower() in ("of", "in", "from", "at"):
            left = _classify_np(text, toks[:k])
            if left is not None and left.kind in ("role", "generic"):
                left.end = e
                left.role_words = words
                return left
            break
    if len(toks) == 1 and words[0].lower() in PRONOUNS:
        return _NP(s, e, "pronoun", pronoun=words[0].lower())
    if len(toks) == 1 and words[0].lower() in _RELATIVE:
        return _NP(s, e, "relative")
    if words[-1].islower() and (words[-1] in _NP_ROLE_HEADS or words[-1] in _GENERIC_HEADS):
        # "the Kremlin spokesman", "a government source", "One senior European official"
        indefinite = words[0].lower() in ("a", "an", "one", "another", "some", "several", "two", "three")
        if words[-1].lower() in _GENERIC_HEADS or indefinite:
            return _NP(s, e, "generic", role_words=words)
        return _NP(s, e, "role", role_words=words)
    # the name part: the last run of capitalised tokens that are not titles/nationalities/role words
    i = len(toks)
    while i > 1 and words[i - 1] in _PARTICLES and _is_cap(words[i - 2]) and i < len(toks):
        i -= 1
    while i > 0 and (_is_cap(words[i - 1]) or (words[i - 1] in _PARTICLES and i > 1 and i < len(toks) and (_is_cap(words[i - 2]) or words[i - 2] in _PARTICLES))) and words[i - 1].lower() not in ROLE_WORDS and words[i - 1] not in _TITLES and not _NATIONALITY.match(words[i - 1]) and words[i - 1].lower() not in ("the", "a", "an", "one"):
        i -= 1
    name_toks = toks[i:]
    # allow an org word run that includes nationality adjectives: "Russian Foreign Ministry"
    lead = [w for w in words if w.lower() not in ("the", "a", "an")]
    person_run = [t[2] for t in name_toks]
    is_person = bool(person_run) and not any(w in _ORG_WORDS or w.rstrip("’'s") in _ORG_WORDS or w in _PLACES_AS_ACTORS for w in person_run)
    if is_person and i > 0 and words[i - 1].lower() in ("of", "for", "and"):
        is_person = False  # "Institute for the Study of War": the tail of an organisation name
    if not is_person and any(w in _ORG_WORDS or w.rstrip("’'s") in _ORG_WORDS for w in words) or (
        len(lead) == 1 and lead[0] in _PLACES_AS_ACTORS
    ):
        cap = [t for t in toks if _is_cap(t[2]) and t[2].lower() not in ("the", "a", "an")]
        if cap:
            ns, ne = cap[0][0], cap[-1][1]
            name = text[ns:ne]
            name = re.sub(r"[’']s$", "", name)
            return _NP(s, e, "org", name=name, name_start=ns, name_end=ne, role_words=[w for w in words if w.lower() in ROLE_WORDS])
    if name_toks and (i == len(toks) or True):
        ns, ne = name_toks[0][0], name_toks[-1][1]
        name = text[ns:ne]
        if name.endswith(("’s", "'s")):
            name = name[:-2]
            ne -= 2
        if name and name_toks[-1] == toks[-1] or (name and toks[-1][2] in ("’s", "'s")):
            return _NP(s, e, "name", name=name, name_start=ns, name_end=ne, role_words=words[:i])
    role = _role_head(words)
    if role:
        return _NP(s, e, "role", role_words=words)
    if words[-1].lower() in _GENERIC_HEADS:
        return _NP(s, e, "generic", role_words=words)
    return None


def _np_left(text: str, lo: int, hi: int, *, allow_parenthetical: bool = True) -> _NP | None:
    """The speaker phrase that ends just before ``hi`` (a cue), not reaching before ``lo``."""
    toks = _tokens(text, lo, hi)
    j = len(toks)
    while j > 0 and toks[j - 1][2].lower() in _AUX:
        j -= 1
    # ", for his part," / ", who led the delegation," / ", speaking on condition of anonymity,"
    if allow_parenthetical and j > 0 and toks[j - 1][2] == ",":
        k = j - 2
        while k >= 0 and toks[k][2] != "," and j - k < 14:
            k -= 1
        if k >= 0 and toks[k][2] == "," and k + 1 < j - 1:
            inner = toks[k + 1][2]
            if inner[:1].islower() or inner.lower() in ("who", "for", "in"):
                np = _np_left(text, lo, toks[k][0], allow_parenthetical=False)
                if np is not None:
                    return np
        return None
    run: list[tuple[int, int, str]] = []
    k = j - 1
    while k >= 0:
        w = toks[k][2]
        lw = w.lower()
        if w in ("’s", "'s") or (lw.endswith(("’s", "'s")) and run):
            run.insert(0, toks[k])
        elif lw in PRONOUNS or lw in _RELATIVE:
            if not run:
                return _classify_np(text, [toks[k]])
            break
        elif w in _FUNCTION_WORDS and w not in ("The", "A", "An", "His", "Her", "Its", "Their"):
            break
        elif _is_cap(w) or lw in ROLE_WORDS or lw in _GENERIC_HEADS or lw in ("of", "for", "the", "a", "an", "one", "in", "from", "senior", "top", "his", "her", "its", "their", "government", "former", "european", "western", "russian", "ukrainian") or w in ("-",):
            if lw in ("the", "a", "an", "one", "his", "her", "its", "their"):
                run.insert(0, toks[k])
                if k > 0 and toks[k - 1][2].lower() in ("of", "in", "from", "at", "for"):
                    k -= 1
                    continue
                break
            run.insert(0, toks[k])
        else:
            break
        k -= 1
    if not run:
        return None
    return _classify_np(text, run)


def _np_right(text: str, lo: int, hi: int) -> _NP | None:
    """The speaker phrase starting at ``lo`` (after an inverted cue: ``said Maria Zakharova``)."""
    toks = _tokens(text, lo, hi)
    run = []
    skipped = 0
    for i, t in enumerate(toks):
        w, lw = t[2], t[2].lower()
        if not run and lw in PRONOUNS:
            return _classify_np(text, [t])
        if (
            len(run) == 1 and run[0][2].lower() in ("a", "an", "the") and w.islower() and skipped < 2
            and lw not in ROLE_WORDS and lw not in _GENERIC_HEADS
            and any(_is_cap(x[2]) for x in toks[i + 1 : i + 3])
        ):
            skipped += 1  # "said a smiling Dmytro Levin"
            continue
        if _is_cap(w) or lw in ROLE_WORDS or lw in _GENERIC_HEADS or lw in ("the", "of", "a", "an", "one", "his", "her", "its", "their") or w in ("’s", "'s") or (run and w in _PARTICLES):
            run.append(t)
        else:
            break
    np = _classify_np(text, run)
    if np is not None and np.kind in ("role", "generic"):
        # "the ministry's spokeswoman, Maria Zakharova" -> apposition with the name
        rest = text[np.end:hi]
        m = re.match(r"\s*,\s*", rest)
        if m:
            app = _np_right_simple(text, np.end + m.end(), hi)
            if app is not None and app.kind == "name":
                app.role_words = np.role_words + app.role_words
                return app
    return np


def _np_right_simple(text: str, lo: int, hi: int) -> _NP | None:
    run = []
    for t in _tokens(text, lo, hi):
        if _is_cap(t[2]) or t[2].lower() in ROLE_WORDS or (run and t[2] in _PARTICLES):
            run.append(t)
        else:
            break
    return _classify_np(text, run)


_GEO_WORDS = frozenset(
    """Sea Ocean River Mountains Square Street Avenue Island Islands Gulf Strait Bay Lake Peninsula Region Oblast
    Republic Kingdom States Union Day Week War Summit Plan Deal Treaty Accords Agreement Bridge Canal Airport
    Station Plant Power Nuclear""".split()
)
_FUNCTION_WORDS = frozenset(
    """When If As After Before While Although Though Since Because But And So Then The A An In On At For With
    Of To From By According Asked Meanwhile However Yet Still Now Later Earlier Only Even Also This That
    These Those It He She They We I His Her Their Its Our My""".split()
)


def _plain_name_word(w: str) -> bool:
    return not (
        w in _TITLES or w.lower() in ROLE_WORDS or _NATIONALITY.match(w) or w in _ORG_WORDS
        or w in _PLACES_AS_ACTORS or w in _FUNCTION_WORDS or w in _GEO_WORDS or w.endswith(("’s", "'s")) or not w[:1].isupper()
    )
