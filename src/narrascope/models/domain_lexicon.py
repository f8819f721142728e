"""Hand-written topic cue words for the two domains of the narrative taxonomy.

Word-prefix cues (lower-cased) for the war in Ukraine (URW) and climate change (CC) in the
languages of the narrative data (en, bg, hi, pt, ru) and of the SemEval-2023 data (fr, de, it,
pl, es). They serve two purposes: a language-independent feature block of the domain model
(:mod:`narrascope.models.domain`), and an honest filter when out-of-domain training articles are
drawn from corpora that are not about these topics (an article with many cues is left out of the
negatives rather than called off-topic).
"""

from __future__ import annotations

import re

URW_CUES = (
    # en / fr / de / it / pl / es / pt
    "ukrain", "russia", "russe", "russi", "russland", "rosj", "rusia", "rússia", "ucrân", "ucran",
    "ukrai", "kyiv", "kiev", "kyjiw", "kijów", "kijow", "putin", "poutine", "zelensk", "selensk",
    "zełensk", "kremlin", "kreml", "donbas", "donetsk", "luhansk", "crimea", "krim", "krym", "crimée",
    "nato", "otan", "moscow", "moscou", "moskau", "mosca", "moskw", "moscú", "moscovo", "invasion",
    "invasão", "invasión", "invasione", "inwazj", "mariupol", "kharkiv", "kherson", "bakhmut",
    "wagner", "lavrov", "shoigu", "azov",
    # bg / ru (Cyrillic)
    "украин", "україн", "укра", "росси", "русия", "руски", "русск", "путин", "зеленск", "кремъл",
    "кремл", "киев", "киів", "нато", "донбас", "донецк", "луганск", "крим", "крым", "москв",
    "всу", "сво", "спецоперац", "мобилизац", "мобилизаци",
    # hi (Devanagari)
    "यूक्रेन", "युक्रेन", "रूस", "पुतिन", "ज़ेलेंस्की", "जेलेंस्की", "नाटो", "कीव", "मास्को", "क्रेमलिन",
)
CC_CUES = (
    "climat", "clima", "klima", "warming", "carbon", "carbono", "carbone", "kohlen", "emission",
    "emissão", "emissões", "emisi", "greenhouse", "fossil", "fóssil", "renewable", "renováve",
    "co2", "ipcc", "cop2", "cop3", "net zero", "net-zero", "glacier", "geleira", "sea level",
    "heatwave", "drought", "methane", "metano", "decarbon", "aquecimento", "réchauffement",
    "riscaldamento", "erwärmung", "ocieplen", "calentamiento", "greta", "thunberg", "paris agreement",
    # bg / ru
    "климат", "затопл", "потепл", "въглерод", "углерод", "парников", "емиси", "выброс", "изкопаем",
    "возобновля", "възобновя", "зелена сделка", "зеленая сделка", "грета",
    # hi
    "जलवायु", "ग्लोबल वार्मिंग", "कार्बन", "उत्सर्जन", "ग्रीनहाउस", "तापमान",
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _pattern(cues: tuple[str, ...]) -> re.Pattern:
    alts = sorted({c.lower() for c in cues}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(a) for a in alts) + r")", re.UNICODE)


_URW = _pattern(URW_CUES)
_CC = _pattern(CC_CUES)


def lexicon_counts(text: str) -> tuple[int, int, int]:
    """(URW cue hits, CC cue hits, number of words) of ``text``."""
    low = text.lower()
    return len(_URW.findall(low)), len(_CC.findall(low)), len(_WORD.findall(low))


def cue_matches(text: str, limit: int = 5) -> dict[str, list[tuple[int, int]]]:
    """Character spans of the first ``limit`` cue words per domain (evidence for the domain score)."""
    low = text.lower()
    if len(low) != len(text):  # lower-casing changed the length (rare scripts): no offsets
        return {"URW": [], "CC": []}
    out: dict[str, list[tuple[int, int]]] = {}
    for key, pat in (("URW", _URW), ("CC", _CC)):
        spans = []
        for m in pat.finditer(low):
            end = m.end()
            while end < len(text) and (text[end].isalnum() or text[end] in "\u0900\u0901\u0902\u093c\u094d") or (
                    end < len(text) and "\u0900" <= text[end] <= "\u097f"):
                end += 1
            spans.append((m.start(), end))
            if len(spans) >= limit:
                break
        out[key] = spans
    return out
