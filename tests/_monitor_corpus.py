"""Helpers for the monitoring tests: a marker analyzer and generated feeds (all text made up here).

``MarkerAnalyzer`` reads markers written into the test articles -- ``[N:label]`` (a narrative),
``[T:label]`` (a technique span), ``[E:Name=Role]`` (an entity cast in a role) -- so a scenario
decides exactly which labels each article carries, and the real store, rules and statistics run
on them.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime

from narrascope.analyzers.base import Analyzer
from narrascope.document import Label, Span
from narrascope.pipeline import Pipeline

_MARK = re.compile(r"\[(N|T|E):([^\]=]+)(?:=([^\]]+))?\]")
_WORDS = ("harbour council ferry grain levy tunnel school strike union budget tariff drought clinic pension "
          "railway station airport contract mayor flood storm grid cables protest bridge orchard").split()


class MarkerAnalyzer(Analyzer):
    name = "markers"
    version = "1"
    produces = ("narratives",)
    label_tasks = ("narratives",)
    description = "test analyzer: labels from [N:..], [T:..], [E:..=..] markers"

    def analyze(self, doc, analysis):
        narratives, ents = [], []
        for m in _MARK.finditer(doc.text):
            kind, value, role = m.group(1), m.group(2).strip(), (m.group(3) or "").strip()
            span = Span(m.start(), m.end(), value, self.name, 0.9)
            if kind == "N" and value not in [lab.label for lab in narratives]:
                narratives.append(Label(value, 0.9, self.name, [span]))
            elif kind == "T":
                analysis.add_spans([Span(m.start(), m.end(), value, "techniques", 0.8)])
            elif kind == "E":
                ents.append({"name": value, "main_role": role, "fine_roles": []})
        if narratives:
            analysis.add_labels("narratives", narratives)
        if ents:
            analysis.data["entities"] = ents
        self.stamp(analysis)


def marker_pipeline() -> Pipeline:
    return Pipeline([MarkerAnalyzer()])


def article_text(i: int, markers: list[str], extra: str = "") -> str:
    rng = random.Random(i)
    words = " ".join(rng.choice(_WORDS) for _ in range(40))
    return f"<p>Report {i}: {words}.</p><p>{' '.join(markers)} {extra}</p>"


def rfc822(day: date, hour: int = 9, minute: int = 0) -> str:
    return format_datetime(datetime.combine(day, time(hour, minute), tzinfo=timezone.utc))


def scenario_items(today: date, source: str, *, surge: bool) -> list[dict]:
    """The entries of one source over 28 baseline days and ``today`` (see test_monitor.py)."""
    items, i = [], 0
    a = source == "A"

    def add(day: date, markers: list[str], extra: str = "", minute: int = 0):
        nonlocal i
        i += 1
        items.append({"guid": f"{source}-{day.isoformat()}-{i}", "title": f"{source} story {i}",
                      "link": f"https://{source.lower()}.example/{i}", "date": rfc822(day, 8, minute),
                      "content": article_text(hash((source, i)) % 10**6, markers, extra)})

    for back in range(28, 0, -1):
        day = today - timedelta(days=back)
        add(day, ["[N:Blame]"] if back % 2 == (0 if a else 1) else [], minute=1)
        add(day, ["[N:Talks]"], minute=2)
        add(day, [], minute=3)
        add(day, ["[E:Mayor Lind=Protagonist]"] if a and back % 7 == 0 else
            (["[N:Sabotage]"] if a and back % 9 == 0 else []), minute=4)
    if not surge:
        add(today, ["[N:Blame]"] if a else [], minute=1)
        add(today, ["[N:Talks]"], minute=2)
        add(today, [], minute=3)
        add(today, ["[E:Mayor Lind=Protagonist]"] if a else [], minute=4)
        return items
    # today: "Blame" in 5 of 6 documents of each source (baseline: 1 in 8), Mayor Lind cast as
    # Antagonist by both sources, "Sabotage" (seen before in A only) twice in B, "blackout" everywhere
    for k in range(6):
        markers = ["[N:Blame]"] if k < 5 else ["[N:Talks]"]
        if k < 2:
            markers.append("[E:Mayor Lind=Antagonist]")
        if not a and k in (2, 3):
            markers.append("[N:Sabotage]")
        add(today, markers, "The blackout spread." if k < 4 else "", minute=10 + k)
    return items


def scenario_analyses(today: date, *, surge: bool) -> list:
    """The scenario's documents analysed by the marker pipeline (to fill a store without HTTP)."""
    from email.utils import parsedate_to_datetime

    from narrascope.document import Document
    from narrascope.readers._common import html_to_text

    pipe = marker_pipeline()
    docs = []
    for source in ("A", "B"):
        for it in scenario_items(today, source, surge=surge):
            published = parsedate_to_datetime(it["date"]).isoformat().replace("+00:00", "Z")
            docs.append(Document.create(html_to_text(it["content"]), title=it["title"], url=it["link"], source=source,
                                        published=published))
    return list(pipe.pipe(docs))


HOSTILE = "\"><script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"


def hostile_alert() -> dict:
    """An alert whose every text field tries to run script in the reader's browser."""
    return {
        "id": "hostile0000000000000000", "rule": HOSTILE, "kind": "surge", "what": "narrative", "subject": HOSTILE,
        "subject_key": "narrative|x|*", "source": HOSTILE, "window_start": "2026-03-28", "window_end": "2026-03-28",
        "fired_at": "2026-03-28T12:00:00Z", "score": 3.0, "message": "surge of " + HOSTILE,
        "evidence": {"test": HOSTILE, "count": 7, "note": {"x": HOSTILE}},
        "documents": [{"id": "<b>id</b>", "title": HOSTILE, "source": HOSTILE, "url": "javascript:window.__pwned=3",
                       "published": "2026-03-28"}],
    }
