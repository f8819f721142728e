"""The technique span model: phrases on word boundaries, calibrated scores, definitions in the
output, gold alignment of the training spans, CheckThat! 2024 predict/evaluate."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrascope import Document
from narrascope.analyzers.techniques import TechniquesAnalyzer
from narrascope.cli import main
from narrascope.document import Analysis
from narrascope.models.technique_spans import SpanModel, runs, tokens, trim_run
from narrascope.taxonomies import load_taxonomy
from narrascope.training.semeval2023_data import Article
from narrascope.training.technique_spans import align_gold, snap

from tests.conftest import assert_spans_exact

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "technique_spans"
_W = re.compile(r"\w")


def _inside_word(text: str, i: int) -> bool:
    return 0 < i < len(text) and bool(_W.match(text[i - 1])) and bool(_W.match(text[i]))


@pytest.fixture(scope="module")
def analyzer():
    from narrascope.models.hashed_linear import artifact_dir

    if not (artifact_dir("technique-spans") / "model.json").exists():
        pytest.skip("the technique span model is not shipped in this checkout")
    return TechniquesAnalyzer().load()


@pytest.fixture(scope="module")
def fixture_analysis(analyzer):
    doc = Document.create((FIX / "article9100001.txt").read_text(encoding="utf-8"), title_in_text=True, language="en")
    a = Analysis(document=doc)
    analyzer.analyze(doc, a)
    return a


# -- decoding helpers ------------------------------------------------------------------------------
def test_runs_bridge_one_token_gaps_only():
    q = np.array([0.9, 0.1, 0.8, 0.1, 0.1, 0.7, 0.2])
    assert runs(q, 0.5) == [(0, 2), (5, 5)]
    assert runs(q, 0.5, gap=0) == [(0, 0), (2, 2), (5, 5)]
    assert runs(np.zeros(3), 0.5) == []


def test_trimmed_runs_drop_outer_punctuation_and_unpaired_quotes():
    text = 'He said: "climate cult", again.'
    toks = tokens(text, 0, len(text))
    words = [text[s:e] for s, e in toks]
    a, b = words.index(":"), words.index(",")
    a2, b2 = trim_run(text, toks, a, b)
    assert text[toks[a2][0]:toks[b2][1]] == '"climate cult"'
    a3, b3 = trim_run(text, toks, words.index('"'), words.index("cult"))  # opening quote only
    assert text[toks[a3][0]:toks[b3][1]] == "climate cult"


# -- the analyzer with the shipped span model ----------------------------------------------------
def test_spans_never_start_or_end_inside_a_word(fixture_analysis, analyzer, example_text):
    other = Document.create(example_text)
    b = Analysis(document=other)
    analyzer.analyze(other, b)
    for a in (fixture_analysis, b):
        assert_spans_exact(a)
        text = a.document.text
        for s in a.spans_by("techniques"):
            assert not _inside_word(text, s.start) and not _inside_word(text, s.end), text[s.start:s.end]
            assert text[s.start:s.end] == text[s.start:s.end].strip()


def test_loaded_phrases_are_covered_by_short_name_calling_spans(fixture_analysis):
    # the first occurrence of each phrase (the title for the first two) sits inside a phrase-level
    # span -- at most 8 words, word edges -- labelled as an attack on reputation or loaded wording.
    # (Known miss, reported in the model card: the body's second "unelected bureaucrats" / "climate
    # cult" sentence gets no span at the English threshold.)
    text = fixture_analysis.document.text
    spans = fixture_analysis.spans_by("techniques")
    for phrase in ("climate cult", "unelected bureaucrats", "puppets of the military-industrial complex"):
        i = text.index(phrase)
        hits = [s for s in spans if s.start <= i and i + len(phrase) <= s.end
                and s.label in ("Name_Calling-Labeling", "Loaded_Language")]
        assert hits, f"no span covers {phrase!r}"
        assert min(len(text[s.start:s.end].split()) for s in hits) <= 8, phrase


def test_span_model_output_schema_scores_and_definitions(fixture_analysis):
    a = fixture_analysis
    tax = load_taxonomy("semeval2023-techniques")
    data = a.data["techniques"]
    assert data["model"] == "spans" and data["language"] == "en" and 0 < data["threshold"] < 1
    spans = a.spans_by("techniques")
    assert spans
    for s in spans:
        assert s.analyzer == "techniques" and s.label in tax
        assert data["threshold"] <= s.score <= 1.0
        assert s.attrs["family"] == tax[s.label].group
    # paragraph labels are exactly the techniques of the spans each paragraph holds
    for p in data["paragraphs"]:
        held = {s.label for s in spans if s.start < p["end"] and p["start"] < s.end}
        assert {x["label"] for x in p["labels"]} == held
    for lab in a.labels["techniques"]:
        assert lab.attrs["definition"] == tax[lab.label].definition
        assert lab.attrs["name"] == tax[lab.label].name
        assert lab.evidence and all(e.label == lab.label for e in lab.evidence)


def test_a_higher_threshold_gives_a_subset_of_the_spans(analyzer):
    doc = Document.create((FIX / "article9100001.txt").read_text(encoding="utf-8"), title_in_text=True)
    got = {}
    for thr in (0.05, 0.3):
        an = TechniquesAnalyzer(threshold=thr).load()
        a = Analysis(document=doc)
        an.analyze(doc, a)
        got[thr] = {(s.start, s.end, s.label) for s in a.spans_by("techniques")}
    assert got[0.3] <= got[0.05] and len(got[0.05]) > len(got[0.3])
    from narrascope.errors import ConfigError

    with pytest.raises(ConfigError, match="threshold must be between 0 and 1"):
        TechniquesAnalyzer(threshold=1.5)


def test_span_model_round_trips_through_save_and_load(tmp_path, analyzer):
    m = analyzer._span
    m.save(tmp_path / "m")
    m2 = SpanModel.load(tmp_path / "m")
    doc = Document.create((FIX / "article9100001.txt").read_text(encoding="utf-8"), title_in_text=True)
    c1, _ = m.candidates(doc.text, doc.sentences, doc.paragraphs)
    c2, _ = m2.candidates(doc.text, doc.sentences, doc.paragraphs)
    assert [(c.technique, c.start, c.end) for c in c1] == [(c.technique, c.start, c.end) for c in c2]
    assert np.allclose([c.score for c in c1], [c.score for c in c2], atol=1e-6)
    assert m2.thresholds == m.thresholds
    for f in (tmp_path / "m").iterdir():
        assert f.stat().st_size < 4_000_000


def test_paragraph_model_is_still_available(fixture_analysis):
    doc = fixture_analysis.document
    an = TechniquesAnalyzer(spans=False).load()
    a = Analysis(document=doc)
    an.analyze(doc, a)
    assert "model" not in a.data["techniques"]
    assert_spans_exact(a)


# -- gold alignment --------------------------------------------------------------------------------
def test_snap_moves_edges_to_the_nearest_word_boundary():
    t = "The climate cult wants it."
    assert snap(t, 5, 16) == (4, 16)  # 'limate cult' -> 'climate cult'
    assert snap(t, 3, 12) == (4, 11)  # ' climate ' -> 'climate' (surrounding space trimmed)
    assert snap(t, 4, 13) == (4, 11)  # 'climate c' -> the nearer boundary is before 'cult'
    assert snap(t, 4, 15) == (4, 16)  # 'climate cul' -> the nearer boundary is after 'cult'


def test_crlf_offsets_of_the_other_languages_are_mapped_back():
    text = "Titre\n\nLa secte du climat gagne.\n"
    s = text.index("secte du climat")
    e = s + len("secte du climat")
    lines = {1: [], 3: ["Loaded_Language"]}
    crlf = (s + text[:s].count("\n"), e + text[:e].count("\n"))
    art = Article("1", "fr", text, line_labels=lines, spans=[("Loaded_Language", *crlf)])
    spans, stats = align_gold(art)
    assert spans == [("Loaded_Language", s, e)] and stats["crlf"] == 1
    # a span landing in a paragraph without that technique is dropped
    art = Article("1", "fr", text, line_labels={1: [], 3: []}, spans=[("Loaded_Language", *crlf)])
    assert align_gold(art)[0] == []


@pytest.mark.data
def test_aligned_training_gold_is_on_word_boundaries(shared_data):
    from narrascope.training.semeval2023_data import load_techniques

    for lang in ("en", "ru"):
        arts = load_techniques(shared_data / "semeval2023-t3", lang)[:40]
        n = bad = 0
        for a in arts:
            for _, s, e in align_gold(a)[0]:
                n += 1
                bad += _inside_word(a.text, s) or _inside_word(a.text, e)
        assert n > 100 and bad == 0


# -- CheckThat! 2024 commands ----------------------------------------------------------------------
def test_predict_and_evaluate_checkthat2024_spans(tmp_path, analyzer):
    src = (FIX / "article9100001.txt").read_text(encoding="utf-8")
    d = tmp_path / "in"
    d.mkdir()
    (d / "article9100001.txt").write_text(src, encoding="utf-8")
    out = tmp_path / "pred.txt"
    r = CliRunner().invoke(main, ["predict", "checkthat2024-techniques", "--input", str(d), "--output", str(out),
                                  "--language", "en", "-q"])
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all(len(x) == 4 and x[0] == "9100001" for x in rows)
    text = Document.create(src, title_in_text=True).text
    for _, tech, s, e in rows:
        span = text[int(s):int(e) + 1]  # end is inclusive in this format
        assert span == span.strip() and not _inside_word(text, int(s)) and not _inside_word(text, int(e) + 1)
    r = CliRunner().invoke(main, ["evaluate", "checkthat2024-techniques", "--gold", str(out), "--pred", str(out)])
    assert r.exit_code == 0, r.output
    assert "fractional-overlap F1 1.0000" in r.output and "any-overlap F1 1.0000" in r.output
    # shift every gold end one character left: fractional credit drops below 1, any-overlap stays 1
    gold = tmp_path / "gold.txt"
    gold.write_text("".join(f"{a}\t{t}\t{s}\t{int(e) - 1}\n" for a, t, s, e in rows if int(e) > int(s)), encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", "checkthat2024-techniques", "--gold", str(gold), "--pred", str(out), "--json"])
    assert r.exit_code == 0, r.output
    import json

    res = json.loads(r.output)
    assert res["any_f1"] == pytest.approx(1.0) and 0.5 < res["f1"] < 1.0
