"""A small corpus written for the API/UI tests: hand-built analyses with labels and spans.

All texts are made up for these tests. ``HOSTILE_TEXT`` is an article whose every field tries to
run script in the reader's browser.
"""

from __future__ import annotations

import random

from narrascope.document import Analysis, Document, Label, Span
from narrascope.pipeline import Pipeline

PEACE_TEXT = (
    "Harbour talks stall as both delegations walk out\n\n"
    "Minister Ivanova said the rebels broke the truce on Tuesday. \"We will never surrender,\" she told "
    "reporters, adding that the war will end by spring.\n\n"
    "Observers were less certain. Several diplomats said the harbour talks stalled because neither "
    "delegation would move on the question of prisoners."
)

HOSTILE_TEXT = (
    "<script>window.__pwned = 1; document.title = 'PWNED'; alert('x')</script> Breaking news\n\n"
    "Officials said <img src=x onerror=\"window.__pwned=2;alert(2)\"> the bridge reopened. "
    "<svg onload=\"window.__pwned=3\"></svg> Read <a href=\"javascript:window.__pwned=4\">more</a> "
    "or <iframe src=\"javascript:parent.__pwned=5\"></iframe> and <body onload=\"window.__pwned=6\"> "
    "</textarea></title><script>window.__pwned=7</script> '\"><b onmouseover=alert(8)>hover</b>"
)
HOSTILE_ATTR = "\"><script>window.__pwned=9</script><img src=x onerror=window.__pwned=10>"


_WORDS = ("budget tender ferry quay mayor school tram orchard union strike harvest river tunnel clinic "
          "library museum festival pension tariff courier pilot census drought reservoir ballot").split()


def _find(text: str, needle: str, label: str, analyzer: str, score: float | None = 0.8) -> Span:
    i = text.find(needle)
    assert i >= 0, needle
    return Span(i, i + len(needle), label, analyzer, score)


def language_pipeline() -> Pipeline:
    return Pipeline.from_config({"analyzers": ["language"]})


def peace_analysis(pipeline: Pipeline) -> Analysis:
    doc = Document.create(
        PEACE_TEXT, title="Harbour talks stall as both delegations walk out", title_in_text=True,
        source="Harbour Herald", published="2026-03-02", url="https://news.example/harbour",
    )
    a = pipeline.analyze(doc)
    t = doc.text
    a.add_spans([
        _find(t, "walk out", "Loaded_Language", "techniques", 0.71),
        _find(t, "broke the truce", "Name_Calling", "techniques", 0.55),
        _find(t, "Minister Ivanova", "Protagonist", "roles", 0.9),
        _find(t, "the rebels", "Antagonist", "roles", 0.66),
        _find(t, "\"We will never surrender,\"", "quote", "quotes", None),
        _find(t, "the war will end by spring", "claim", "claims", 0.6),
    ])
    a.add_labels("narratives", [
        Label("URW: Blaming the war on others", 0.82, "narratives", [_find(t, "the rebels broke the truce", "URW: Blaming the war on others", "narratives")]),
        Label("URW: Talks are futile", 0.41, "narratives", [_find(t, "harbour talks stalled", "URW: Talks are futile", "narratives")]),
    ])
    a.data["entities"] = [
        {"name": "Minister Ivanova", "main_role": "Protagonist", "fine_roles": ["Guardian"]},
        {"name": "the rebels", "main_role": "Antagonist", "fine_roles": ["Instigator"]},
    ]
    a.versions.update({"techniques": "t1", "roles": "r1", "narratives": "n1"})
    return a


