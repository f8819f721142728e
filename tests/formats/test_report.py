"""The readable report and the article view it shares with the article page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from narrascope.document import Analysis, Document, Label, Span
from narrascope.errors import ConfigError
from narrascope.formats.report import article_view, render_report, report_format_for, write_report
from narrascope.labels import LabelCatalog, default_catalog, humanise, suggest

from tests._web_corpus import HOSTILE_ATTR, hostile_analysis, language_pipeline, peace_analysis

ROOT = Path(__file__).resolve().parents[2]


def rich_analysis() -> dict:
    """An analysis with the structured data the real analyzers write (quotes, entities, claims)."""
    text = ("KYIV, March 3, 2024 - Officials said the bridge reopened. \"We will rebuild everything,\" "
            "Mayor Petrenko said on Monday. The saboteurs struck again on 2 March.")
    doc = Document.create(text, title="Bridge reopens", source="Wire", published="2024-03-03")
    text = doc.text  # offsets are into the document's text
    a = Analysis(document=doc)

    def sp(needle, label, analyzer, score=0.7):
        i = text.index(needle)
        return Span(i, i + len(needle), label, analyzer, score)

    q = sp("\"We will rebuild everything,\"", "quote-content", "quotes")
    a.add_spans([q, sp("the saboteurs".capitalize(), "Name_Calling-Labeling", "techniques", 0.4)])
    a.add_labels("narratives", [Label("URW: Discrediting Ukraine", 0.61, "narratives",
                                      [sp("The saboteurs struck again on 2 March.", "URW: Discrediting Ukraine", "narratives")])])
    a.add_labels("techniques", [Label("Name_Calling-Labeling", 0.4, "techniques", [sp("The saboteurs", "Name_Calling-Labeling", "techniques")])])
    mayor = text.index("Mayor Petrenko")
    a.data["quotes"] = [{"id": "q1", "kind": "direct", "speaker": {"start": mayor, "end": mayor + 14, "text": "Mayor Petrenko"},
                         "speaker_entity": "Mayor Petrenko", "resolved_by": "name",
                         "cue": {"start": mayor + 15, "end": mayor + 19, "text": "said"},
                         "content": {"start": q.start + 1, "end": q.end - 2, "text": text[q.start + 1:q.end - 2]}}]
    a.data["entities"] = [{"id": "E1", "name": "Mayor Petrenko", "type": "PERSON",
                           "mentions": [{"start": mayor, "end": mayor + 14, "text": "Mayor Petrenko"}],
                           "main_role": "Protagonist", "main_role_score": 0.8, "fine_roles": [{"role": "Guardian", "score": 0.5}], "evidence": []},
                          {"id": "E2", "name": "Kyiv", "type": "GPE", "mentions": [], "main_role": None, "fine_roles": [], "evidence": []}]
    s = text.index("The saboteurs")
    a.data["claims"] = [{"id": "c1", "sentence": {"start": s, "end": len(text), "text": text[s:]}, "score": 0.77,
                         "dates": [{"start": text.index("2 March"), "end": text.index("2 March") + 7, "text": "2 March", "iso": "--03-02"}], "money": [], "percentages": [], "numbers": []}]
    return a.to_dict()


def test_article_view_uses_human_names_definitions_and_the_evidence_text():
    v = article_view(rich_analysis())
    (n,) = v["narratives"]
    assert n["id"] == "URW: Discrediting Ukraine" and n["name"] == "Discrediting Ukraine"
    assert n["definition"] and n["evidence"][0]["text"] == "The saboteurs struck again on 2 March."
    (t,) = v["techniques"]
    assert t["name"] == default_catalog().name("Name_Calling-Labeling") != "Name_Calling-Labeling"
    assert t["definition"] == default_catalog().definition("Name_Calling-Labeling")
    (q,) = v["quotes"]
    assert (q["speaker"], q["cue"], q["content"]["text"]) == ("Mayor Petrenko", "said", "We will rebuild everything")
    (e,) = v["entities"]  # only entities with a role; the other is counted
    assert e["role_name"] == "Protagonist" and e["fine_roles"][0]["name"] == "Guardian" and v["other_entities"] == 1
    assert "Mayor Petrenko said on Monday" in e["sentence"]["text"]  # no evidence given: the mention's sentence
    (c,) = v["claims"]
    assert c["dates"] == [{"text": "2 March", "iso": "--03-02"}] and c["score"] == 0.77
    assert "1 quote from 1 speaker" in v["summary"] and "Discrediting Ukraine (0.61)" in v["summary"]


def test_every_span_in_the_view_is_the_text_at_its_offsets():
    a = rich_analysis()
    text = a["document"]["text"]
    v = article_view(a)
    spans = [e for n in v["narratives"] for e in n["evidence"]] + [q["content"] for q in v["quotes"]]
    spans += [c["sentence"] for c in v["claims"]] + [e["sentence"] for e in v["entities"]]
    for s in spans:
        assert text[s["start"]:s["end"]] == s["text"]


def test_html_report_is_self_contained_and_keeps_hostile_text_inert():
    html = render_report([hostile_analysis(language_pipeline()).to_dict(), rich_analysis()], "html")
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "<img" not in html and "<iframe" not in html and "<link" not in html and "src=" not in html.replace("src=x", "")
    assert "&lt;script&gt;window.__pwned = 1;" in html or "&lt;script&gt;window.__pwned" in html
    assert "default-src 'none'" in html and "script-src" not in html  # the page forbids any script
    assert "2 articles" in html and "Who said what" in html and "We will rebuild everything" in html


def test_markdown_report_escapes_markup_and_lists_every_section():
    md = render_report([rich_analysis()], "md")
    for head in ["### Narratives", "### Who said what", "### Entities and roles", "### Persuasion techniques", "### Check-worthy claims"]:
        assert head in md
    assert "| Mayor Petrenko | said | “We will rebuild everything” |" in md
    hostile = render_report([hostile_analysis(language_pipeline()).to_dict()], "md")
    assert "<script>" not in hostile and "\\<script\\>" in hostile


def test_report_format_comes_from_the_suffix(tmp_path):
    assert report_format_for("a.HTML") == "html" and report_format_for("x/y.md") == "md"
    with pytest.raises(ConfigError, match="cannot tell the report format"):
        report_format_for("out.pdf")
    n = write_report([rich_analysis()], tmp_path / "r.md")
    assert n == 1 and (tmp_path / "r.md").read_text(encoding="utf-8").startswith("# Narrascope report: Bridge reopens")


def test_report_command_writes_html_and_markdown_from_articles_and_from_analyses(tmp_path):
    ex = ROOT / "examples" / "peace-talks.txt"
    out = tmp_path / "r.html"
    r = subprocess.run([sys.executable, "-m", "narrascope", "report", str(ex), "-o", str(out), "-a", "language,quotes"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("report: 1 article(s), 0 failure(s),")
    html = out.read_text(encoding="utf-8")
    assert "Moscow Offers Peace" in html and "Dmitry Peskov" in html and "<script" not in html
    jl = tmp_path / "a.jsonl"
    jl.write_text(json.dumps(rich_analysis()) + "\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "narrascope", "report", str(jl), "--analyses", "-o", str(tmp_path / "r.md")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Mayor Petrenko" in (tmp_path / "r.md").read_text(encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "narrascope", "report", str(ex), "-o", str(tmp_path / "r.pdf")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "cannot tell the report format" in r.stderr and "Traceback" not in r.stderr


def test_labels_catalog_names_and_suggestions():
    cat = default_catalog()
    assert cat.name("Protagonist") == "Protagonist" and cat.definition("Protagonist")
    assert cat.name("Unknown_Thing") == "Unknown Thing" and cat.definition("Unknown_Thing") is None
    assert humanise("quote-content") == "Quote content"
    assert suggest("name_calling-labeling", cat.ids("techniques")) == ["Name_Calling-Labeling"]
    assert suggest("Loaded Language", ["Loaded_Language", "Doubt"]) == ["Loaded_Language"]
    assert suggest("zzz", ["Loaded_Language"]) == []
    assert LabelCatalog([]).name("X") == "X"


def test_hostile_title_is_escaped_in_the_report_title():
    html = render_report([hostile_analysis(language_pipeline()).to_dict()], "html")
    assert HOSTILE_ATTR not in html
    assert peace_analysis(language_pipeline()).document.title in render_report([peace_analysis(language_pipeline()).to_dict()], "md")
