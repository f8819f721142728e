"""Document, Span, Label and Analysis: ids, boundaries, JSON round trip."""

from __future__ import annotations

import json

import pytest

from narrascope import SCHEMA_VERSION, Analysis, Document, Label, Span
from narrascope.errors import EmptyDocumentError

from tests.conftest import assert_spans_exact


def test_id_is_a_content_hash_unless_given():
    a = Document.create("Same text.")
    b = Document.create("Same text.")
    c = Document.create("Other text.")
    assert a.id == b.id != c.id
    assert Document.create("Same text.", id="given").id == "given"


def test_title_is_prepended_so_it_is_analysed_and_offsets_stay_consistent():
    doc = Document.create("Body one. Body two.", title="  The   Title ")
    assert doc.title == "The Title"
    assert doc.text == "The Title\n\nBody one. Body two."
    assert [doc.text[s:e] for s, e in doc.paragraphs] == ["The Title", "Body one. Body two."]
    assert doc.body_start == doc.text.index("Body one")


def test_shared_task_layout_keeps_the_text_verbatim():
    raw = "Headline here\n\nFirst line. Second sentence.\n"
    doc = Document.create(raw, title="Headline here", title_in_text=True)
    assert doc.text == raw


def test_line_endings_and_bom_are_normalised_once():
    doc = Document.create("\ufeffA title\r\n\r\nBody.\rMore.")
    assert doc.text == "A title\n\nBody.\nMore."


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_documents_are_refused_with_the_location(text):
    with pytest.raises(EmptyDocumentError) as e:
        Document.create(text, where="feed.xml entry 3")
    assert "feed.xml entry 3" in str(e.value) and "no text" in str(e.value)


def test_analysis_json_round_trip_keeps_spans_and_labels(example_text):
    doc = Document.create(example_text, title_in_text=True)
    a = Analysis(document=doc)
    start = doc.text.index("regime")
    span = a.span(start, start + len("regime"), "Name_Calling-Labeling", "techniques", 0.9, family="attack")
    a.add_spans([span])
    a.add_labels("narratives", [Label("URW: Discrediting Ukraine", 0.8, "narratives", evidence=[span])])
    a.data["explanation"] = {"text": "x"}
    d = a.to_dict()
    assert d["schema_version"] == SCHEMA_VERSION
    assert d["spans"][0]["text"] == "regime"
    back = Analysis.from_dict(json.loads(json.dumps(d)))
    assert back.to_dict() == d
    assert_spans_exact(back)


def test_spans_outside_the_text_are_a_programming_error():
    a = Analysis(document=Document.create("short"))
    with pytest.raises(ValueError, match="outside the text"):
        a.span(2, 99, "x", "test")


def test_span_is_immutable_and_hashable():
    s = Span(0, 3, "x", "a", attrs={"k": 1})
    assert {s: 1}[Span(0, 3, "x", "a")] == 1
    with pytest.raises(AttributeError):
        s.start = 4  # type: ignore[misc]
