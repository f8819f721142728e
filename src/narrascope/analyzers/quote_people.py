"""The article-level person registry of the quotes analyzer (expanding surnames, role nouns and pronouns).

Split out of :mod:`narrascope.analyzers.quotes` (which re-exports every name)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .quote_lexicons import (  # noqa: F401
    ROLE_WORDS, _NATIONALITY, _NP_ROLE_HEADS, _ORG_WORDS, _ROLE_SYNONYMS,
)
from .quote_grammar import (  # noqa: F401
    _FUNCTION_WORDS, _gender, _plain_name_word, _role_head,
)


# ---------------------------------------------------------------------------------------------
# Article-level person registry (for expansion of surnames, role nouns and pronouns)
# ---------------------------------------------------------------------------------------------
@dataclass
class _Person:
    name: str
    pos: int
    roles: set[str] = field(default_factory=set)
    role_text: str = ""
    gender: str | None = None
    is_org: bool = False


_NAME_SEQ = re.compile(r"(?<![\w’'])([A-Z][\w’'\-]+(?:[ ]+(?:[A-Z][\w’'\-]+|bin|al|de|da|van|von|der|le|la))*[ ]+[A-Z][\w’'\-]+)")


class _Registry:
    def __init__(self, text: str, entities: list[dict] | None, skip: int = 0):
        self.text = text
        self.skip = skip
        self.people: list[_Person] = []  # in order of first appearance (pos)
        self.mentions: list[tuple[int, int, str, bool]] = []  # (start, end, canonical, is_person)
        self.ent_mentions: list[tuple[int, int, str, str]] = []
        if entities:
            for ent in entities:
                etype = str(ent.get("type") or "").lower()
                for m in ent.get("mentions") or []:
                    try:
                        self.ent_mentions.append((int(m["start"]), int(m["end"]), str(ent.get("name")), etype))
                    except (KeyError, TypeError, ValueError):
                        continue
            self.ent_mentions.sort()
        self._scan()
        for ent in entities or []:
            if str(ent.get("type") or "").lower() in ("person", "per") and ent.get("mentions"):
                try:
                    first = min(int(m["start"]) for m in ent["mentions"])
                except (KeyError, TypeError, ValueError):
                    continue
                self.add_person(str(ent.get("name")), first)

    def _scan(self) -> None:
        """Person names: the trailing run of >= 2 capitalised words of a capitalised sequence that
        are not titles, role words, nationalities, organisations or places ("Russian Foreign
        Minister Sergei Lavrov" -> "Sergei Lavrov", role "Russian Foreign Minister")."""
        text = self.text
        for m in _NAME_SEQ.finditer(text, self.skip):
            toks = [(m.start(1) + t.start(), m.start(1) + t.end(), t.group()) for t in re.finditer(r"\S+", m.group(1))]
            i = len(toks)
            while i > 0 and _plain_name_word(toks[i - 1][2]):
                i -= 1
            rest = toks[i:]
            if len(rest) < 2 or len(rest) > 4:
                continue
            off, name_end = rest[0][0], rest[-1][1]
            name = text[off:name_end]
            title_words = [t[2] for t in toks[:i] if t[2] not in _FUNCTION_WORDS]
            role_text = " ".join(title_words) if title_words else ""
            role_text = (self._role_before(toks[0][0]) + " " + role_text).strip() if not title_words or title_words[0] in _ORG_WORDS or _NATIONALITY.match(title_words[0]) else role_text
            role_text = (role_text + " " + self._apposition_after(name_end)).strip()
            self.add_person(name, off, role_text)

    def _role_before(self, off: int) -> str:
        # "Kremlin spokesman Dmitry Peskov": lower-case role words right before the name sequence
        before = self.text[max(0, off - 60) : off]
        m = re.search(r"((?:[A-Z][\w’']+\s+){0,3}(?:[a-z’'\-]+\s+){1,2})$", before)
        words = (m.group(1) if m else "").split()
        if not any(w.lower() in _NP_ROLE_HEADS for w in words):
            return ""
        return " ".join(w for w in words if w.lower() in ROLE_WORDS or w[:1].isupper())

    def _apposition_after(self, end: int) -> str:
        m = re.match(r",\s+((?:the|a)\s+)?([\w’'\s]{3,60}?),", self.text[end : end + 80])
        if m and _role_head(m.group(2).split()):
            return m.group(2)
        return ""

    def add_person(self, name: str, pos: int, role_text: str = "", is_org: bool = False) -> _Person:
        for p in self.people:
            if p.name == name:
                if role_text and not p.role_text:
                    p.role_text = role_text
                    p.roles = self._roles(role_text)
                    p.gender = p.gender or _gender(name, self._raw(role_text))
                return p
        roles = self._roles(role_text)
        p = _Person(name, pos, roles, role_text, _gender(name, self._raw(role_text)), is_org)
        self.people.append(p)
        self.people.sort(key=lambda q: q.pos)
        return p

    @staticmethod
    def _raw(role_text: str) -> set[str]:
        return {w.lower().strip(".,") for w in role_text.split()}

    @staticmethod
    def _roles(role_text: str) -> set[str]:
        words = [w.lower().rstrip("’'s") if w.lower().endswith(("’s", "'s")) else w.lower() for w in role_text.split()]
        out = set()
        for w in words:
            w2 = _ROLE_SYNONYMS.get(w, w)
            out.add(w2)
            out.update(w2.split())
        if "prime" in words and "minister" in words:
            out.add("prime minister")
        return out

    def entity_at(self, s: int, e: int) -> str | None:
        """The entity whose mention covers most of [s, e) (at least half of it), if any."""
        best, best_ov = None, 0
        for ms, me, name, etype in self.ent_mentions:
            ov = min(e, me) - max(s, ms)
            if ov > best_ov and ov * 2 >= (e - s) and etype not in ("gpe", "loc", "location", "place"):
                best, best_ov = name, ov
        return best

    def expand(self, name: str, pos: int) -> str:
        """'Peskov' -> 'Dmitry Peskov' when a fuller form of the same name appears in the article."""
        parts = name.split()
        best = None
        for p in self.people:
            pp = p.name.split()
            if len(pp) > len(parts) and pp[-len(parts) :] == parts:
                if best is None or p.pos < pos <= best.pos or (p.pos <= pos and (best.pos > pos or p.pos > best.pos)):
                    best = p
        return best.name if best else name

    def person(self, name: str) -> _Person | None:
        for p in self.people:
            if p.name == name:
                return p
        return None

    def persons_before(self, pos: int) -> list[_Person]:
        return [p for p in self.people if p.pos < pos and not p.is_org]
