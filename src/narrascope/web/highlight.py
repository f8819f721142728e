"""Turn an Analysis dict into highlight segments and side-panel data, knowing no analyzer.

Whatever the analyzers produced is shown: every flat span (``analysis["spans"]``) is highlighted
under its *kind* (the analyzer that emitted it), and the evidence spans of one selected label
(``analysis["labels"][task][i]``) are outlined. A new analyzer shows up without template changes.

Overlapping spans are handled by cutting the text at every span boundary: each resulting segment
knows every span that covers it. Segments are plain data (text + attributes); the template escapes
them, so nothing here builds HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PALETTE_SIZE = 12  # colour classes c0..c11 in style.css
LONG_SPAN = 60  # characters; a longer span gets a lighter tint so the short spans inside it stand out
BROAD_KIND = 0.75  # a kind whose spans cover more of the text than this starts hidden (legend unchecked)


@dataclass(slots=True)
class Segment:
    start: int
    end: int
    text: str
    spans: list[int] = field(default_factory=list)  # indexes into the span table
    evidence: bool = False  # covered by an evidence span of the selected label
    ev_start: bool = False  # first / last segment of a run of evidence (for the outline)
    ev_end: bool = False
    shown: list[int] = field(default_factory=list)  # ``spans`` minus those of kinds hidden at first


@dataclass(slots=True)
class Highlight:
    segments: list[Segment]
    spans: list[dict[str, Any]]  # the span table: kind, label, score, start, end, text, colour
    kinds: list[dict[str, Any]]  # legend: kind, colour, count, labels [{label, count, lid}]
    selected: dict[str, Any] | None  # the selected label (task, index, label, score, evidence count)


def _colour_map(kinds: list[str]) -> dict[str, str]:
    return {k: f"c{i % PALETTE_SIZE}" for i, k in enumerate(sorted(kinds))}


def _valid(span: dict[str, Any], n: int) -> tuple[int, int] | None:
    try:
        s, e = int(span["start"]), int(span["end"])
    except (KeyError, TypeError, ValueError):
        return None
    s, e = max(0, s), min(n, e)
    return (s, e) if s < e else None


def parse_selection(select: str | None, labels: dict[str, list[dict[str, Any]]]) -> tuple[str, int] | None:
    """``"task:index"`` -> (task, index) when it names an existing label; ``None`` otherwise."""
    if not select:
        return None
    task, _, idx = select.rpartition(":")
    if task in labels and idx.isdigit() and int(idx) < len(labels[task]):
        return task, int(idx)
    return None


def default_selection(labels: dict[str, list[dict[str, Any]]]) -> tuple[str, int] | None:
    """The best-scoring label that has evidence, preferring the ``narratives`` task."""
    order = sorted(labels, key=lambda t: (t != "narratives", t))
    for task in order:
        best = None
        for i, lab in enumerate(labels[task]):
            if lab.get("evidence") and (best is None or float(lab.get("score") or 0) > best[1]):
                best = (i, float(lab.get("score") or 0))
        if best is not None:
            return task, best[0]
    return None


def build_highlight(analysis: dict[str, Any], selection: tuple[str, int] | None = None) -> Highlight:
    """Segments, span table and legend for the article page.

    ``analysis`` is ``Analysis.to_dict()`` output. ``selection`` picks the label whose evidence is
    outlined. Spans outside the text are clipped; empty ones are dropped.
    """
    text: str = analysis["document"]["text"]
    n = len(text)
    labels = analysis.get("labels") or {}
    raw_spans = analysis.get("spans") or []

    kinds_seen: dict[str, dict[str, int]] = {}
    table: list[dict[str, Any]] = []
    for sp in raw_spans:
        se = _valid(sp, n)
        if se is None:
            continue
        kind = str(sp.get("analyzer") or "spans")
        label = str(sp.get("label") or "")
        kinds_seen.setdefault(kind, {})
        kinds_seen[kind][label] = kinds_seen[kind].get(label, 0) + 1
        table.append({"kind": kind, "label": label, "score": sp.get("score"), "start": se[0], "end": se[1]})
    colours = _colour_map(list(kinds_seen))
    lids: dict[tuple[str, str], str] = {}
    for ki, kind in enumerate(sorted(kinds_seen)):
        for li, (label, _n) in enumerate(sorted(kinds_seen[kind].items(), key=lambda kv: (-kv[1], kv[0]))):
            lids[(kind, label)] = f"k{ki}l{li}"
    for row in table:
        row["colour"] = colours[row["kind"]]
        row["lid"] = lids[(row["kind"], row["label"])]
        row["long"] = row["end"] - row["start"] > LONG_SPAN
        row["text"] = text[row["start"] : row["end"]]

    evidence: list[tuple[int, int]] = []
    selected = None
    if selection is not None:
        task, idx = selection
        lab = labels[task][idx]
        for sp in lab.get("evidence") or []:
            se = _valid(sp, n)
            if se is not None:
                evidence.append(se)
        selected = {
            "task": task,
            "index": idx,
            "label": str(lab.get("label")),
            "score": lab.get("score"),
            "evidence": len(evidence),
        }

    # Cut at every boundary; sweep left to right keeping the set of covering spans.
    bounds = {0, n}
    for row in table:
        bounds.update((row["start"], row["end"]))
    for s, e in evidence:
        bounds.update((s, e))
    cuts = sorted(bounds)
    starts: dict[int, list[int]] = {}
    for i, row in enumerate(table):
        starts.setdefault(row["start"], []).append(i)
    active: set[int] = set()
    ev_active: list[tuple[int, int]] = []
    segments: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        active = {i for i in active if table[i]["end"] > a}
        active.update(starts.get(a, ()))
        ev_active = [x for x in ev_active if x[1] > a] + [x for x in evidence if x[0] == a]  # few spans
        # shortest span first: it gives the segment its colour
        covering = sorted(active, key=lambda i: (table[i]["end"] - table[i]["start"], i))
        segments.append(Segment(a, b, text[a:b], covering, bool(ev_active)))
    # merge neighbours with identical coverage (e.g. cuts made by zero-width boundaries)
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].spans == seg.spans and merged[-1].evidence == seg.evidence:
            last = merged[-1]
            merged[-1] = Segment(last.start, seg.end, last.text + seg.text, last.spans, last.evidence)
        else:
            merged.append(seg)

    for i, seg in enumerate(merged):
        if seg.evidence:
            seg.ev_start = i == 0 or not merged[i - 1].evidence
            seg.ev_end = i == len(merged) - 1 or not merged[i + 1].evidence
    # kinds that paint most of the text (sentence-level labels...) start hidden: they drown the rest
    covered: dict[str, int] = {}
    for seg in merged:
        for kind in {table[i]["kind"] for i in seg.spans}:
            covered[kind] = covered.get(kind, 0) + (seg.end - seg.start)
    hidden = {k for k, c in covered.items() if n and c / n > BROAD_KIND and len(kinds_seen) > 1}
    for seg in merged:
        seg.shown = [i for i in seg.spans if table[i]["kind"] not in hidden]
    legend = [
        {
            "kind": k,
            "colour": colours[k],
            "count": sum(v.values()),
            "hidden": k in hidden,
            "coverage": round(covered.get(k, 0) / n, 3) if n else 0.0,
            "labels": [
                {"label": lab, "count": n, "lid": lids[(k, lab)]}
                for lab, n in sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }
        for k, v in sorted(kinds_seen.items())
    ]
    return Highlight(merged, table, legend, selected)


def segment_title(seg: Segment, table: list[dict[str, Any]]) -> str:
    """Tooltip text for a segment: every span covering it, ``kind: label (score)``."""
    parts = []
    for i in seg.spans:
        row = table[i]
        score = row.get("score")
        parts.append(f"{row['kind']}: {row['label']}" + (f" ({float(score):.2f})" if score is not None else ""))
    if seg.evidence:
        parts.append("evidence for the selected label")
    return "\n".join(parts)


def label_panel(analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """Side panel: every label task (narrative tasks first) with its labels sorted by score (best first)."""
    out = []
    tasks = (analysis.get("labels") or {}).items()
    for task, labs in sorted(tasks, key=lambda kv: ("narrative" not in kv[0], kv[0])):  # narratives first
        rows = []
        for i, lab in enumerate(labs):
            try:
                score = float(lab.get("score") or 0.0)
            except (TypeError, ValueError):
                score = 0.0
            rows.append(
                {
                    "index": i,
                    "label": str(lab.get("label")),
                    "score": score,
                    "pct": max(0, min(100, round(score * 100))),
                    "analyzer": lab.get("analyzer") or "",
                    "parent": lab.get("parent"),
                    "evidence": len(lab.get("evidence") or []),
                }
            )
        rows.sort(key=lambda r: (-r["score"], r["label"]))
        out.append({"task": task, "labels": rows})
    return out


# -- one layer at a time ---------------------------------------------------------------------------
# Within the shown layer each label gets one of the Okabe-Ito colours (distinguishable with the
# common colour-vision deficiencies); labels past the seventh share the neutral grey ``o7``.
OKABE_ITO = 7
EVIDENCE_LAYER = "evidence"
LAYER_TITLES = {
    EVIDENCE_LAYER: "Evidence",
    "techniques": "Persuasion techniques",
    "quotes": "Quotes",
    "entities": "Entities and roles",
    "roles": "Entity roles",
    "claims": "Claims",
    "narratives": "Narrative evidence",
    "subjectivity": "Subjectivity",
}
LAYER_ORDER = [EVIDENCE_LAYER, "techniques", "quotes", "entities", "roles", "claims", "narratives", "subjectivity"]


def add_layers(hl: Highlight, name=lambda lab: lab) -> list[dict[str, Any]]:
    """Give every span row a per-layer colour ``oc`` and a human ``name``; return the layer list
    (``[{id, title, count, labels: [{label, name, oc, count}]}]``, the evidence layer first when a
    label is selected). ``name`` maps a label id to its display name."""
    layers = []
    if hl.selected is not None:
        layers.append({"id": EVIDENCE_LAYER, "title": f"{LAYER_TITLES[EVIDENCE_LAYER]}: {name(hl.selected['label'])}",
                       "count": hl.selected["evidence"],
                       "labels": [{"label": hl.selected["label"], "name": name(hl.selected["label"]), "oc": "ev",
                                   "count": hl.selected["evidence"]}]})
    oc: dict[tuple[str, str], str] = {}
    for k in hl.kinds:
        labs = []
        for i, lab in enumerate(k["labels"]):
            colour = f"o{min(i, OKABE_ITO)}"
            oc[(k["kind"], lab["label"])] = colour
            labs.append({"label": lab["label"], "name": name(lab["label"]) or "(no label)", "oc": colour, "count": lab["count"]})
        layers.append({"id": k["kind"], "title": LAYER_TITLES.get(k["kind"], k["kind"].replace("_", " ").capitalize()),
                       "count": k["count"], "labels": labs})
    for row in hl.spans:
        row["oc"] = oc[(row["kind"], row["label"])]
        row["name"] = name(row["label"])
    rank = {lid: i for i, lid in enumerate(LAYER_ORDER)}
    layers.sort(key=lambda ly: (rank.get(ly["id"], len(rank)), ly["id"]))
    return layers


def choose_layer(layers: list[dict[str, Any]], wanted: str | None) -> str | None:
    """``wanted`` if it is a layer here, else the first (the evidence of the selected label, or
    the first of LAYER_ORDER present)."""
    ids = [ly["id"] for ly in layers]
    if wanted in ids:
        return wanted
    return ids[0] if ids else None


def paint(hl: Highlight, layer: str | None, threshold: float = 0.0) -> list[str]:
    """The CSS class of every segment when only ``layer`` is shown and spans scoring below
    ``threshold`` are hidden ('' = plain text). The client-side switch computes the same."""
    out = []
    for seg in hl.segments:
        if layer == EVIDENCE_LAYER:
            out.append("ev" if seg.evidence else "")
            continue
        best = ""
        for i in seg.spans:  # shortest first
            row = hl.spans[i]
            score = row.get("score")
            if row["kind"] != layer:
                continue
            try:
                if score is not None and float(score) < threshold:
                    continue
            except (TypeError, ValueError):
                pass
            best = row["oc"] + (" long" if row["long"] else "")
            break
        out.append(best)
    return out
