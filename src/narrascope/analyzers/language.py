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
        elif ch.isalpha():
            counts["latin"] += 1
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
    lower = sample.lower()
    if script == "cyr":
        # Russian has ы, э, ё; Bulgarian uses ъ as a vowel far more often and has no ы/э.
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
