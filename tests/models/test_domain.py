"""Abstention: every article gets an in-domain score; off-topic text gets no narrative."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope import Document, Pipeline
from narrascope.models.domain import DomainModel, prose_check
from narrascope.models.domain_lexicon import cue_matches, lexicon_counts

from tests.conftest import ROOT, assert_spans_exact

OOD = Path(__file__).resolve().parents[1] / "fixtures" / "domain"
OOD_FILES = ["recipe.txt", "sports.txt", "review.txt", "two-lines.txt", "short-ru.txt"]  # trade-deal-wire.txt: see below


@pytest.fixture(scope="module")
def pipe():
    return Pipeline.from_config({"analyzers": ["language", "domain", "narratives", "frames", "genre"]})


@pytest.mark.parametrize("name", OOD_FILES)
def test_out_of_domain_fixture_gets_no_narrative_and_warnings(pipe, name):
    text = (OOD / name).read_text(encoding="utf-8")
    a = pipe.analyze(Document.create(text))
    dom = a.data["domain"]
    assert dom["in_domain"] is False and dom["reasons"]
    assert dom["score"] < dom["threshold"]
    narr = a.labels["narratives"]
    assert [lab.label for lab in narr] == ["Other"] and narr[0].attrs["abstained"] is True
    assert a.labels["subnarratives"] == []
    assert any(w.startswith("narratives: abstained") for w in a.warnings)
    assert any(w.startswith("frames: low confidence") for w in a.warnings)
    assert any(w.startswith("genre: low confidence") for w in a.warnings)
    assert a.data["frames"]["domain_warning"] is True and a.data["genre"]["domain_warning"] is True
    assert_spans_exact(a)


def test_war_article_is_in_domain_with_cue_evidence(pipe, example_text):
    a = pipe.analyze(Document.create(example_text))
    dom = a.data["domain"]
    assert dom["in_domain"] is True and dom["domains"]["URW"] > 0.9 > dom["domains"]["CC"]
    assert dom["evidence"] and all(example_text[e["start"]:e["end"]] == e["text"] for e in dom["evidence"])
    assert all(lab.label != "Other" for lab in a.labels["narratives"])
    assert not any("low confidence" in w for w in a.warnings)


def test_narratives_alone_compute_the_domain_and_can_be_told_not_to_abstain():
    text = (OOD / "sports.txt").read_text(encoding="utf-8")
    a = Pipeline.from_config({"analyzers": ["narratives"]}).analyze(Document.create(text))
    assert "domain" in a.data and a.labels["narratives"][0].attrs.get("abstained") is True
    from narrascope.analyzers.narratives import NarrativesAnalyzer
    from narrascope.document import Analysis

    an = NarrativesAnalyzer(abstain=False)
    a2 = Analysis(document=Document.create(text))
    an.pipe([a2])
    assert "domain" not in a2.data and not a2.labels["narratives"][0].attrs.get("abstained")


def test_prose_check_reasons():
    ok, reasons, words = prose_check("Hello world. This is a test.")
    assert not ok and words == 6 and "too short" in reasons[0]
    listy = "Shopping\n" + "\n".join(f"{i} g sugar" for i in range(1, 8)) + "\n" + "word " * 50 + "."
    ok, reasons, _ = prose_check(listy)
    assert not ok and any("list lines" in r for r in reasons)


def test_topic_cues_in_five_scripts():
    assert lexicon_counts("Putin and Zelensky met in Kyiv.")[0] == 3
    assert lexicon_counts("Путин заявил, что НАТО")[0] == 2
    assert lexicon_counts("जलवायु परिवर्तन और कार्बन उत्सर्जन")[1] == 3
    assert lexicon_counts("O aquecimento global e as emissões de carbono")[1] == 3
    assert lexicon_counts("A cake recipe with lemons.") == (0, 0, 5)
    t = "Kyiv said the climate talks failed."
    m = cue_matches(t)
    assert [t[s:e] for s, e in m["URW"]] == ["Kyiv"] and [t[s:e] for s, e in m["CC"]] == ["climate"]


def test_shipped_domain_model_scores_a_climate_paragraph_as_cc():
    m = DomainModel.load()
    text = ("Global temperatures hit a new record last year, the World Meteorological Organization said on Tuesday, "
            "as greenhouse gas emissions from coal, oil and gas kept rising. Scientists warned that the Paris agreement "
            "goal of limiting warming to 1.5C is slipping out of reach, and called on governments to cut carbon "
            "emissions faster and to phase out fossil fuels before the next climate summit.")
    r = m.assess([text])[0]
    assert r["in_domain"] and r["domains"]["CC"] > r["domains"]["URW"]


@pytest.mark.data
@pytest.mark.slow
def test_train_domain_reproduces_a_working_model(shared_data, tmp_path):
    from narrascope.training.domain import train_domain

    rep = train_domain(shared_data, tmp_path, folds=2, say=lambda s: None)
    assert rep["cv_in_domain_recall"]["mean"] > 0.95 and rep["cv_out_of_domain_false_accept"]["mean"] < 0.05
    m = DomainModel.load(tmp_path)
    assert not m.assess([(OOD / "recipe.txt").read_text(encoding="utf-8")])[0]["in_domain"]


def test_wire_story_about_a_trade_deal_is_reporting_and_its_headline_is_no_claim():
    text = (OOD / "trade-deal-wire.txt").read_text(encoding="utf-8")
    pipe = Pipeline.from_config({"analyzers": ["domain", "genre", "claims", "narratives"]})
    a = pipe.analyze(Document.create(text))
    assert a.data["genre"]["label"] == "reporting"
    assert a.data["claims"] and all(c["sentence"]["start"] > text.index("\n\n") for c in a.data["claims"])
    assert a.labels["narratives"][0].attrs.get("abstained") is True  # trade, not war or climate
