"""Reviewed labels into training: ``narrascope train narratives [--data DIR] --corrections DB``.

Which articles
    Every stored document with at least one ``label`` correction in the ``narratives`` or
    ``subnarratives`` task is a *reviewed article*. Its training labels are the reviewed state
    (:func:`narrascope.review.review_state`): the model's labels the reviewers did not reject,
    plus the ones they added. No narrative left means ``Other``. Labels outside the label space
    (the official lists, or your taxonomy) are ignored and counted.

Weighting (documented default: ``DEFAULT_REVIEW_WEIGHT = 2``)
    Each reviewed article weighs ``review_weight`` in the ridge heads (weighted least squares),
    every shared-task article 1. A reviewed article whose text is also in ``--data`` (same content
    hash) replaces that article: the reviewer's judgement wins. Rationale: reviewed articles come
    from the corpus the model is used on and were checked by a person. The simulation in
    docs/review.md finds no difference between weights 1 and 2 when the reviewed articles are the
    only in-domain ones; the mixed case (few reviewed next to many shared-task articles) is not
    measured yet.

Your own taxonomy
    ``--taxonomy my.yaml`` (kind ``narratives``: top-level labels are narratives, labels with a
    ``parent`` are their sub-narratives) defines the label space; without ``--data`` the model
    is trained from the reviewed articles alone (add the labels with ``add`` corrections).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..document import Document, content_id
from ..errors import ConfigError, DataError
from . import _table, effective_labels, review_state

DEFAULT_REVIEW_WEIGHT = 2.0
NARRATIVE_TASKS = ("narratives", "subnarratives")
OTHER = "Other"


def space_from_taxonomy(taxonomy):
    """A narrative label space from a taxonomy: top-level labels = narratives, children = sub-narratives."""
    from ..training.narratives import LabelSpace

    narr = [lab.id for lab in taxonomy.labels if lab.parent is None and lab.id != OTHER]
    subs = [lab.id for lab in taxonomy.labels if lab.parent is not None and lab.id != OTHER]
    if not narr:
        raise ConfigError("the taxonomy has no top-level labels to train narratives on", where=taxonomy.path or taxonomy.id)
    parents = []
    for sid in subs:
        p = taxonomy[sid].parent
        while p is not None and taxonomy[p].parent is not None:  # deeper levels roll up to the top
            p = taxonomy[p].parent
        parents.append(p)
    return LabelSpace(narr, subs, parents, narr + [OTHER], [OTHER] + subs)


def labels_after_review(record: dict[str, Any], rows: list[dict]) -> tuple[list[str], list[str]]:
    """(narratives, subnarratives) of one reviewed article; ``(["Other"], ["Other"])`` when none is left."""
    state = review_state(record, rows)
    narr = [x for x in effective_labels(state, "narratives") if x != OTHER]
    subs = [x for x in effective_labels(state, "subnarratives") if x != OTHER]
    return (narr or [OTHER]), (subs or [OTHER])


def reviewed_examples(store, *, source: str | None = None) -> list:
    """:class:`~narrascope.training.semeval2025_data.Example` objects of the reviewed articles of ``store``."""
    from ..training.semeval2025_data import Example

    by_doc: dict[str, list[dict]] = {}
    for row in _table(store).iter_all(source=source):
        by_doc.setdefault(row["doc_id"], []).append(row)
    out = []
    for doc_id in sorted(by_doc):
        rows = by_doc[doc_id]
        if not any(r["kind"] == "label" and r["task"] in NARRATIVE_TASKS for r in rows):
            continue
        record = store.get(doc_id)
        narr, subs = labels_after_review(record, rows)
        doc = Document.from_dict(record["document"])
        lang = str(record.get("language") or "xx").upper()
        out.append(Example(id=str(record.get("external_id") or doc_id), lang=lang, doc=doc, narratives=sorted(set(narr)),
                           subnarratives=sorted(set(subs)), meta={"reviewed": True, "doc_id": doc_id}))
    return out


def fold_in(examples: Sequence, reviewed: Sequence, review_weight: float = DEFAULT_REVIEW_WEIGHT) -> tuple[list, np.ndarray, int]:
    """``(examples, weights, replaced)``: the reviewed articles added with weight ``review_weight``;
    a training article with the same text is replaced by its reviewed version."""
    if not review_weight > 0:
        raise ConfigError(f"review weight must be > 0, got {review_weight!r}", where="--review-weight")
    by_text = {content_id(r.doc.text) for r in reviewed}
    kept = [e for e in examples if content_id(e.doc.text) not in by_text]
    merged = list(kept) + list(reviewed)
    weights = np.array([1.0] * len(kept) + [float(review_weight)] * len(reviewed))
    return merged, weights, len(examples) - len(kept)


def train_narratives_with_review(
    data: str | Path | None, corrections: str, out: str | Path | None, *, taxonomy: str | None = None,
    review_weight: float = DEFAULT_REVIEW_WEIGHT, languages: Sequence[str] | None = None, n_splits: int = 5,
    seed: int = 0, lam: float | None = None, progress: Callable[[str], None] | None = None,
):
    """Train the narrative model on ``data`` (optional) plus the reviewed articles of the store ``corrections``.

    Returns ``(model, cv, summary)``; ``summary`` says how many reviewed articles were used,
    replaced training articles, and reviewed labels outside the label space.
    """
    from ..store import open_store
    from ..taxonomies import load_taxonomy
    from ..training.narratives import DEFAULTS, LabelSpace, train
    from ..training.semeval2025_data import LANGUAGES, load_examples, official_labels

    if data is None and taxonomy is None:
        taxonomy = "semeval2025-narratives"
    if taxonomy is not None:
        tax = load_taxonomy(taxonomy)
        space = space_from_taxonomy(tax)
    else:
        space = LabelSpace.from_official(*official_labels(data))
    with open_store(corrections, create=False) as store:
        reviewed = reviewed_examples(store)
    if not reviewed:
        raise DataError("the store has no reviewed articles (no narratives/subnarratives corrections)", where=str(corrections),
                        hint="review some articles first (web UI, `narrascope review add`, or `narrascope import-review`)")
    examples = load_examples(data, tuple(languages or LANGUAGES)) if data is not None else []
    known = set(space.narratives) | set(space.subnarratives) | {OTHER}
    outside = sorted({lab for r in reviewed for lab in r.narratives + r.subnarratives if lab not in known})
    merged, weights, replaced = fold_in(examples, reviewed, review_weight)
    n_groups = len(merged)
    folds = max(2, min(n_splits, n_groups // 2))
    if len(merged) < 4:
        raise DataError(f"only {len(merged)} training article(s): too few to train and cross-validate", where=str(corrections),
                        hint="review at least 4 articles (or add --data)")
    summary = {"reviewed_articles": len(reviewed), "review_weight": float(review_weight), "replaced_training_articles": replaced,
               "training_articles": len(examples), "labels_outside_space": outside, "folds": folds,
               "taxonomy": taxonomy}
    if progress:
        progress(f"{len(reviewed)} reviewed article(s) (weight {review_weight:g}), {len(examples)} training article(s), "
                 f"{replaced} replaced by their reviewed version"
                 + (f"; {len(outside)} reviewed label(s) outside the label space ignored" if outside else ""))
    model, cv = train(data, out, space=space, examples=merged, weights=weights, n_splits=folds, seed=seed,
                      lam=DEFAULTS["lam"] if lam is None else lam, progress=progress,
                      extra_info={"review": summary})
    return model, cv, summary
