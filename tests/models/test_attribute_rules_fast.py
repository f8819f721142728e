"""The fast attribute ruler gives spaCy's annotations exactly, and parsing with it gives the Doc (and
the entities output) that spaCy's own pipeline gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers.entities import load_spacy
from narrascope.models import nlp as nlp_mod
from narrascope.models.attribute_rules import fast_ruler

ROOT = Path(__file__).resolve().parent.parent.parent
TRICKY = ("I ain't gonna go, y'all. Let's c'm on, we gotta leave.  \n\n There is a dog; there's more. "
          "But I gave it to you, and you gave it to me. Did they? They did it. Which one? That which was said.\t ")


@pytest.fixture(scope="module")
def spacy_nlp():
    nlp = load_spacy()
    if nlp is None:
        pytest.skip("the English spaCy pipeline is not installed")
    return nlp


def texts() -> list[str]:
    files = sorted((ROOT / "tests" / "fixtures" / "entities" / "docs").glob("*.txt"))
    files += sorted((ROOT / "tests" / "fixtures" / "narratives" / "articles").glob("*.txt"))
    files += [ROOT / "examples" / "peace-talks.txt"]
    return [f.read_text(encoding="utf-8", errors="replace") for f in files] + [TRICKY]


def annotations(doc) -> list[tuple]:
    return [(t.i, t.tag_, t.pos_, t.dep_, t.head.i, str(t.morph), t.lemma_, t.ent_iob_, t.ent_type_) for t in doc]


def test_fast_ruler_sets_what_spacys_attribute_ruler_sets(spacy_nlp):
    fast = fast_ruler(spacy_nlp)
    assert fast is not None
    ruler = spacy_nlp.get_pipe("attribute_ruler")
    before = spacy_nlp.pipe_names[: spacy_nlp.pipe_names.index("attribute_ruler")]
    for text in texts():
        a = spacy_nlp.make_doc(text)
        for name in before:
            a = spacy_nlp.get_pipe(name)(a)
        b = a.copy()
        assert annotations(ruler(a)) == annotations(fast(b))


def test_parse_gives_the_doc_spacys_pipeline_gives(spacy_nlp):
    ts = texts()
    ours = list(nlp_mod.parse(spacy_nlp, ts, batch_size=8))
    theirs = list(spacy_nlp.pipe(ts, batch_size=8))
    assert [annotations(d) for d in ours] == [annotations(d) for d in theirs]
    assert any(t.pos_ == "AUX" and t.lemma_ == "be" for d in ours for t in d)  # the ruler and lemmatizer did run


def test_rules_it_cannot_read_leave_the_work_to_spacy():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "big", "OP": "+"}]], {"TAG": "JJ"})
    assert fast_ruler(nlp) is None
    assert [t.tag_ for t in nlp_mod.parse(nlp, ["big big dog"]).__next__()] == ["JJ", "JJ", ""]


def test_entities_output_is_the_same_with_spacys_own_attribute_ruler(spacy_nlp, monkeypatch):
    docs = [Document.create(t, title_in_text=True) for t in texts()]
    pipe = Pipeline.from_config({"analyzers": ["entities"]})
    fast = [a.data["entities"] for a in pipe.pipe(docs)]
    monkeypatch.setattr(nlp_mod, "_fast_ruler", lambda nlp: None)
    slow = [a.data["entities"] for a in pipe.pipe(docs)]
    assert fast == slow
    assert sum(len(e) for e in fast) > 20
