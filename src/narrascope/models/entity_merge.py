"""Entities, not strings: boilerplate filtering, place-name typing, name variants, corpus keys.

- :func:`drop_boilerplate` removes mentions inside a dateline ("MOSCOW, March 14 (Reuters) -"), a
  byline ("By Jane Doe", "Reporting by ...; Editing by ...") or the outlet's own name;
- :func:`fix_types` retypes a mention whose text is a country, capital or large region in
  :data:`PLACES` as ``GPE`` (spaCy's small model tags "Kyiv" PERSON at a sentence start);
- :func:`person_key` reduces a person's name to first + last name: it drops titles ("President"),
  patronymics ("Vladimirovich") and initials, so "Vladimir Vladimirovich Putin", "President Vladimir
  Putin" and "Vladimir Putin" share one key, and "Putin" joins it by surname within an article;
- :func:`entity_key` is the normalised key across a corpus (aliases resolved: "U.S." and "America"
  -> "united states"); :func:`canonical_name` is its display form, so tables count one entity once.
"""

from __future__ import annotations

import re
import unicodedata

from .entities import ALIASES, TITLES, Mention, normalise_name

# Countries, capitals and regions that appear as actors in news (English names; lower case).
PLACES = frozenset("""
afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus
belgium bolivia bosnia brazil britain bulgaria cambodia canada chile china colombia croatia cuba cyprus
czechia denmark egypt england estonia ethiopia europe finland france georgia germany greece hungary iceland
india indonesia iran iraq ireland israel italy japan jordan kazakhstan kenya kosovo kuwait kyrgyzstan latvia
lebanon libya lithuania luxembourg malaysia mali mexico moldova mongolia montenegro morocco myanmar nepal
netherlands niger nigeria norway pakistan palestine peru philippines poland portugal qatar romania russia
rwanda scotland serbia slovakia slovenia somalia spain sudan sweden switzerland syria taiwan tajikistan
tanzania thailand tunisia turkey turkmenistan uganda ukraine uzbekistan venezuela vietnam wales yemen
kyiv kiev moscow washington london paris berlin brussels beijing warsaw minsk tbilisi budapest bucharest
sofia vienna rome madrid lisbon ankara tehran baghdad damascus jerusalem cairo delhi tokyo seoul
pyongyang ottawa canberra prague bratislava vilnius riga tallinn helsinki stockholm oslo copenhagen
amsterdam athens belgrade chisinau baku yerevan astana tashkent donetsk luhansk lugansk crimea donbas
donbass kharkiv kherson zaporizhzhia mariupol odesa odessa bakhmut avdiivka lviv dnipro sevastopol
gaza africa asia america
""".split())
# "united states", "european union", "united kingdom" (multi-word places)
PLACES_MULTI = frozenset({"united states", "united kingdom", "european union", "saudi arabia", "south africa",
                          "north korea", "south korea", "new zealand", "czech republic", "new delhi"})

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
# "MOSCOW, March 14 (Narrascope example wire) -"  /  "KYIV (Reuters) —"  /  "WASHINGTON, Jan. 3 -"
_DATELINE = re.compile(
    r"^[ \t]*[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'’-]{1,40}(?:,[ \t]*[A-Z][\w.]*)*"
    r"(?:,?[ \t]*" + _MONTHS + r"[ \t]+\d{1,2}(?:,[ \t]*\d{4})?)?"
    r"[ \t]*(?:\([^()\n]{1,60}\))?[ \t]*[-–—:][ \t]*",
    re.MULTILINE,
)
_BYLINE = re.compile(r"^[ \t]*(?:By|Reporting by|Writing by|Editing by|Additional reporting by)[ \t]+[^\n]{0,120}$",
                     re.MULTILINE)
_CREDIT = re.compile(r"(?:Reporting|Writing|Editing|Additional reporting) by[^\n]{0,160}")
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ich|ichna|ovych|ivna)$")


