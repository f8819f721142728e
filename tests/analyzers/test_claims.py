"""Check-worthy claims: the shipped model, the extracted parts and date normalisation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrascope import Pipeline
from narrascope.analyzers.claim_parts import find_dates, find_places, find_quantities, parse_ref
from narrascope.analyzers.claims import ClaimModel, ClaimsAnalyzer
from narrascope.document import Analysis, Document
from narrascope.errors import ConfigError, DataError, ModelError

from tests.conftest import FIXTURES, assert_spans_exact

ARTIFACT = Path(__file__).resolve().parents[2] / "src" / "narrascope" / "models" / "artifacts" / "claims"
FRIDAY = date(2024, 3, 15)


def iso(text: str, ref: date | None = FRIDAY) -> list[tuple[str, str | None]]:
    return [(d["text"], d["iso"]) for d in find_dates(text, 0, None, ref)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Peskov said on Thursday that talks were over.", [("Thursday", "2024-03-14")]),
        ("Peskov said on Friday that talks were over.", [("Friday", "2024-03-15")]),  # the publication day
        ("The ministers will meet on Monday.", [("Monday", "2024-03-18")]),  # future cue
        ("They met last Friday.", [("last Friday", "2024-03-08")]),
        ("They meet next Friday.", [("next Friday", "2024-03-22")]),
        ("The strike happened on March 14.", [("March 14", "2024-03-14")]),
        ("The strike happened on 14 March.", [("14 March", "2024-03-14")]),
        ("The deal was signed on December 30.", [("December 30", "2023-12-30")]),  # not 9 months ahead
        ("The deal was signed on March 14, 2023.", [("March 14, 2023", "2023-03-14")]),
        ("since Feb. 24, 2022", [("Feb. 24, 2022", "2022-02-24")]),
        ("Aid has flowed since February 2022.", [("February 2022", "2022-02")]),
        ("The war began in 2014.", [("2014", "2014")]),
        ("Ministers met last week.", [("last week", "2024-W10")]),
        ("Prices rose this month.", [("this month", "2024-03")]),
        ("Prices rose last year.", [("last year", "2023")]),
        ("Two weeks ago the front moved.", [("Two weeks ago", "2024-W09")]),
        ("Three days ago the front moved.", [("Three days ago", "2024-03-12")]),
        ("He spoke yesterday and will speak tomorrow.", [("yesterday", "2024-03-14"), ("tomorrow", "2024-03-16")]),
        ("The 2024-02-29 report", [("2024-02-29", "2024-02-29")]),
        ("2,014 troops and 1,500 tanks", []),
    ],
)
def test_dates_are_normalised_against_the_publication_date(text, expected):
    assert iso(text) == expected


def test_without_a_publication_date_relative_dates_stay_unresolved():
    assert iso("on March 14 and on Thursday", ref=None) == [("March 14", "--03-14"), ("Thursday", None)]
    d = find_dates("last week", 0, None, None)[0]
    assert d["relative"] is True and d["iso"] is None
    assert iso("since February 2022", ref=None) == [("February 2022", "2022-02")]


def test_parse_ref_accepts_dates_and_datetimes():
    assert parse_ref("2024-03-15T10:00:00Z") == FRIDAY
    assert parse_ref("2024-03-15") == FRIDAY
    assert parse_ref("yesterday") is None and parse_ref(None) is None


def test_money_percentages_and_numbers_have_values():
    text = "They sent $100 billion, 4.5 million euros and 12 tanks; prices rose 3% and 2.5 per cent for 1,000 people."
    q = find_quantities(text, 0, len(text), [])
    assert [(m["text"], m["value"], m["currency"]) for m in q["money"]] == [
        ("$100 billion", 1e11, "USD"), ("4.5 million euros", 4.5e6, "EUR")]
    assert [(p["text"], p["value"]) for p in q["percentages"]] == [("3%", 3.0), ("2.5 per cent", 2.5)]
    assert [(n["text"], n["value"]) for n in q["numbers"]] == [("12", 12.0), ("1,000", 1000.0)]


def test_places_come_from_the_gazetteer():
    text = "Shelling in Donetsk and the Black Sea worried Brussels."
    assert [p["text"] for p in find_places(text, 0, len(text))] == ["Donetsk", "Black Sea", "Brussels"]


# -- the analyzer --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def example(example_text):
    doc = Document.create(example_text, title_in_text=True, published="2024-03-14")
    return Pipeline.from_config({"analyzers": ["quotes", "claims"]}).analyze(doc)


def claim_with(analysis, fragment):
    hits = [c for c in analysis.data["claims"] if fragment in c["sentence"]["text"]]
    assert hits, [c["sentence"]["text"] for c in analysis.data["claims"]]
    return hits[0]


def test_the_aid_figure_is_a_claim_with_money_date_and_place(example):
    c = claim_with(example, "$100 billion")
    assert c["score"] >= 0.9
    assert [(m["text"], m["value"]) for m in c["money"]] == [("$100 billion", 1e11)]
    assert [(d["text"], d["iso"]) for d in c["dates"]] == [("February 2022", "2022-02")]
    assert "Ukraine" in [p["text"] for p in c["places"]]
    assert "NATO" in [a["text"] for a in c["actors"]]
    assert c["quote_ids"]  # linked to the "according to" quote


def test_weekday_and_month_day_resolve_in_the_example(example):
    z = claim_with(example, "summit in Brussels on March 13")
    assert ("March 13", "2024-03-13") in [(d["text"], d["iso"]) for d in z["dates"]]
    p = claim_with(example, "President Vladimir Putin said on Wednesday")
    assert [(d["text"], d["iso"]) for d in p["dates"]] == [("Wednesday", "2024-03-13")]


def test_claim_spans_are_exact_and_slogans_are_not_claims(example):
    assert_spans_exact(example)
    own = example.spans_by("claims")
    assert {s.label for s in own} >= {"claim", "claim-date", "claim-money", "claim-place", "claim-actor"}
    ids = {c["id"] for c in example.data["claims"]}
    assert {s.attrs["claim_id"] for s in own} == ids
    texts = [c["sentence"]["text"] for c in example.data["claims"]]
    assert "Everyone knows who wants peace and who wants war." not in texts
    json.dumps(example.to_dict())


def test_threshold_option_is_checked_and_changes_the_output():
    with pytest.raises(ConfigError):
        ClaimsAnalyzer(threshold=2)
    doc = Document.create("Title\n\nWe will never give up. The army lost 300 tanks in 2023.")
    a_all, a_none = Analysis(document=doc), Analysis(document=doc)
    ClaimsAnalyzer(threshold=0.0).analyze(doc, a_all)
    ClaimsAnalyzer(threshold=1.0).analyze(doc, a_none)
    assert len(a_all.data["claims"]) == len(doc.sentences) - 1 and a_none.data["claims"] == []


# -- the model ------------------------------------------------------------------------------------
def test_shipped_model_is_small_safe_and_documented():
    assert (ARTIFACT / "weights.npz").stat().st_size < 5 * 1024 * 1024
    with np.load(ARTIFACT / "weights.npz", allow_pickle=False) as z:
        assert z["coef"].dtype == np.float16
    meta = json.loads((ARTIFACT / "model.json").read_text())
    assert 0 < meta["threshold"] < 1 and meta["cv"]["f1_mean"] > 0.6
    card = (ARTIFACT / "MODEL_CARD.md").read_text()
    assert "CV F1" in card and "narrascope train claims" in card


def test_model_transfers_to_our_hand_labelled_news_sentences():
    rows = [json.loads(x) for x in (FIXTURES / "claims" / "news_sentences.jsonl").read_text().splitlines() if x.strip()]
    m = ClaimModel.load()
    p = m.predict_proba([r["text"] for r in rows])
    pred = p >= m.threshold
    y = np.array([r["label"] for r in rows]) == 1
    tp = int((pred & y).sum())
    f1 = 2 * tp / (pred.sum() + y.sum())
    assert len(rows) >= 60 and f1 >= 0.8  # measured 0.94; see the model card


def test_broken_model_folder_is_a_model_error(tmp_path):
    with pytest.raises(ModelError):
        ClaimModel.load(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"features": {"word_bits": 1}, "threshold": 0.5}))
    np.savez(tmp_path / "weights.npz", coef=np.zeros(3, np.float16), intercept=np.zeros(1, np.float32))
    with pytest.raises(ModelError):
        ClaimModel.load(tmp_path)


def _tiny_claimbuster(tmp_path) -> Path:
    pos = [f"Unemployment rose to {n} percent in {1990 + n}." for n in range(12)] + [
        f"We spent {n} billion dollars on the army last year." for n in range(12)]
    neg = [f"Thank you, {w}, for that question." for w in "Jim Bob Ann Sue Tom Kim Lee Max Zoe Ian Amy Ben".split()] + [
        f"I believe in {w} and in the American people." for w in "hope faith freedom courage work family values peace people unity trust honor".split()]
    rows = [{"sentence_id": i, "label": 1, "text": t} for i, t in enumerate(pos)]
    rows += [{"sentence_id": 100 + i, "label": 0, "text": t} for i, t in enumerate(neg)]
    d = tmp_path / "data" / "claimbuster_ncs"
    d.mkdir(parents=True)
    (d / "kfold_30ncs.json").write_text(json.dumps(rows))
    return tmp_path / "data"


def _train(data, out):
    from narrascope.cli import main

    r = CliRunner().invoke(main, ["train", "claims", "--data", str(data), "--out", str(out), "--c", "1", "--folds", "2"])
    assert r.exit_code == 0, r.output
    return ClaimModel.load(out)


PROBE = ["Inflation hit 9 percent in 1980.", "Thank you for that question."]


def test_train_command_writes_a_model_that_loads(tmp_path):
    m = _train(_tiny_claimbuster(tmp_path), tmp_path / "m1")
    p = m.predict_proba(PROBE)
    assert p[0] > p[1]
    assert "CV F1" in (tmp_path / "m1" / "MODEL_CARD.md").read_text()
    assert json.loads((tmp_path / "m1" / "model.json").read_text())["cv"]["folds"] == 2


@pytest.mark.slow
def test_training_is_reproducible(tmp_path):
    data = _tiny_claimbuster(tmp_path)
    assert np.allclose(_train(data, tmp_path / "a").predict_proba(PROBE), _train(data, tmp_path / "b").predict_proba(PROBE))


def test_train_without_data_names_the_folder(tmp_path):
    from narrascope.training.claims import load_claimbuster

    with pytest.raises(DataError) as e:
        load_claimbuster(tmp_path)
    assert str(tmp_path) in str(e.value)


@pytest.mark.data
def test_shipped_model_fits_claimbuster(shared_data):
    from narrascope.training.claims import _f1, load_claimbuster

    texts, y = load_claimbuster(shared_data / "checkworthiness")
    m = ClaimModel.load()
    assert _f1(y, (m.predict_proba(texts) >= m.threshold).astype(int)) > 0.75


def test_quotes_command_lists_claims_with_dates():
    from narrascope.cli import main

    ex = Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt"
    r = CliRunner().invoke(main, ["quotes", str(ex), "--claims", "--width", "120"])
    assert r.exit_code == 0, r.output
    assert "check-worthy claims" in r.output
    assert "February 2022=2022-02" in r.output and "$100 billion" in r.output


def test_non_english_documents_are_skipped_with_a_warning():
    doc = Document.create("Заголовок\n\nКиевский режим отказывается от мира, заявил Песков в понедельник. В 2023 году погибли 300 человек.")
    a = Analysis(document=doc)
    ClaimsAnalyzer().analyze(doc, a)
    assert a.data["claims"] == [] and any("English-only" in w for w in a.warnings)
    b = Analysis(document=doc)
    ClaimsAnalyzer(languages=None, threshold=0.0).analyze(doc, b)
    assert len(b.data["claims"]) == len(doc.sentences) - 1  # all but the headline


def test_the_headline_is_never_a_claim():
    from narrascope import Pipeline

    pipe = Pipeline.from_config({"analyzers": ["claims"]})
    body = ("The government said on Monday that unemployment rose to 9 percent in March, the highest level since 2010. "
            "Officials added that 40,000 jobs were lost in the car industry.")
    head = "Unemployment rose to 9 percent in March, the highest since 2010"
    for doc in (Document.create(body, title=head), Document.create(f"{head}\n\n{body}")):
        a = pipe.analyze(doc)
        assert a.data["claims"], "the body carries claims"
        assert all(c["sentence"]["start"] >= doc.text.index(body) for c in a.data["claims"])


def test_shipped_threshold_is_chosen_for_precision_and_measured_on_clef_2020():
    meta = json.loads((ARTIFACT / "model.json").read_text())
    assert "precision" in meta["threshold_rule"]
    tw = meta["held_out"]["clef2020_tweets_test_gold"]
    assert tw["n"] == 140 and tw["precision"] >= 0.65  # measured 0.688 (32 flagged); the card says so
    assert "clef2020_tweets_test_gold" in (ARTIFACT / "MODEL_CARD.md").read_text()
