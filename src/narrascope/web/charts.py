"""Chart geometry for inline SVG drawn by the templates (no JavaScript, no chart library).

Functions here compute coordinates only; the Jinja templates write the ``<svg>`` elements, so every
label and value goes through autoescaping like the rest of the page.
"""

from __future__ import annotations

from typing import Any, Iterable

PALETTE_SIZE = 12


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    for m in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if v <= m:
            return float(m)
    mag = 10 ** (len(str(int(v))) - 1)
    return float(((int(v) // mag) + 1) * mag)


def pivot(rows: Iterable[dict[str, Any]], x: str, series: str, value: str = "count") -> tuple[list[str], dict[str, dict[str, float]]]:
    """Rows ``{x, series, value}`` -> (sorted x values, {series: {x: value}})."""
    xs: set[str] = set()
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        xv, sv = r.get(x), r.get(series)
        if xv is None or sv is None:
            continue
        xv, sv = str(xv), str(sv)
        xs.add(xv)
        out.setdefault(sv, {})
        out[sv][xv] = out[sv].get(xv, 0.0) + float(r.get(value) or 0)
    return sorted(xs), out


def top_series(data: dict[str, dict[str, float]], k: int) -> list[str]:
    return sorted(data, key=lambda s: (-sum(data[s].values()), s))[:k]


def line_chart(
    xs: list[str], data: dict[str, dict[str, float]], *, k: int = 8, width: int = 720, height: int = 240
) -> dict[str, Any] | None:
    """Lines for the ``k`` biggest series over ``xs`` (periods). ``None`` when there is nothing."""
    if not xs or not data:
        return None
    names = top_series(data, k)
    left, right, top, bottom = 40, 24, 10, 40
    pw, ph = width - left - right, height - top - bottom
    ymax = _nice_max(max((data[n].get(x, 0.0) for n in names for x in xs), default=0.0))
    step = pw / max(1, len(xs) - 1)
    days = _days(xs)  # dates: x is proportional to time (02-26, 03-11, 06-03 are not evenly spaced)
    span = (days[-1] - days[0]) if days and len(xs) > 1 else 0

    def px(i: int) -> float:
        if len(xs) <= 1:
            return round(left + pw / 2, 1)
        if days and span > 0:
            return round(left + (days[i] - days[0]) / span * pw, 1)
        return round(left + i * step, 1)

    def py(v: float) -> float:
        return round(top + ph - v / ymax * ph, 1)

    series = []
    for si, name in enumerate(names):
        pts = [(px(i), py(data[name].get(x, 0.0)), x, data[name].get(x, 0.0)) for i, x in enumerate(xs)]
        series.append(
            {
                "name": name,
                "colour": f"s{si % PALETTE_SIZE}",
                "points": " ".join(f"{a},{b}" for a, b, _, _ in pts),
                "dots": [{"x": a, "y": b, "period": p, "value": int(v) if v == int(v) else v} for a, b, p, v in pts],
                "total": int(sum(data[name].values())),
            }
        )
    every = max(1, -(-len(xs) // 6))
    same_year = len({x[:5] for x in xs}) == 1 and all(len(x) == 10 and x[4] == "-" for x in xs)
    short = (lambda x: x[5:]) if same_year else (lambda x: x)
    if days and span > 0:  # ticks: labelled periods at least 70 px apart, on the time scale
        xticks, last = [], -1e9
        for i, x in enumerate(xs):
            if px(i) - last >= 70:
                xticks.append({"x": px(i), "label": short(x)})
                last = px(i)
    else:
        xticks = [{"x": px(i), "label": short(x)} for i, x in enumerate(xs) if i % every == 0]
    counts = all(float(v).is_integer() for n in names for v in data[n].values())
    if counts and ymax < 8:  # article counts: whole-number ticks only (no "1.50 articles")
        yticks = [{"y": py(v), "label": _fmt(v)} for v in range(0, int(ymax) + 1)]
    else:
        yticks = [{"y": py(ymax * f), "label": _fmt(ymax * f)} for f in (0, 0.25, 0.5, 0.75, 1.0)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": top + ph,
        "series": series,
        "xticks": xticks,
        "yticks": yticks,
    }


def stacked_bars(
    data: dict[str, dict[str, float]], *, k_rows: int = 12, k_parts: int = 8, width: int = 720, bar: int = 18
) -> dict[str, Any] | None:
    """Horizontal stacked bars: one row per group (e.g. source), parts per series (e.g. narrative).

    ``data`` is ``{part: {row: value}}`` (the shape :func:`pivot` returns with x=row).
    """
    if not data:
        return None
    parts = top_series(data, k_parts)
    rows_total: dict[str, float] = {}
    for p in parts:
        for r, v in data[p].items():
            rows_total[r] = rows_total.get(r, 0.0) + v
    rows = sorted(rows_total, key=lambda r: (-rows_total[r], r))[:k_rows]
    if not rows:
        return None
    label_w, right = 160, 50
    pw = width - label_w - right
    vmax = max(rows_total[r] for r in rows) or 1.0
    out_rows = []
    for ri, r in enumerate(rows):
        x = float(label_w)
        segs = []
        for pi, p in enumerate(parts):
            v = data[p].get(r, 0.0)
            if v <= 0:
                continue
            w = v / vmax * pw
            segs.append({"x": round(x, 1), "w": round(max(w, 1.0), 1), "part": p, "value": _fmt(v), "colour": f"s{pi % PALETTE_SIZE}"})
            x += w
        out_rows.append({"label": r, "y": 10 + ri * (bar + 8), "segs": segs, "total": _fmt(rows_total[r]), "end": round(x + 4, 1)})
    return {
        "width": width,
        "height": 20 + len(rows) * (bar + 8),
        "bar": bar,
        "label_w": label_w,
        "rows": out_rows,
        "parts": [{"name": p, "colour": f"s{i % PALETTE_SIZE}"} for i, p in enumerate(parts)],
    }


def _days(xs: list[str]) -> list[int] | None:
    """Day numbers of ISO dates (``YYYY-MM-DD`` or ``YYYY-MM``); ``None`` unless every x is one."""
    from datetime import date

    out = []
    for x in xs:
        try:
            out.append(date.fromisoformat(x if len(x) == 10 else f"{x}-01").toordinal())
        except ValueError:
            return None
    return out


def label_matrix(rows: Iterable[dict[str, Any]], *, k: int = 10, k_groups: int = 8) -> dict[str, Any] | None:
    """Labels x groups (e.g. sources) of stats rows ``{group, label, documents, group_documents}``:
    each cell is the number and the share of that group's ARTICLES carrying the label (a document
    with two narratives counts once under each, never twice under one). Rows without a group
    (no source / no date) are left out and counted."""
    groups: dict[str, int] = {}
    cells: dict[str, dict[str, int]] = {}
    for r in rows:
        g = r.get("group")
        if g is None:
            continue
        groups[str(g)] = int(r.get("group_documents") or 0)
        cells.setdefault(str(r["label"]), {})[str(g)] = cells.setdefault(str(r["label"]), {}).get(str(g), 0) + int(r.get("documents") or 0)
    if not cells:
        return None
    gs = sorted(groups, key=lambda g: (-groups[g], g))[:k_groups]
    labels = sorted(cells, key=lambda lab: (-sum(cells[lab].values()), lab))[:k]
    out_rows = []
    for lab in labels:
        row = []
        for g in gs:
            n, tot = cells[lab].get(g, 0), groups[g]
            share = n / tot if tot else 0.0
            row.append({"group": g, "n": n, "share": share, "heat": 0 if n == 0 else min(4, 1 + int(share * 4))})
        out_rows.append({"label": lab, "cells": row, "total": sum(cells[lab].values())})
    return {"groups": [{"name": g, "documents": groups[g]} for g in gs], "rows": out_rows}


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"