def boilerplate_spans(text: str, source: str | None = None) -> list[tuple[int, int]]:
    """Character ranges that are wire/outlet boilerplate, not article content."""
    out = []
    for m in _DATELINE.finditer(text):
        head = m.group(0)
        # a dateline starts a paragraph with an all-caps place and has a date or an outlet in brackets
        word = head.strip().split(",")[0].split("(")[0].strip(" -–—:")
        if word and word.upper() == word and ("(" in head or re.search(r"\d", head)):
            out.append((m.start(), m.end()))
    out += [(m.start(), m.end()) for m in _BYLINE.finditer(text)]
    out += [(m.start(), m.end()) for m in _CREDIT.finditer(text)]
    if source and len(source.strip()) > 2:
        for m in re.finditer(r"(?<!\w)" + re.escape(source.strip()) + r"(?!\w)", text):
            out.append((m.start(), m.end()))
    return out


def drop_boilerplate(mentions: list[Mention], text: str, source: str | None = None) -> list[Mention]:
    spans = boilerplate_spans(text, source)
    if not spans:
        return mentions
    return [m for m in mentions if not any(a <= m.start and m.end <= b for a, b in spans)]


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def is_place(name: str) -> bool:
    key = ALIASES.get(normalise_name(name), normalise_name(name))
    key = _fold(key)
    return key in PLACES or key in PLACES_MULTI


def fix_types(mentions: list[Mention]) -> list[Mention]:
    """A known place is GPE whatever the tagger said (PERSON "Kyiv", ORG "Ukraine")."""
    for m in mentions:
        if m.type in ("PERSON", "ORG", "NORP", "ENTITY") and is_place(m.text):
            m.type = "GPE"
            m.title = None
    return mentions


def person_key(name: str) -> str:
    """First + last name, lower case: titles, patronymics and initials dropped."""
    toks = normalise_name(name).split()
    while toks and toks[0].rstrip(".") in TITLES + ("mr", "mrs", "ms", "dr", "prof", "sir"):
        toks = toks[1:]
    if len(toks) >= 3:
        middle = [t for t in toks[1:-1] if not (_PATRONYMIC.search(t) or re.fullmatch(r"\w\.?", t))]
        toks = [toks[0]] + middle + [toks[-1]]
    return " ".join(toks)


def entity_key(name: str, etype: str = "") -> str:
    """The corpus-wide key of an entity name (lower case, aliases resolved, accents folded)."""
    key = normalise_name(name)
    key = ALIASES.get(key, key)
    if etype in ("PERSON", "ENTITY"):
        key = person_key(key)
    return _fold(key)


def canonical_name(key: str, names: list[str]) -> str:
    """Display form of a key: the longest mention text whose key it is, else the key title-cased."""
    if key in set(ALIASES.values()):
        return " ".join(w if w in ("of",) else w.capitalize() for w in key.split())
    best = [n for n in names if entity_key(n) == key or person_key(n) == key]
    if best:
        return max(best, key=lambda n: (len(n), n))
    return key.title()


_PLACE_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted((re.escape(p.title()) for p in PLACES | PLACES_MULTI),
                                                            key=len, reverse=True)) + r")(?![\w-])")


def add_places(mentions: list[Mention], text: str) -> list[Mention]:
    """Capitalised gazetteer places the tagger missed ("Kyiv", "Kharkiv"), as GPE mentions."""
    taken = [(m.start, m.end) for m in mentions]
    extra = [Mention(r.start(), r.end(), r.group(0), "GPE") for r in _PLACE_RE.finditer(text)
             if not any(a < r.end() and r.start() < b for a, b in taken)]
    if not extra:
        return mentions
    return sorted(mentions + extra, key=lambda m: (m.start, m.end))


def clean_mentions(mentions: list[Mention], text: str, source: str | None = None, tagged: bool = True) -> list[Mention]:
    """The analyzer's cleanup, in one place (training uses it too): gazetteer places the tagger
    missed (``tagged``: spaCy ran), then boilerplate dropped and place types fixed."""
    if tagged:
        mentions = add_places(mentions, text)
    return fix_types(drop_boilerplate(mentions, text, source))
