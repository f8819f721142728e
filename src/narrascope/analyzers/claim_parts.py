"""The checkable parts of a claim, by rules: dates (normalised to ISO 8601), numbers, money,
percentages, places and actors. English patterns; digits, currency signs and ``%`` work anywhere.

Date normalisation rules (``ref`` is the article's publication date, when known):

- full dates ("14 March 2023", "March 14, 2023", "2023-03-14") -> ``YYYY-MM-DD``;
- month + day without a year ("March 14", "on 14 March") -> the year that puts the date closest
  to ``ref`` but not more than 60 days after it (news mostly reports the past); without ``ref``
  -> ``--MM-DD`` (ISO 8601 date without year);
- month + year ("February 2022") -> ``YYYY-MM``; a year after "in/since/by/until/from/before/after/
  of" -> ``YYYY``;
- weekdays ("on Thursday") -> the most recent such day on or before ``ref`` (wire style: "said on
  Thursday" can be the publication day); with "next" or a future cue in the sentence ("will",
  "is due", "is expected", "scheduled", "plans") -> the next such day on or after ``ref``; "last
  Thursday" -> strictly before ``ref``;
- "yesterday/today/tomorrow" -> day; "last/this/next week" -> ISO week ``YYYY-Www``;
  "last/this/next month" -> ``YYYY-MM``; "last/this/next year" -> ``YYYY``; "N days/weeks/months/
  years ago" -> day/week/month/year;
- relative dates without ``ref`` keep ``iso=None`` (and say ``"relative": true``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from ..document import span_dict

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "several": None, "a few": None,
}
_MON = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
_DAYNAME = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_FUTURE = re.compile(r"\b(?:will|shall|is due|are due|is expected|are expected|scheduled|plans? to|planned|is set to|are set to|next)\b", re.I)

_DATE_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b")),
    ("mdy", re.compile(rf"\b(?P<mon>{_MON})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b")),
    ("dmy", re.compile(rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})(?:,?\s+(?P<y>(?:19|20)\d\d))?\b")),
    ("my", re.compile(rf"\b(?P<mon>{_MON})\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b")),
    ("year", re.compile(r"\b(?:in|since|by|until|from|before|after|of|early|late|mid|during)\s+(?P<y>(?:19|20)\d\d)\b(?!\s*(?:%|percent|per cent|people|troops|km|kilomet))", re.I)),
    ("weekday", re.compile(rf"\b(?:(?P<rel>last|next|this|on|on the)\s+)?(?P<wd>{_DAYNAME})\b")),
    ("deictic", re.compile(r"\b(?P<w>yesterday|today|tomorrow)\b", re.I)),
    ("period", re.compile(r"\b(?P<rel>last|this|next|past)\s+(?P<unit>week|month|year)\b", re.I)),
    ("ago", re.compile(r"\b(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an|several|a few)\s+(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
]


def parse_ref(published: str | None) -> date | None:
    if not published:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(published))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _add_months(d: date, n: int) -> tuple[int, int]:
    k = d.year * 12 + (d.month - 1) + n
    return k // 12, k % 12 + 1


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _closest_year(month: int, day: int, ref: date) -> date | None:
    best = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if (d - ref).days > 60:
            continue
        if best is None or abs((d - ref).days) < abs((best - ref).days):
            best = d
    return best


def find_dates(text: str, start: int = 0, end: int | None = None, ref: date | None = None) -> list[dict[str, Any]]:
    """Date expressions in ``text[start:end]`` with ISO values (offsets into ``text``)."""
    end = len(text) if end is None else end
    seg = text[start:end]
    future = bool(_FUTURE.search(seg))
    cands: list[dict[str, Any]] = []
    for kind, pat in _DATE_PATTERNS:
        for m in pat.finditer(seg):
            r = _normalise(kind, m, ref, future)
            if r is None:
                continue
            iso, gran, relative = r
            s, e = m.start(), m.end()
            if kind == "weekday" and m.group("rel") in ("on", "on the"):
                s = m.start("wd")
            if kind == "year":
                s = m.start("y")
            cands.append(span_dict(text, start + s, start + e, iso=iso, granularity=gran, relative=relative))
    # longest first, no overlaps
    cands.sort(key=lambda c: (-(c["end"] - c["start"]), c["start"]))
    out: list[dict[str, Any]] = []
    for c in cands:
        if all(c["end"] <= o["start"] or c["start"] >= o["end"] for o in out):
            out.append(c)
    return sorted(out, key=lambda c: c["start"])


def _normalise(kind: str, m: re.Match, ref: date | None, future: bool):
    g = m.groupdict()
    try:
        if kind == "iso":
            return date(int(g["y"]), int(g["m"]), int(g["d"])).isoformat(), "day", False
        if kind in ("mdy", "dmy"):
            mon, day = _month(g["mon"]), int(g["d"])
            if not 1 <= day <= 31:
                return None
            if g.get("y"):
                return date(int(g["y"]), mon, day).isoformat(), "day", False
            if ref is None:
                date(2000, mon, day)  # validates (2000 is a leap year)
                return f"--{mon:02d}-{day:02d}", "day", False
            d = _closest_year(mon, day, ref)
            return (d.isoformat() if d else None), "day", False
        if kind == "my":
            return f"{int(g['y']):04d}-{_month(g['mon']):02d}", "month", False
        if kind == "year":
            return g["y"], "year", False
    except ValueError:
        return None
    # relative expressions
    if kind == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        if ref is None:
            return None, "day", True
        rel = (g.get("rel") or "").lower()
        back = (ref.weekday() - wd) % 7
        fwd = (wd - ref.weekday()) % 7
        if rel == "last":
            d = ref - timedelta(days=back or 7)
        elif rel == "next":
            d = ref + timedelta(days=fwd or 7)
        elif rel == "this" or future:
            d = ref + timedelta(days=fwd) if future or rel == "this" and fwd <= 3 else ref - timedelta(days=back)
        else:
            d = ref - timedelta(days=back)
        return d.isoformat(), "day", True
    if kind == "deictic":
        if ref is None:
            return None, "day", True
        off = {"yesterday": -1, "today": 0, "tomorrow": 1}[g["w"].lower()]
        return (ref + timedelta(days=off)).isoformat(), "day", True
    if kind == "period":
        unit, rel = g["unit"].lower(), g["rel"].lower()
        n = {"last": -1, "past": -1, "this": 0, "next": 1}[rel]
        if ref is None:
            return None, unit, True
        if unit == "week":
            return _iso_week(ref + timedelta(weeks=n)), "week", True
        if unit == "month":
            y, mo = _add_months(ref, n)
            return f"{y:04d}-{mo:02d}", "month", True
        return f"{ref.year + n:04d}", "year", True
    if kind == "ago":
        raw = g["n"].lower()
        n = int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw)
        unit = g["unit"].lower()
        if ref is None or n is None:
            return None, unit, True
        if unit == "day":
            return (ref - timedelta(days=n)).isoformat(), "day", True
        if unit == "week":
            return _iso_week(ref - timedelta(weeks=n)), "week", True
        if unit == "month":
            y, mo = _add_months(ref, -n)
            return f"{y:04d}-{mo:02d}", "month", True
        return f"{ref.year - n:04d}", "year", True
    return None


# ---------------------------------------------------------------------------------------------
# Numbers, money, percentages
# ---------------------------------------------------------------------------------------------
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|bn|mln|m|k)\b)?"
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_CURRENCY_SIGN = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₴": "UAH"}
_CURRENCY_WORD = {
    "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "roubles": "RUB",
    "rubles": "RUB", "hryvnias": "UAH", "hryvnia": "UAH", "yuan": "CNY", "francs": "CHF",
}
_MONEY = re.compile(
    rf"(?P<sign>US\$|[$€£¥₽₴])\s?(?P<n>{_NUM})(?P<sc>{_SCALE})"
    rf"|\b(?P<n2>{_NUM})(?P<sc2>{_SCALE})\s+(?P<cw>dollars?|euros?|pounds|roubles|rubles|hryvnias?|yuan|francs)\b",
    re.I,
)
_PERCENT = re.compile(rf"(?<![\w.])(?P<n>{_NUM})\s?(?:%|percent\b|per cent\b|percentage points?\b)", re.I)
_NUMBER = re.compile(
    rf"(?<![\w.,$€£])(?P<n>{_NUM})(?P<sc>{_SCALE})(?![\w%])"
    r"|\b(?P<w>dozens|hundreds|thousands|millions|billions|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b",
    re.I,
)


def _value(n: str, sc: str | None) -> float | None:
    try:
        v = float(n.replace(",", ""))
    except ValueError:
        return None
    sc = (sc or "").strip().lower()
    return v * _SCALES.get(sc, 1.0)


def find_quantities(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> dict[str, list[dict[str, Any]]]:
    seg = text[start:end]
    out: dict[str, list[dict[str, Any]]] = {"money": [], "percentages": [], "numbers": []}
    occupied = list(taken)

    def free(s, e):
        return all(e <= a or s >= b for a, b in occupied)

    for m in _MONEY.finditer(seg):
        s, e = start + m.start(), start + m.end()
        if not free(s, e):
            continue
        if m.group("sign"):
            cur, v = _CURRENCY_SIGN.get(m.group("sign").upper() if m.group("sign") != "US$" else "US$", "USD"), _value(m.group("n"), m.group("sc"))
        else:
            cur, v = _CURRENCY_WORD.get(m.group("cw").lower(), None), _value(m.group("n2"), m.group("sc2"))
        out["money"].append(span_dict(text, s, e, value=v, currency=cur))
        occupied.append((s, e))
    for m in _PERCENT.finditer(seg):
        s, e = start + m.start(), start + m.end()
        if free(s, e):
            out["percentages"].append(span_dict(text, s, e, value=_value(m.group("n"), None)))
            occupied.append((s, e))
    for m in _NUMBER.finditer(seg):
        s, e = start + m.start(), start + m.end()
        if not free(s, e):
            continue
        if m.group("n"):
            v = _value(m.group("n"), m.group("sc"))
        else:
            v = None
        # trailing scale word captured by \b...\b may eat a following "m" of "m." etc.: keep text exact
        out["numbers"].append(span_dict(text, s, e, value=v))
        occupied.append((s, e))
    return out


# ---------------------------------------------------------------------------------------------
# Places and actors
# ---------------------------------------------------------------------------------------------
PLACES = frozenset(
    """
    Russia Ukraine Belarus Moldova Georgia Armenia Azerbaijan Kazakhstan Poland Lithuania Latvia Estonia Finland
    Sweden Norway Denmark Germany France Italy Spain Portugal Britain UK England Ireland Netherlands Belgium
    Luxembourg Austria Switzerland Hungary Slovakia Czechia Romania Bulgaria Serbia Croatia Slovenia Greece
    Turkey Türkiye Cyprus Israel Palestine Gaza Lebanon Syria Iraq Iran Jordan Egypt Libya Qatar Yemen
    India Pakistan Afghanistan China Japan Korea Taiwan Vietnam Indonesia Australia Canada Mexico Brazil
    Argentina Venezuela Cuba Africa Europe Asia America Mali Niger Sudan Ethiopia Kenya Nigeria Algeria
    Moscow Kyiv Kiev Washington Beijing Brussels London Paris Berlin Ankara Istanbul Warsaw Budapest Minsk
    Tehran Riga Vilnius Tallinn Helsinki Stockholm Oslo Copenhagen Rome Madrid Vienna Prague Bucharest
    Sofia Belgrade Chisinau Tbilisi Yerevan Baku Astana Geneva Davos Munich Hague Doha Riyadh Cairo
    Jerusalem Tokyo Seoul Delhi Odesa Odessa Kharkiv Kherson Donetsk Luhansk Donbas Donbass Crimea Sevastopol
    Zaporizhzhia Mariupol Bakhmut Avdiivka Dnipro Lviv Mykolaiv Sumy Chernihiv Kursk Belgorod Bryansk
    Transnistria Abkhazia Kaliningrad Izmail Pokrovsk Kupiansk Sudzha Brussels Strasbourg Luxembourg
    """.split()
)
PLACE_PHRASES = ("Black Sea", "Baltic Sea", "Sea of Azov", "Middle East", "United States", "United Kingdom",
                 "European Union", "Red Square", "New York", "South Africa", "North Korea", "South Korea",
                 "Saudi Arabia", "Czech Republic", "Eastern Europe", "Western Europe")
_PLACE_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(PLACE_PHRASES, key=len, reverse=True)) + r"|"
                       + "|".join(sorted(PLACES, key=len, reverse=True)) + r")\b")
_ORG_ACTORS = frozenset(
    """NATO EU UN OSCE IAEA ICC WHO IMF Kremlin Pentagon Rada Duma Bundestag Congress Senate Gazprom Rosatom
    Wagner Hamas Hezbollah""".split()
)
_CAPSEQ = re.compile(r"(?<![\w’'])(?:[A-Z][\w’'\-]*\.?(?:\s+(?:of|the|for|de|von|der|al)\s+|\s+)?)*[A-Z][\w’'\-]*")
_STOP_CAP = frozenset(
    """The A An In On At For With Of To From By According After Before When While Although Since Because But And
    So Then It He She They We I His Her Their Its Our This That These Those There Meanwhile However Yet Still
    Now Last Next Moreover Asked Even Only Also If As Some Many Most All No Not Mr Mrs Ms""".split()
)
_ADJECTIVES = frozenset("Western Eastern Northern Southern European Soviet Baltic American German French".split())
_MONTH_WORDS = frozenset(w.capitalize() for w in MONTHS) | frozenset(w.capitalize() for w in WEEKDAYS)


def find_places(text: str, start: int, end: int) -> list[dict[str, Any]]:
    return [span_dict(text, start + m.start(), start + m.end()) for m in _PLACE_RE.finditer(text[start:end])]


def find_actors(text: str, start: int, end: int, taken: list[tuple[int, int]], entities: list[dict] | None = None) -> list[dict[str, Any]]:
    """People and organisations: the entities analyzer's mentions when present, else capitalised
    sequences that are not places, dates or sentence-initial function words."""
    out: list[dict[str, Any]] = []

    def free(s, e):
        return all(e <= a or s >= b for a, b in taken) and all(e <= o["start"] or s >= o["end"] for o in out)

    if entities:
        for ent in entities:
            if str(ent.get("type", "")).lower() in ("loc", "gpe", "place", "location"):
                continue
            for m in ent.get("mentions") or []:
                try:
                    s, e = int(m["start"]), int(m["end"])
                except (KeyError, TypeError, ValueError):
                    continue
                if start <= s and e <= end and free(s, e):
                    out.append(span_dict(text, s, e, entity=ent.get("name")))
        return sorted(out, key=lambda a: a["start"])
    for m in _CAPSEQ.finditer(text, start, end):
        s, e = m.start(), m.end()
        words = m.group().split()
        while words and (words[0] in _STOP_CAP or words[0] in _MONTH_WORDS):
            s = text.index(words[1], s + len(words[0])) if len(words) > 1 else e
            words = words[1:]
        while words and words[-1] in ("of", "the", "for"):
            words = words[:-1]
        if not words:
            continue
        e = s + len(text[s:e].rstrip()) if False else text.find(words[-1], s) + len(words[-1])
        if text[e - 1 : e] == "." and "." not in text[s : e - 1]:
            e -= 1  # sentence-final period, but keep "U.S."
        phrase = text[s:e]
        if phrase in PLACES or phrase in PLACE_PHRASES or phrase in _MONTH_WORDS:
            continue
        if len(words) == 1 and phrase not in _ORG_ACTORS and (s == start or text[s - 2 : s] in (". ", '" ')):
            continue  # a capitalised first word of the sentence is usually not a name
        if len(words) == 1 and not phrase.isupper() and phrase not in _ORG_ACTORS and (
            phrase.endswith(("ian", "ese", "ish")) or phrase in _ADJECTIVES
        ):
            continue  # nationality adjective
        if free(s, e) and e > s:
            out.append(span_dict(text, s, e))
    return out
