"""Article style features for genre: how much is attributed, quoted, subjective, first-person.

Language-agnostic where possible (punctuation, quotes, length); attribution and first-person cues
are small word lists for the languages of the SemEval-2023 training data (en, fr, de, it, pl, ru).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

_ATTRIB = re.compile(
    r"\b(said|says|told|according to|stated|announced|reported|added|"
    r"a déclaré|a dit|selon|a affirmé|a indiqué|"
    r"sagte|sagt|laut|erklärte|teilte mit|berichtet|"
    r"ha detto|ha dichiarato|secondo|ha spiegato|ha affermato|"
    r"powiedział|powiedziała|według|poinformował|stwierdził|"
    r"сказал|заявил|заявила|сообщил|сообщила|по словам|по данным)\b",
    re.IGNORECASE,
)
_FIRST = re.compile(r"\b(I|me|my|mine|we|our|us|je|moi|nous|ich|mir|mich|wir|uns|io|noi|ja|my|я|мы|мне|нас)\b")
_SECOND = re.compile(r"\b(you|your|vous|tu|ihr|du|Sie|voi|ty|wy|вы|ты)\b")
_QUOTE = re.compile(r"[\"\u201c\u201d\u00ab\u00bb\u201e]")
_DIGIT = re.compile(r"\d")

STYLE_NAMES = [
    "mean_p_subj", "share_subj", "share_attrib", "share_quote", "first_person", "second_person",
    "share_question", "share_exclaim", "log_words", "log_paragraphs", "words_per_sentence", "digits",
]


def style_features(text: str, sentences: Sequence[tuple[int, int]], p_subj: Sequence[float]) -> np.ndarray:
    sents = [text[s:e] for s, e in sentences] or [text]
    n = len(sents)
    words = text.split()
    nw = max(len(words), 1)
    p = np.asarray(p_subj, dtype=np.float32) if len(p_subj) else np.zeros(1, np.float32)
    f = [
        float(p.mean()),
        float((p >= 0.5).mean()),
        sum(1 for s in sents if _ATTRIB.search(s)) / n,
        sum(1 for s in sents if _QUOTE.search(s)) / n,
        min(len(_FIRST.findall(text)) / nw * 20, 1.0),
        min(len(_SECOND.findall(text)) / nw * 20, 1.0),
        sum(1 for s in sents if "?" in s) / n,
        sum(1 for s in sents if "!" in s) / n,
        np.log1p(nw) / 8.0,
        np.log1p(text.count("\n")) / 5.0,
        min(nw / n / 40.0, 1.5),
        min(len(_DIGIT.findall(text)) / nw, 1.0),
    ]
    return np.asarray(f, dtype=np.float32)
