"""Article style features for genre: how much is attributed, quoted, subjective, first-person.

Language-agnostic where possible (punctuation, quotes, length); attribution, person, hedge and
news-wire cues are small word lists for the languages of the SemEval-2023 training data (en, fr,
de, it, pl, ru). Two versions:

- ``version=1`` (12 columns, :data:`STYLE_NAMES`): the genre model before 2026-12;
- ``version=2`` (:data:`STYLE2_NAMES`, 30 columns): adds attribution *density* (cues per sentence,
  not only the share of sentences with one), the share of characters inside quotation marks,
  first person singular vs plural, hedges and modals, intensifiers, wire-agency and dateline cues,
  weekday / time words, sentence-length spread, capitalised-word density, title shape and the
  subjectivity of the title and lead. The genre model standardises them (z-scores with the
  training mean and spread stored in its ``model.json``).
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
# wider attribution list for the density count (version 2)
_ATTRIB2 = re.compile(
    r"\b(said|says|say|told|tells|according to|stated|states|announced|reported|reports|added|explained|"
    r"noted|claimed|claims|confirmed|denied|insisted|warned|argued|wrote|asked|replied|testified|"
    r"spokes(?:man|woman|person)|a (?:déclaré|dit|affirmé|indiqué|expliqué|ajouté|annoncé|précisé|souligné)|"
    r"selon|d'après|déclare|affirme|explique|"
    r"sagte|sagt|sagten|laut|erklärte|erklärt|teilte mit|berichtet|berichtete|betonte|so|zufolge|hieß es|"
    r"ha (?:detto|dichiarato|spiegato|affermato|annunciato|aggiunto|sottolineato|riferito)|secondo|"
    r"dichiara|spiega|afferma|"
    r"powiedział|powiedziała|powiedzieli|według|poinformował|poinformowała|stwierdził|stwierdziła|"
    r"przekazał|dodał|zaznaczył|podkreślił|"
    r"сказал|сказала|заявил|заявила|заявили|сообщил|сообщила|сообщили|сообщает|по словам|по данным|"
    r"отметил|отметила|подчеркнул|добавил|пояснил|передает|передаёт)\b",
    re.IGNORECASE,
)
_FIRST = re.compile(r"\b(I|me|my|mine|we|our|us|je|moi|nous|ich|mir|mich|wir|uns|io|noi|ja|my|я|мы|мне|нас)\b")
_FIRST_SG = re.compile(r"\b(I|me|my|mine|myself|je|j'|moi|ich|mir|mich|mein|meine|io|mi|mio|mia|ja|mnie|mój|moja|"
                       r"я|мне|меня|мой|моя|моё)\b")
_FIRST_PL = re.compile(r"\b(we|our|us|ours|ourselves|nous|notre|nos|wir|uns|unser|unsere|noi|nostro|nostra|ci|"
                       r"my|nas|nasz|nasza|nam|мы|нас|нам|наш|наша|наши)\b", re.IGNORECASE)
_SECOND = re.compile(r"\b(you|your|vous|tu|ihr|du|Sie|voi|ty|wy|вы|ты)\b")
_SECOND2 = re.compile(r"\b(you|your|yours|yourself|vous|votre|vos|tu|toi|ton|ta|tes|ihr|du|dich|dir|dein|deine|euch|"
                      r"voi|tu|tuo|tua|vostro|ty|wy|ciebie|was|twój|wasz|вы|ты|вас|вам|тебя|тебе|ваш|твой)\b",
                      re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(may|might|could|should|must|perhaps|maybe|probably|possibly|seems?|apparently|arguably|surely|"
    r"clearly|obviously|of course|indeed|undoubtedly|"
    r"peut-être|probablement|sans doute|évidemment|doit|devrait|pourrait|semble|"
    r"vielleicht|wahrscheinlich|offenbar|natürlich|sollte|müsste|könnte|scheint|"
    r"forse|probabilmente|ovviamente|dovrebbe|potrebbe|sembra|"
    r"może|być może|prawdopodobnie|oczywiście|powinien|powinna|wydaje się|"
    r"может|возможно|вероятно|конечно|очевидно|должен|должны|кажется|видимо)\b",
    re.IGNORECASE,
)
_INTENS = re.compile(
    r"\b(very|so|totally|absolutely|utterly|completely|extremely|truly|really|incredibly|outrageous|"
    r"disgusting|shameful|ridiculous|insane|evil|"
    r"très|vraiment|absolument|totalement|sehr|völlig|absolut|wirklich|molto|davvero|assolutamente|"
    r"bardzo|naprawdę|całkowicie|очень|совершенно|абсолютно|действительно)\b",
    re.IGNORECASE,
)
_WIRE = re.compile(r"\b(Reuters|AP|AFP|Associated Press|Bloomberg|dpa|DPA|ANSA|PAP|ТАСС|TASS|РИА|RIA|Interfax|"
                   r"Интерфакс|EFE|Agence France-Presse|Xinhua|UPI)\b")
_DATELINE = re.compile(r"^\s*[A-ZÀ-ÝА-Я][A-ZÀ-ÝА-Я .,'-]{2,40}(\([^)]{1,30}\))?\s*[-—–:]\s", re.MULTILINE)
_TIMEWORD = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|aujourd'hui|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|gestern|heute|"
    r"lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|ieri|oggi|"
    r"poniedziałek|wtorek|środa|środę|czwartek|piątek|sobota|sobotę|niedziela|niedzielę|wczoraj|dzisiaj|"
    r"понедельник|вторник|среду|среда|четверг|пятницу|пятница|субботу|суббота|воскресенье|вчера|сегодня)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"\u201c\u201d\u00ab\u00bb\u201e]")
_QUOTED = re.compile(r"[\"\u201c\u201e\u00ab]([^\"\u201c\u201d\u201e\u00ab\u00bb\n]{3,600})[\"\u201d\u201c\u00bb]")
_DIGIT = re.compile(r"\d")
_CAP = re.compile(r"\b[A-ZÀ-ÝА-ЯŁŚŻŹĆŃÓ][\w'-]+")

STYLE_NAMES = [
    "mean_p_subj", "share_subj", "share_attrib", "share_quote", "first_person", "second_person",
    "share_question", "share_exclaim", "log_words", "log_paragraphs", "words_per_sentence", "digits",
]
STYLE2_NAMES = STYLE_NAMES + [
    "max_p_subj", "p_subj_title", "p_subj_lead", "attrib_per_sentence", "quoted_char_share",
    "first_singular", "first_plural", "second_person_wide", "hedges", "intensifiers", "wire_agency",
    "dateline", "time_words", "sentence_length_spread", "capitalised_words", "title_words",
    "title_question_or_exclaim", "title_quote_or_colon",
]


def _rate(n: int, nw: int, scale: float = 20.0) -> float:
    return min(n / nw * scale, 1.5)


def style_features(text: str, sentences: Sequence[tuple[int, int]], p_subj: Sequence[float],
                   version: int = 1) -> np.ndarray:
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
    if version >= 2:
        title = text.split("\n", 1)[0]
        lens = np.array([len(s.split()) for s in sents], dtype=np.float32)
        quoted = sum(len(m.group(1)) for m in _QUOTED.finditer(text))
        f += [
            float(p.max()),
            float(p[0]),
            float(p[: min(len(p), 5)].mean()),
            min(len(_ATTRIB2.findall(text)) / n, 3.0),
            min(quoted / max(len(text), 1), 1.0),
            _rate(len(_FIRST_SG.findall(text)), nw),
            _rate(len(_FIRST_PL.findall(text)), nw),
            _rate(len(_SECOND2.findall(text)), nw),
            _rate(len(_HEDGE.findall(text)), nw),
            _rate(len(_INTENS.findall(text)), nw),
            min(len(_WIRE.findall(text)), 3) / 3.0,
            1.0 if _DATELINE.search(text[len(title):len(title) + 400]) else 0.0,
            _rate(len(_TIMEWORD.findall(text)), nw),
            min(float(lens.std()) / 20.0, 2.0),
            min(len(_CAP.findall(text)) / nw * 2, 1.5),
            np.log1p(len(title.split())) / 3.0,
            1.0 if ("?" in title or "!" in title) else 0.0,
            1.0 if (_QUOTE.search(title) or ":" in title) else 0.0,
        ]
    return np.asarray(f, dtype=np.float32)


def standardise(S: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """z-scores with the training mean / spread, clipped to [-5, 5] (genre's style block)."""
    return np.clip((np.asarray(S, np.float32) - np.asarray(mean, np.float32)) / np.asarray(std, np.float32),
                   -5.0, 5.0).astype(np.float32)