def filler_analyses(pipeline: Pipeline, n: int = 9) -> list[Analysis]:
    """``n`` short articles over three sources and three months, each with a narrative and a technique."""
    sources = ["Harbour Herald", "Valley Voice", "Coastal Courier"]
    narratives = ["URW: Blaming the war on others", "CC: Green policies cost jobs", "URW: Talks are futile"]
    techniques = ["Doubt", "Flag_Waving", "Loaded_Language"]
    out = []
    for i in range(n):
        topic = ["grain exports", "wind farms", "bridge repairs"][i % 3]
        rng = random.Random(i)
        extra = " ".join(rng.choice(_WORDS) for _ in range(30))
        text = (f"Report {i}: councillors debated {topic} for the {i + 1}th time this season, "
                f"and residents of district {i} asked for clear answers about {topic}. {extra}.")
        doc = Document.create(text, title=f"Council debates {topic} again ({i})", source=sources[i % 3],
                              published=f"2026-0{1 + i % 3}-{10 + i:02d}")
        a = pipeline.analyze(doc)
        t = doc.text
        n_label = narratives[i % 3]
        a.add_labels("narratives", [Label(n_label, 0.5 + i / 40, "narratives", [_find(t, topic, n_label, "narratives")])])
        a.add_spans([_find(t, "asked for clear answers", techniques[i % 3], "techniques", 0.6)])
        out.append(a)
    return out


def duplicate_analyses(pipeline: Pipeline) -> list[Analysis]:
    """The same wire story republished by three outlets with small edits."""
    base = ("The regional parliament approved a levy on heating oil that raises winter bills for most "
            "households while exempting the largest industrial users for the next five years, a move "
            "critics called a gift to the steel lobby and supporters called a necessary compromise.")
    out = []
    for j, (src, day) in enumerate([("Valley Voice", "2026-02-11"), ("Harbour Herald", "2026-02-12"), ("Coastal Courier", "2026-02-14")]):
        text = base + ["", " The vote was close.", " Protests are planned."][j]
        doc = Document.create(text, title=f"Heating levy approved ({src})", source=src, published=day)
        out.append(pipeline.analyze(doc))
    return out


def hostile_analysis(pipeline: Pipeline) -> Analysis:
    doc = Document.create(
        HOSTILE_TEXT, title=HOSTILE_ATTR, source=HOSTILE_ATTR, published="2026-03-05",
        url="javascript:window.__pwned=11", meta={"note": HOSTILE_ATTR},
    )
    a = pipeline.analyze(doc)
    t = doc.text
    a.add_spans([
        _find(t, "<script>window.__pwned = 1;", HOSTILE_ATTR, "techniques", 0.9),
        _find(t, "onerror=", "<img src=x onerror=window.__pwned=12>", HOSTILE_ATTR, 0.5),
        _find(t, "javascript:window.__pwned=4", "Loaded_Language", "techniques", 0.4),
    ])
    a.add_labels(HOSTILE_ATTR, [Label(HOSTILE_ATTR, 0.7, "narratives", [_find(t, "the bridge reopened", HOSTILE_ATTR, "narratives")])])
    a.data["notes"] = {"html": HOSTILE_ATTR}
    # structured data the readable panels and the report show: hostile too
    sp = _find(t, "Officials said", "", "quotes")
    bridge = _find(t, "the bridge reopened", "", "quotes")
    a.data["quotes"] = [{"id": "q1", "kind": "direct", "speaker": {"start": sp.start, "end": sp.start + 9, "text": "Officials"},
                         "speaker_entity": HOSTILE_ATTR, "resolved_by": "name",
                         "cue": {"start": sp.start + 10, "end": sp.end, "text": "said"},
                         "content": {"start": bridge.start, "end": bridge.end, "text": "the bridge reopened"}}]
    a.data["entities"] = [{"id": "E1", "name": HOSTILE_ATTR, "type": "PERSON", "mentions": [{"start": sp.start, "end": sp.start + 9}],
                           "main_role": "Antagonist", "main_role_score": 0.6, "fine_roles": [{"role": HOSTILE_ATTR, "score": 0.3}],
                           "evidence": [{"start": bridge.start, "end": bridge.end}]}]
    a.data["claims"] = [{"id": "c1", "sentence": {"start": bridge.start, "end": bridge.end}, "score": 0.7,
                         "dates": [{"text": HOSTILE_ATTR, "iso": HOSTILE_ATTR}]}]
    return a


def build_corpus(pipeline: Pipeline | None = None) -> list[Analysis]:
    pipeline = pipeline or language_pipeline()
    return [peace_analysis(pipeline), *filler_analyses(pipeline), *duplicate_analyses(pipeline)]
