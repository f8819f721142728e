"""Language identification by script and function words (no model, ~microseconds per article).

Covers the languages of the shared-task data (en, bg, hi, pt, ru) and the other common news
languages of the SemEval-2023 data (de, fr, it, pl, es, el, ka). A document's declared
language (``Document.language``) wins when given.
"""

from __future__ import annotations

import re
from collections import Counter

from ..document import Analysis, Document
from .base import Analyzer

_STOPWORDS = {
    "en": "the of and to in is that for it with as was on be by this are from at have has not".split(),
    "pt": "de que o a e do da em um para com não uma os no se na por mais as dos como foi ao".split(),
    "es": "de la que el en y los del se las por un para con una su al es lo como más pero".split(),
    "fr": "de la le et les des en un du une est que pour dans qui par sur au pas plus ne".split(),
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch".split(),
    "it": "di e il la che in un per è del della non una con le si da sono al come".split(),
    "pl": "i w na z do się nie że to jest o jak ale po co tak za od przez".split(),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# scripts that name one language (or a default one) outright: (first, last code point, script, language)
_SCRIPTS = (
    (0x0590, 0x05FF, "hebr", "he"), (0x0600, 0x06FF, "arab", "ar"), (0x0750, 0x077F, "arab", "ar"),
    (0x08A0, 0x08FF, "arab", "ar"), (0xFB50, 0xFDFF, "arab", "ar"), (0xFE70, 0xFEFF, "arab", "ar"),
    (0x0530, 0x058F, "armn", "hy"), (0x0980, 0x09FF, "beng", "bn"), (0x0A00, 0x0A7F, "guru", "pa"),
    (0x0A80, 0x0AFF, "gujr", "gu"), (0x0B80, 0x0BFF, "taml", "ta"), (0x0C00, 0x0C7F, "telu", "te"),
    (0x0C80, 0x0CFF, "knda", "kn"), (0x0D00, 0x0D7F, "mlym", "ml"), (0x0E00, 0x0E7F, "thai", "th"),
    (0x3040, 0x30FF, "kana", "ja"), (0x4E00, 0x9FFF, "hani", "zh"), (0xAC00, 0xD7AF, "hang", "ko"),
    (0x1100, 0x11FF, "hang", "ko"),
)
_SCRIPT_LANG = {name: lang for _, _, name, lang in _SCRIPTS}


def _other_script(o: int) -> str | None:
    for lo, hi, name, _ in _SCRIPTS:
        if lo <= o <= hi:
            return name
    return None


def detect_language(text: str) -> tuple[str, float]:
    sample = text[:5000]
    counts = Counter()
    for ch in sample:
        o = ord(ch)
        if 0x0400 <= o <= 0x04FF:
            counts["cyr"] += 1
        elif 0x0900 <= o <= 0x097F:
            counts["deva"] += 1
        elif 0x0370 <= o <= 0x03FF:
            counts["greek"] += 1
        elif 0x10A0 <= o <= 0x10FF:
            counts["geo"] += 1
        elif (o < 0x0250 or 0x1E00 <= o <= 0x1EFF) and ch.isalpha():
            counts["latin"] += 1
        elif ch.isalpha() or 0x0600 <= o <= 0x06FF:
            other = _other_script(o)
            counts[other or "unknown"] += 1
    total = sum(counts.values())
    if not total:
        return "und", 0.0
    script, n = counts.most_common(1)[0]
    share = n / total
    if script == "deva":
        return "hi", share
    if script == "greek":
        return "el", share
    if script == "geo":
        return "ka", share
    if script == "hani" and counts.get("kana"):
        return "ja", share  # Japanese mixes kanji with kana
    if script == "arab":
        low = sample
        fa = sum(low.count(c) for c in "پچژگ") + low.count("ی") * 0.3
        return ("fa" if fa > 0.02 * n else "ar"), share
    if script in _SCRIPT_LANG:
        return _SCRIPT_LANG[script], share
    if script == "unknown":
        return "und", share
    lower = sample.lower()
    if script == "cyr":
        # Russian has ы, э, ё; Bulgarian uses ъ as a vowel far more often and has no ы/э.
        if sum(lower.count(c) for c in "іїєґ") > 0.01 * n:
            return "uk", share
        ru = sum(lower.count(c) for c in "ыэё")
        bg = lower.count("ъ") + len(re.findall(r"\b(?:се|на|за|са|че|от)\b", lower)) * 0.2
        return ("ru" if ru * 1.5 >= bg else "bg"), share
    words = Counter(w for w in _WORD.findall(lower))
    best, best_score = "en", 0
    for lang, sw in _STOPWORDS.items():
        score = sum(words[w] for w in sw)
        if score > best_score:
            best, best_score = lang, score
    nwords = sum(words.values()) or 1
    return best, min(1.0, share * (0.5 + best_score / nwords * 2))


class LanguageAnalyzer(Analyzer):
    name = "language"
    requires = ()
    assigns = ("data.language",)
    version = "1"
    description = "Language of the article (script + function words); a declared language wins."

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        if doc.language:
            lang, score, how = doc.language, 1.0, "declared"
        else:
            lang, score = detect_language(doc.text)
            how = "detected"
        analysis.data["language"] = {"language": lang, "score": round(score, 3), "method": how}


def document_language(doc: Document, analysis: Analysis | None = None) -> str:
    """The language to use for a document: declared, else the language analyzer's, else detected."""
    if doc.language:
        return doc.language
    if analysis is not None and "language" in analysis.data:
        return analysis.data["language"]["language"]
    return detect_language(doc.text)[0]
