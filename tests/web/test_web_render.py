"""Highlight segmentation and chart geometry of the web UI (pure functions, no server)."""

from __future__ import annotations

from narrascope.web.charts import line_chart, pivot, stacked_bars
from narrascope.web.highlight import build_highlight, default_selection, label_panel, parse_selection, segment_title

TEXT = "Hello brave new world, said the minister."


def analysis(spans, labels=None):
    return {"document": {"text": TEXT}, "spans": spans, "labels": labels or {}}


def span(start, end, label, analyzer, score=0.5):
    return {"start": start, "end": end, "label": label, "analyzer": analyzer, "score": score}


def test_overlapping_spans_are_cut_at_every_boundary_and_rebuild_the_text():
    a = analysis([span(0, 11, "A", "techniques"), span(6, 21, "B", "roles"), span(6, 11, "C", "techniques")])
    hl = build_highlight(a)
    assert "".join(s.text for s in hl.segments) == TEXT
    cover = {(s.start, s.end): [hl.spans[i]["label"] for i in s.spans] for s in hl.segments}
    assert cover[(0, 6)] == ["A"]
    assert cover[(6, 11)] == ["C", "A", "B"]  # shortest span first: it gives the colour
    assert cover[(11, 21)] == ["B"]
    assert cover[(21, len(TEXT))] == []
    for s in hl.segments:
        assert TEXT[s.start : s.end] == s.text


def test_kinds_get_stable_colours_and_a_legend_with_counts():
    a = analysis([span(0, 5, "A", "zeta"), span(6, 11, "B", "alpha"), span(12, 15, "B", "alpha")])
    hl = build_highlight(a)
    legend = {k["kind"]: k for k in hl.kinds}
    assert legend["alpha"]["colour"] == "c0" and legend["zeta"]["colour"] == "c1"
    assert legend["alpha"]["count"] == 2 and legend["alpha"]["labels"] == [{"label": "B", "count": 2, "lid": "k0l0"}]
    assert [r["lid"] for r in hl.spans] == ["k1l0", "k0l0", "k0l0"]


def test_long_spans_are_flagged_so_nested_short_spans_stand_out():
    text = "x" * 200
    hl = build_highlight({"document": {"text": text}, "spans": [span(0, 150, "claim", "claims"), span(10, 20, "date", "claims")]})
    assert [r["long"] for r in hl.spans] == [True, False]
    inner = next(s for s in hl.segments if s.start == 10)
    assert hl.spans[inner.spans[0]]["label"] == "date"


def test_spans_outside_the_text_are_clipped_and_empty_ones_dropped():
    a = analysis([span(-5, 5, "A", "x"), span(30, 10_000, "B", "x"), span(7, 7, "C", "x"), {"start": "?", "label": "D"}])
    hl = build_highlight(a)
    assert [(r["start"], r["end"]) for r in hl.spans] == [(0, 5), (30, len(TEXT))]
    assert "".join(s.text for s in hl.segments) == TEXT


def test_selected_label_outlines_only_its_evidence():
    labels = {
        "narratives": [
            {"label": "N1", "score": 0.3, "evidence": [span(0, 5, "N1", "n")]},
            {"label": "N2", "score": 0.9, "evidence": [span(12, 21, "N2", "n")]},
        ],
        "frames": [{"label": "F", "score": 0.99, "evidence": [span(23, 27, "F", "f")]}],
    }
    a = analysis([], labels)
    assert default_selection(labels) == ("narratives", 1)  # narratives first, best score
    hl = build_highlight(a, default_selection(labels))
    assert [s.text for s in hl.segments if s.evidence] == ["new world"]
    assert [(s.ev_start, s.ev_end) for s in hl.segments if s.evidence] == [(True, True)]
    assert hl.selected["label"] == "N2" and hl.selected["evidence"] == 1
    assert parse_selection("frames:0", labels) == ("frames", 0)
    assert parse_selection("frames:5", labels) is None and parse_selection("nope:0", labels) is None
    assert "evidence" in segment_title(next(s for s in hl.segments if s.evidence), hl.spans)


def test_label_panel_sorts_by_score_and_clamps_bars():
    labels = {"genre": [{"label": "news", "score": 0.2, "evidence": []}, {"label": "opinion", "score": 1.7, "evidence": [{}]}]}
    panel = label_panel({"labels": {**labels, "subnarratives": [], "narratives": []}})
    assert [t["task"] for t in panel] == ["narratives", "subnarratives", "genre"]
    panel = panel[2:]
    assert [r["label"] for r in panel[0]["labels"]] == ["opinion", "news"]
    assert panel[0]["labels"][0]["pct"] == 100 and panel[0]["labels"][0]["evidence"] == 1


def test_charts_scale_to_the_largest_value():
    rows = [
        {"group": "2026-01-05", "label": "N1", "documents": 4},
        {"group": "2026-01-12", "label": "N1", "documents": 2},
        {"group": "2026-01-12", "label": "N2", "documents": 1},
    ]
    xs, data = pivot(rows, "group", "label", "documents")
    c = line_chart(xs, data)
    assert xs == ["2026-01-05", "2026-01-12"] and [s["name"] for s in c["series"]] == ["N1", "N2"]
    n1 = c["series"][0]["dots"]
    assert n1[0]["y"] < n1[1]["y"]  # 4 is drawn higher than 2
    assert c["yticks"][-1]["label"] == "5"
    bars = stacked_bars({"N1": {"A": 3, "B": 1}, "N2": {"A": 1}})
    assert [r["label"] for r in bars["rows"]] == ["A", "B"]
    assert bars["rows"][0]["total"] == "4"
    assert line_chart([], {}) is None and stacked_bars({}) is None


