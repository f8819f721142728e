"""The entities analyzer's ``recognizer`` option: the mention tagger everywhere by default (no spaCy),
spaCy for English and the tagger elsewhere ("auto"), or the pre-tagger behaviour; validated, versioned,
exact spans."""

from __future__ import annotations

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers import create_analyzer
from narrascope.analyzers.entities import EntitiesAnalyzer
from narrascope.errors import ConfigError
from narrascope.models.entities import capitalised_mentions

from tests.conftest import assert_spans_exact

EN = ("Peace talks stall\n\nRussian President Vladimir Putin met Turkish President Recep Tayyip Erdogan in Moscow "
      "on Monday. Putin said NATO was prolonging the war in Ukraine, while civilians fled the region.")
RU = ("Мирные переговоры\n\nПрезидент России Владимир Путин встретился с президентом Турции Реджепом Эрдоганом в "
      "Москве. Путин заявил, что НАТО затягивает войну на Украине.")
PT = ("Negociações de paz\n\nO presidente russo Vladimir Putin reuniu-se com Recep Tayyip Erdogan em Moscovo. "
      "Putin disse que a NATO prolonga a guerra na Ucrânia.")
HI = "शांति वार्ता\n\nरूस ने यूक्रेन पर हमला किया। पुतिन ने कहा कि नाटो ज़िम्मेदार है।"


def _run(text: str, lang: str, **options):
    pipe = Pipeline.from_config({"analyzers": ["entities"], "options": {"entities": options}})
    a = pipe.analyze(Document.create(text, title_in_text=True, language=lang))
    assert_spans_exact(a)
    return a, pipe.analyzers[-1]


def _names(a) -> set[str]:
    return {m["text"] for e in a.data["entities"] for m in e["mentions"]}


def test_the_option_is_validated_and_names_the_choices():
    with pytest.raises(ConfigError, match="recognizer must be one of 'tagger', 'auto', 'spacy'"):
        create_analyzer("entities", recognizer="flair")
    with pytest.raises(ConfigError, match="recognizer"):
        create_analyzer("entities", recognizer=1)


def test_the_option_changes_the_version_and_the_encoder_is_declared():
    assert "features.encoder" in EntitiesAnalyzer.requires
    versions = {r: create_analyzer("entities", recognizer=r).version for r in ("auto", "tagger", "spacy")}
    assert versions == {"tagger": EntitiesAnalyzer.version, "auto": f"{EntitiesAnalyzer.version}+auto",
                        "spacy": f"{EntitiesAnalyzer.version}+spacy"}


def test_the_default_tagger_finds_english_actors_without_spacy():
    a, analyzer = _run(EN, "en")
    assert analyzer.nlp_ is None and analyzer.tagger_ is not None
    names = _names(a)
    assert {"Vladimir Putin", "Moscow", "NATO", "Ukraine"} <= names, names
    assert "civilians" in names  # people-group nouns as on the spaCy path
    types = {m["text"]: e["type"] for e in a.data["entities"] for m in e["mentions"]}
    assert types["Vladimir Putin"] == "PERSON"


@pytest.mark.parametrize("text, lang, expected", [
    (RU, "ru", {"Владимир Путин", "Москве", "НАТО"}),
    (PT, "pt", {"Vladimir Putin", "Moscovo", "NATO"}),
    (HI, "hi", {"रूस", "यूक्रेन", "पुतिन", "नाटो"}),
])
def test_auto_uses_the_tagger_for_other_languages(text, lang, expected):
    a, analyzer = _run(text, lang, recognizer="auto")
    assert analyzer.tagger_ is not None
    names = _names(a)
    assert expected <= names, names


def test_spacy_recognizer_keeps_the_capitalised_fallback_elsewhere():
    a, analyzer = _run(PT, "pt", recognizer="spacy")
    assert analyzer.tagger_ is None
    fallback = {m.text for m in capitalised_mentions(PT)}
    assert _names(a) - fallback <= set(analyzer.lexicon_.get("pt", ()))  # the fallback plus lexicon hits only


def test_the_analyzer_output_is_deterministic_with_the_tagger():
    a, _ = _run(RU, "ru", recognizer="tagger")
    b, _ = _run(RU, "ru", recognizer="tagger")
    assert a.data["entities"] == b.data["entities"]


def test_auto_uses_spacy_for_english_when_it_is_installed():
    pytest.importorskip("spacy")
    a, analyzer = _run(EN, "en", recognizer="auto")
    if analyzer.nlp_ is None:
        pytest.skip("spaCy's English model is not installed")
    assert "Vladimir Putin" in _names(a)
