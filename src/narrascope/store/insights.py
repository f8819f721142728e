"""Corpus views built on the :class:`~narrascope.store.Store` API only (no SQL here).

- :func:`quote_rows` / :func:`claim_rows`: one row per quote / check-worthy claim, for export;
- :func:`coverage`: how many documents lack a source or a date (what a chart leaves out);
- :func:`entity_profile`: one entity across the corpus (roles over time and by source, articles);
- :func:`compare`: narratives and techniques of two slices (two sources or two periods), as
  shares of each slice's articles.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import InputError
from . import Store

from .export import COLUMNS

QUOTE_COLUMNS = COLUMNS["quotes"]
CLAIM_COLUMNS = COLUMNS["claims"]


def _records(store: Store, **filters) -> Iterator[dict[str, Any]]:
    for row in store.export_rows("documents", **filters):
        try:
            yield store.get(row["id"])
        except Exception:  # noqa: BLE001 - a row removed meanwhile: skip it
            continue


def quote_rows(store: Store, **filters) -> Iterator[dict[str, Any]]:
    """Every quote of the matching documents: speaker (resolved entity when known), cue, whole quote."""
    for rec in _records(store, **filters):
        doc = rec.get("document") or {}
        for q in (rec.get("data") or {}).get("quotes") or []:
            if not isinstance(q, dict) or not isinstance(q.get("content"), dict):
                continue
            sp = q.get("speaker") if isinstance(q.get("speaker"), dict) else {}
            yield {
                "doc_id": rec.get("id") or doc.get("id"), "source": doc.get("source"), "published": doc.get("published"),
                "quote_id": q.get("id"), "kind": q.get("kind"), "speaker": q.get("speaker_entity") or sp.get("text"),
                "speaker_text": sp.get("text"), "cue": (q.get("cue") or {}).get("text") if isinstance(q.get("cue"), dict) else None,
                "quote": q["content"].get("text"), "start": q["content"].get("start"), "end": q["content"].get("end"),
            }


def claim_rows(store: Store, **filters) -> Iterator[dict[str, Any]]:
    """Every check-worthy claim of the matching documents, with its dates (``text=iso`` joined by ``; ``)."""
    for rec in _records(store, **filters):
        doc = rec.get("document") or {}
        for c in (rec.get("data") or {}).get("claims") or []:
            if not isinstance(c, dict) or not isinstance(c.get("sentence"), dict):
                continue
            dates = "; ".join(f"{d.get('text')}={d.get('iso') or '?'}" for d in c.get("dates") or [] if isinstance(d, dict))
            yield {
                "doc_id": rec.get("id") or doc.get("id"), "source": doc.get("source"), "published": doc.get("published"),
                "claim_id": c.get("id"), "score": c.get("score"), "claim": c["sentence"].get("text"), "dates": dates,
                "start": c["sentence"].get("start"), "end": c["sentence"].get("end"),
            }


def coverage(store: Store) -> dict[str, int]:
    """``{documents, no_source, no_date, no_source_or_date}`` over the whole store."""
    srcs = store.sources()
    total = sum(int(s["documents"]) for s in srcs)
    no_source = sum(int(s["documents"]) for s in srcs if not s.get("source"))
    page = store.list_documents(date_from="0001-01-01", limit=1, count_limit=None)  # every dated document
    with_day = int(page.total or 0)
    return {"documents": total, "no_source": no_source, "no_date": max(0, total - with_day)}


def _period(day: str | None, by: str) -> str | None:
    if not day:
        return None
    if by == "month":
        return day[:7]
    if by == "week":
        from datetime import date, timedelta

        d = date.fromisoformat(day[:10])
        return (d - timedelta(days=d.weekday())).isoformat()
    return day[:10]


def entity_profile(store: Store, name: str, *, by: str = "month", limit: int = 100) -> dict[str, Any]:
    """One entity (case-insensitive name) across the corpus: how often it is cast in each main role,
    over time (``by`` day/week/month) and by source, and the articles (newest first)."""
    key = name.casefold().strip()
    if not key:
        raise InputError("an entity name is required", where="name")
    docs: dict[str, dict[str, Any]] = {}
    spellings: dict[str, int] = {}
    for r in store.export_rows("entities"):
        ent = str(r.get("entity") or "")
        if ent.casefold() != key:
            continue
        d = docs.setdefault(r["doc_id"], {"doc_id": r["doc_id"], "source": r.get("source"), "published": r.get("published"),
                                          "day": r.get("day"), "main_role": None, "fine_roles": [], "score": None})
        if r.get("fine_role"):
            if r["fine_role"] not in d["fine_roles"]:
                d["fine_roles"].append(r["fine_role"])
        else:
            d["main_role"] = r.get("main_role")
            d["score"] = r.get("score")
        spellings[ent] = spellings.get(ent, 0) + 1
    if not docs:
        raise _NotFound(name)
    roles: dict[str, int] = {}
    by_source: dict[str, dict[str, int]] = {}
    over_time: dict[str, dict[str, int]] = {}
    undated = 0
    for d in docs.values():
        role = d["main_role"] or "(no main role)"
        roles[role] = roles.get(role, 0) + 1
        src = d["source"] or "(no source)"
        by_source.setdefault(src, {})[role] = by_source.setdefault(src, {}).get(role, 0) + 1
        p = _period(d["day"], by)
        if p is None:
            undated += 1
        else:
            over_time.setdefault(p, {})[role] = over_time.setdefault(p, {}).get(role, 0) + 1
    articles = sorted(docs.values(), key=lambda d: (d["published"] or "", d["doc_id"]), reverse=True)[:limit]
    for a in articles:
        try:
            rec = store.get(a["doc_id"])
            a["title"] = (rec.get("document") or {}).get("title") or ((rec.get("document") or {}).get("text") or "")[:80]
        except Exception:  # noqa: BLE001
            a["title"] = a["doc_id"]
    return {
        "entity": max(spellings, key=lambda s: spellings[s]),
        "documents": len(docs),
        "roles": dict(sorted(roles.items(), key=lambda kv: -kv[1])),
        "by_source": dict(sorted(by_source.items(), key=lambda kv: -sum(kv[1].values()))),
        "over_time": dict(sorted(over_time.items())),
        "undated": undated,
        "by": by,
        "articles": articles,
    }


class _NotFound(InputError):
    status = 404
    code = "not_found"

    def __init__(self, name: str):
        super().__init__(f"no entity named {name!r} has a role in any stored article", where="name",
                         hint="names are matched whole, case-insensitively; see the entity table on the dashboard")


def _slice_shares(store: Store, stats, **filters) -> tuple[int, dict[str, int]]:
    """(articles in the slice, {label: articles with it}) from per-source stats rows."""
    rows = stats(by="source", **filters)
    totals: dict[Any, int] = {}
    counts: dict[str, int] = {}
    for r in rows:
        totals[r["group"]] = r["group_documents"]
        counts[r["label"]] = counts.get(r["label"], 0) + int(r["documents"])
    return totals, counts


def compare(store: Store, a: dict[str, str | None], b: dict[str, str | None], *, k: int = 12) -> dict[str, Any]:
    """Narratives and techniques in slice ``a`` vs slice ``b`` (each ``{source, date_from, date_to}``):
    per label the number and share of the slice's articles that carry it."""
    out: dict[str, Any] = {"a": a, "b": b, "tables": {}}
    for name, stats in (("narratives", store.stats_narratives), ("techniques", store.stats_techniques)):
        ta, ca = _slice_shares(store, stats, **{kk: v for kk, v in a.items() if v})
        tb, cb = _slice_shares(store, stats, **{kk: v for kk, v in b.items() if v})
        na, nb = _count(store, a), _count(store, b)
        labels = sorted(set(ca) | set(cb), key=lambda lab: -(ca.get(lab, 0) / (na or 1) + cb.get(lab, 0) / (nb or 1)))[:k]
        out["tables"][name] = [
            {"label": lab, "a": ca.get(lab, 0), "b": cb.get(lab, 0),
             "a_share": round(ca.get(lab, 0) / na, 4) if na else 0.0, "b_share": round(cb.get(lab, 0) / nb, 4) if nb else 0.0}
            for lab in labels
        ]
        out["a_documents"], out["b_documents"] = na, nb
    return out


def _count(store: Store, f: dict[str, str | None]) -> int:
    page = store.list_documents(**{k: v for k, v in f.items() if v}, limit=1, count_limit=None)
    return int(page.total or 0)


__all__ = ["CLAIM_COLUMNS", "QUOTE_COLUMNS", "claim_rows", "compare", "coverage", "entity_profile", "quote_rows"]
