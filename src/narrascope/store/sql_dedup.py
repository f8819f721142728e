"""Near-duplicate clusters over the SQL store: :class:`DedupMixin` of :class:`~.sql.SQLStore`
(the MinHash/LSH maths is :mod:`narrascope.store.dedup`)."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from . import dedup
from .rows import sort_key


class DedupMixin:
    """``duplicate_clusters`` (cached per corpus state in ``self._dup_cache``)."""

    # ---- duplicates ---------------------------------------------------------------------
    def duplicate_clusters(self, *, threshold: float = dedup.DEFAULT_THRESHOLD, min_size: int = 2):
        if not 0.0 < float(threshold) <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {threshold!r}", where="threshold")
        state = self._one("SELECT (SELECT COUNT(*) FROM minhash), (SELECT COUNT(*) FROM sightings)")
        key = (tuple(state), float(threshold), int(min_size))
        if self._dup_cache and self._dup_cache[0] == key:
            return self._dup_cache[1]
        ids: list[str] = []
        blobs: list[bytes] = []
        for doc_id, sig in self._iter("SELECT doc_id, sig FROM minhash ORDER BY doc_id", size=10_000):
            ids.append(doc_id)
            blobs.append(bytes(sig))
        sigs = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32).reshape(len(ids), dedup.NUM_PERM)
        del blobs
        sig_list = list(sigs)
        groups = dedup.cluster(sigs, threshold) if len(ids) > 1 else []
        member_sets: list[list[str]] = [[ids[i] for i in g] for g in groups]
        in_cluster = {d for g in member_sets for d in g}
        # exact copies: the same text seen from more than one place
        multi = [r[0] for r in self._all("SELECT doc_id FROM sightings GROUP BY doc_id HAVING COUNT(*) > 1")]
        member_sets += [[d] for d in multi if d not in in_cluster]
        wanted = sorted({d for g in member_sets for d in g})
        meta: dict[str, dict] = {}
        sightings: dict[str, list] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._all(f"SELECT id, title, stored_at FROM documents WHERE id IN ({marks})", chunk):
                meta[r[0]] = {"title": r[1], "stored_at": r[2]}
            for r in self._all(
                f"SELECT doc_id, external_id, source, url, published, first_seen FROM sightings WHERE doc_id IN ({marks})", chunk
            ):
                sightings.setdefault(r[0], []).append(r[1:])
        sig_of = dict(zip(ids, sig_list))
        clusters = []
        for members in member_sets:
            entries = []
            for d in members:
                seen = sightings.get(d) or [("", None, None, None, meta.get(d, {}).get("stored_at"))]
                for ext, src, url, pub, first_seen in seen:
                    entries.append({"id": d, "external_id": ext or None, "title": meta.get(d, {}).get("title"),
                                    "source": src or None, "url": url or None, "published": pub, "_seen": first_seen or ""})
            entries.sort(key=lambda e: (sort_key(e["published"]) == "", sort_key(e["published"]), e["_seen"], e["id"], e["source"] or ""))
            first = entries[0]
            copies = {}
            for e in entries:
                copies[e["id"]] = copies.get(e["id"], 0) + 1
            base = sig_of.get(first["id"])
            for i, e in enumerate(entries):
                e.pop("_seen")
                e["earliest"] = i == 0
                e["exact_copy"] = copies[e["id"]] > 1
                other = sig_of.get(e["id"])
                e["similarity"] = 1.0 if e["id"] == first["id"] or base is None or other is None else round(dedup.similarity(base, other), 3)
            if len(entries) < min_size:
                continue
            clusters.append({
                "size": len(entries),
                "sources": sorted({e["source"] for e in entries if e["source"]}),
                "earliest": first["id"],
                "earliest_source": first["source"],
                "earliest_published": first["published"],
                "documents": entries,
            })
        clusters.sort(key=lambda c: (-c["size"], sort_key(c["earliest_published"]) == "", sort_key(c["earliest_published"]), c["earliest"]))
        for i, c in enumerate(clusters, 1):
            c["cluster"] = i
        clusters = [{"cluster": c.pop("cluster"), **c} for c in clusters]
        self._dup_cache = (key, clusters)
        return clusters