def test_a_kind_covering_most_of_the_text_starts_hidden():
    n = len(TEXT)
    a = analysis([span(0, n, "subjective", "subjectivity"), span(6, 11, "Doubt", "techniques")])
    hl = build_highlight(a)
    legend = {k["kind"]: k for k in hl.kinds}
    assert legend["subjectivity"]["hidden"] and legend["subjectivity"]["coverage"] == 1.0
    assert not legend["techniques"]["hidden"]
    by_text = {s.text: [hl.spans[i]["kind"] for i in s.shown] for s in hl.segments}
    assert by_text["brave"] == ["techniques"] and by_text["Hello "] == []
    # a kind alone is never hidden: there would be nothing to see
    assert not build_highlight(analysis([span(0, n, "subjective", "subjectivity")])).kinds[0]["hidden"]


def test_slow_dashboard_work_runs_in_the_background_and_is_cached(tmp_path):
    import threading

    from narrascope.api.app import _Runtime

    rt = _Runtime(str(tmp_path / "bg.db"), None, None, 1000, 10_000, True)
    release, calls = threading.Event(), []

    def slow():
        calls.append(1)
        release.wait(5)
        return ["clusters"]

    assert rt.background("k", slow, wait=0.05) == (False, None)  # not ready: the page says so
    assert rt.background("k", slow, wait=0.05) == (False, None)  # still running: not started twice
    release.set()
    assert rt.background("k", slow, wait=5) == (True, ["clusters"])
    assert rt.background("k", slow, wait=0) == (True, ["clusters"]) and len(calls) == 1
    rt.close()


def test_one_layer_is_painted_with_per_label_colours_and_the_threshold_hides_weak_spans():
    from narrascope.web.highlight import add_layers, choose_layer, paint

    a = analysis([span(0, 5, "Doubt", "techniques", 0.9), span(6, 11, "Flag_Waving", "techniques", 0.2),
                  span(6, 21, "quote", "quotes", None)],
                 {"narratives": [{"label": "N", "score": 0.5, "evidence": [span(12, 21, "N", "n")]}]})
    hl = build_highlight(a, ("narratives", 0))
    layers = add_layers(hl, lambda x: x.replace("_", " "))
    assert [ly["id"] for ly in layers] == ["evidence", "techniques", "quotes"]  # evidence first when a label is selected
    assert choose_layer(layers, None) == "evidence" and choose_layer(layers, "quotes") == "quotes"
    assert {lab["name"]: lab["oc"] for lab in layers[1]["labels"]} == {"Doubt": "o0", "Flag Waving": "o1"}
    by_text = lambda cls: {s.text: c for s, c in zip(hl.segments, cls)}  # noqa: E731
    tech = by_text(paint(hl, "techniques"))
    assert tech["Hello"] == "o0" and tech["brave"] == "o1" and tech["new world"] == ""  # quotes not painted
    assert by_text(paint(hl, "techniques", threshold=0.5))["brave"] == ""  # 0.2 < 0.5
    assert by_text(paint(hl, "quotes", threshold=0.99))["brave"] == "o0"  # no score: always shown
    ev = by_text(paint(hl, "evidence"))
    assert ev["new world"] == "ev" and ev["Hello"] == ""


def test_label_matrix_counts_articles_per_group_and_leaves_out_ungrouped_rows():
    from narrascope.web.charts import label_matrix

    rows = [{"group": "A", "label": "N1", "documents": 2, "group_documents": 4},
            {"group": "A", "label": "N2", "documents": 2, "group_documents": 4},
            {"group": "B", "label": "N1", "documents": 1, "group_documents": 1},
            {"group": None, "label": "N1", "documents": 9, "group_documents": 9}]
    m = label_matrix(rows)
    assert [g["name"] for g in m["groups"]] == ["A", "B"] and [g["documents"] for g in m["groups"]] == [4, 1]
    n1 = m["rows"][0]
    assert n1["label"] == "N1" and [(c["n"], c["share"]) for c in n1["cells"]] == [(2, 0.5), (1, 1.0)]
    assert label_matrix([]) is None


def test_time_axis_is_proportional_to_dates():
    xs = ["2026-02-26", "2026-03-11", "2026-06-03"]
    c = line_chart(xs, {"N": {x: 1 for x in xs}})
    x0, x1, x2 = (d["x"] for d in c["series"][0]["dots"])
    assert abs((x1 - x0) / (x2 - x0) - 13 / 97) < 0.01  # 13 of 97 days, not half way
    weeks = line_chart(["a", "b", "c"], {"N": {"a": 1, "b": 1, "c": 1}})  # not dates: evenly spaced
    xa, xb, xc = (d["x"] for d in weeks["series"][0]["dots"])
    assert abs((xb - xa) - (xc - xb)) < 0.2


def test_search_hits_are_marked_and_the_rest_escaped():
    from narrascope.web import mark_hits

    out = str(mark_hits("<b>Prisoners</b> were freed; prisoner swaps", 'prisoner -x OR "freed"'))
    assert out.count('<mark class="hit">') == 3 and "&lt;b&gt;" in out and "<b>" not in out
    assert str(mark_hits("a <i>", None)) == "a &lt;i&gt;"
