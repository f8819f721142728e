"""Issue 13: entities, not strings (boilerplate, place types, name variants, corpus keys) and
framing that follows the article's side (neutral articles frame nobody; the example's camps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope import Document, Pipeline
from narrascope.models.entities import Mention, group_mentions
from narrascope.models.entity_merge import (
    boilerplate_spans, canonical_name, drop_boilerplate, entity_key, fix_types, person_key,
)
from narrascope.models import stance

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "entities"


def test_name_variants_share_one_person_key():
    keys = {person_key(n) for n in ("Vladimir Vladimirovich Putin", "Vladimir Putin", "President Vladimir Putin",
                                    "vladimir  putin")}
    assert keys == {"vladimir putin"}
    assert person_key("Maria Vladimirovna Zakharova") == "maria zakharova"


def test_grouping_merges_full_name_surname_patronymic_and_title_forms():
    text = "Vladimir Vladimirovich Putin spoke. Putin said no. Vladimir Putin left. President Putin returned."
    ms = []
    for name in ("Vladimir Vladimirovich Putin", "Putin", "Vladimir Putin", "President Putin"):
        i = text.find(name, ms[-1].end if ms else 0)
        ms.append(Mention(i, i + len(name), name, "PERSON"))
    ents = group_mentions(ms, text)
    assert len(ents) == 1 and len(ents[0].mentions) == 4


def test_corpus_key_counts_aliases_and_variants_once():
    assert entity_key("U.S.") == entity_key("United States") == entity_key("America") == "united states"
    assert entity_key("Ukraine") == entity_key("ukraine") == entity_key("the Ukraine") == "ukraine"
    assert entity_key("Vladimir Vladimirovich Putin", "PERSON") == entity_key("Vladimir Putin", "PERSON")
    assert canonical_name("united states", ["U.S."]) == "United States"


def test_dateline_byline_and_outlet_are_not_entities():
    text = ("Headline\n\nMOSCOW, March 14 (Narrascope example wire) - Russia said so.\n"
            "KYIV (Reuters) - Ukraine replied.\nBy Jane Doe\nReporting by John Roe; Editing by Ann Poe")
    spans = boilerplate_spans(text)
    def covered(w):
        i = text.find(w)
        return any(a <= i and i + len(w) <= b for a, b in spans)
    for w in ("MOSCOW", "Narrascope", "Reuters", "Jane Doe", "John Roe", "Ann Poe"):
        assert covered(w), w
    for w in ("Russia", "Ukraine"):
        assert not covered(w), w
    ms = [Mention(text.find(w), text.find(w) + len(w), w, "GPE") for w in ("Narrascope", "Russia")]
    assert [m.text for m in drop_boilerplate(ms, text)] == ["Russia"]


def test_place_names_are_typed_as_places_on_the_annotated_fixture():
    """Type accuracy on a small hand-annotated set (fixtures/entities/entity-types.tsv), spaCy + gazetteer."""
    from narrascope.analyzers.entities import load_spacy
    from narrascope.models.entities import spacy_mentions
    from narrascope.models.entity_merge import add_places

    nlp = load_spacy()
    if nlp is None:
        pytest.skip("spaCy English model not installed")
    rows = [l.split("\t") for l in (FIX / "entity-types.tsv").read_text(encoding="utf-8").splitlines()
            if l.strip() and not l.startswith("#")]
    right_before = right_after = 0
    for sent, mention, gold in rows:
        raw = spacy_mentions(nlp(sent))
        found = [m for m in raw if m.text == mention]
        before = found[0].type if found else None
        fixed = [m for m in fix_types(add_places(raw, sent)) if m.text == mention]
        after = fixed[0].type if fixed else None
        right_before += before == gold.strip()
        right_after += after == gold.strip()
    acc = right_after / len(rows)
    assert acc >= 0.85, (right_before, right_after, len(rows))  # measured: 12/20 -> 18/20
    assert right_after >= right_before


def test_the_default_tagger_types_places_as_well_on_the_annotated_fixture():
    """The same hand-annotated set through the analyzer's default recogniser (the mention tagger on the
    shared encoder) and the gazetteer: measured 18/20, the misses spaCy has ("Olaf Scholz" as ORG,
    "Gazprom" not found)."""
    from narrascope.analyzers.entities import EntitiesAnalyzer
    from narrascope.document import Analysis, Document
    from narrascope.models.entity_merge import add_places

    analyzer = EntitiesAnalyzer().load()
    assert analyzer.nlp_ is None
    rows = [l.split("\t") for l in (FIX / "entity-types.tsv").read_text(encoding="utf-8").splitlines()
            if l.strip() and not l.startswith("#")]
    right = 0
    for sent, mention, gold in rows:
        raw, _ = analyzer._recognise(Analysis(document=Document(text=sent, id="t", language="en")), None, "en")
        fixed = [m for m in fix_types(add_places(raw, sent)) if m.text == mention]
        right += bool(fixed) and fixed[0].type == gold.strip()
    assert right / len(rows) >= 0.85, (right, len(rows))


def test_article_gate_and_language_bias_are_monotone():
    gate = {"coef": 6.0, "bias": -3.0}
    assert stance.gate_probability(gate, 0.9) > 0.5 > stance.gate_probability(gate, 0.1)
    assert stance.gate_probability(None, 0.1) == 1.0
    assert stance.narrative_strength([("Other", 0.8)]) == pytest.approx(0.2)
    pm = np.array([[0.3, 0.4, 0.3]])
    out = stance.adjust_main(pm, np.array([[1.0, 0.0, 0.0]]))
    assert out[0].argmax() == 0 and out.sum() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def pipe():
    return Pipeline.from_config({"analyzers": ["entities"]})


def _roles(pipe, path: Path) -> dict[str, str | None]:
    a = pipe.analyze(Document.create(path.read_text(encoding="utf-8"), title_in_text=True))
    return {e["name"]: e["main_role"] for e in a.data["entities"]}


@pytest.mark.parametrize("name", ["neutral-trade.txt", "neutral-sports.txt"])
def test_a_neutral_article_casts_nobody_as_antagonist(pipe, name):
    roles = _roles(pipe, FIX / name)
    assert roles, "the recogniser found no actors"
    assert [n for n, r in roles.items() if r == "Antagonist"] == []


def test_entities_require_the_narratives_of_the_article():
    from narrascope.analyzers.entities import EntitiesAnalyzer

    assert "labels.narratives" in EntitiesAnalyzer.requires


def test_mention_lexicon_finds_whole_words_only_and_keeps_the_fallback():
    from narrascope.models.mention_lexicon import build_lexicon, lexicon_mentions

    lex = build_lexicon([("hi", "रूस"), ("hi", "पुतिन"), ("pt", "Bolsonaro"), ("pt", "x")])
    assert lex == {"hi": ["पुतिन", "रूस"], "pt": ["Bolsonaro"]}
    text = "पुतिन ने कहा कि रूस तैयार है। रूसी नहीं।"
    found = lexicon_mentions(text, lex["hi"])
    assert [m.text for m in found] == ["पुतिन", "रूस"]  # not inside "रूसी"
    base = [Mention(0, 5, "पुतिन", "ENTITY")]
    assert len(lexicon_mentions(text, lex["hi"], base)) == 2


def test_given_mentions_get_the_same_context_features_as_in_training():
    text = "Kremlin Says No\n\nPeskov said Kyiv lied. Peskov left."
    feats = stance.given_mention_features(text, 17, 23, [("URW: Discrediting Ukraine", 0.8)], "en")
    assert "in_headline=0" in feats and "nar=URW:_Discrediting_Ukraine" in feats
    assert any(f.startswith("nar_id=") and f.endswith("|peskov") for f in feats)
    assert "n_mentions=1" in feats  # two mentions: log2(2) = 1


def test_the_example_casts_the_camps_as_the_article_presents_them(pipe):
    """examples/peace-talks.txt is pro-Kremlin: its spokesman is the hero, Kyiv and the West the villains."""
    ex = Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt"
    roles = _roles(pipe, ex)
    assert roles.get("Dmitry Peskov") == "Protagonist", roles
    assert "Antagonist" in {roles.get("Kyiv"), roles.get("NATO"), roles.get("West")}, roles


def test_the_stance_head_decides_under_the_requested_main_role_prior():
    """The same article under a prior that makes Antagonists rare casts fewer of them (and never more)."""
    from narrascope.analyzers.entities import EntitiesAnalyzer

    ex = Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt"
    counts = []
    for prior in ("0.9,0.05,0.05", "0.05,0.475,0.475"):
        p = Pipeline.from_config({"analyzers": ["entities"], "options": {"entities": {"main_prior": prior}}})
        a = p.analyze(Document.create(ex.read_text(encoding="utf-8"), title_in_text=True))
        counts.append(sum(e["main_role"] == "Antagonist" for e in a.data["entities"]))
    assert counts[0] > counts[1]
    assert isinstance(EntitiesAnalyzer(main_prior="train").load().stance_, object)
