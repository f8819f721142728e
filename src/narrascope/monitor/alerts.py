"""Evaluate alert rules over a store and record the alerts that fire (each explained).

Windows are UTC publication days: the *window* is the ``window`` days ending on ``as_of``
(default: today), the *baseline* the ``baseline`` days just before it, the *lookback* (for the
"new" rules) the ``lookback`` days before the window.

Surge tests (one-sided; *x* documents of *n* in the window carry the subject, *y* of *m* in the
baseline):

- ``test: share`` (default): Fisher's exact test that the window's share ``x/n`` exceeds the
  baseline's ``y/m`` (hypergeometric tail). Robust to a change in how many documents come in.
- ``test: rate``: the documents per day, compared with the conditional binomial test for two
  Poisson rates: given ``x + y``, ``x ~ Binomial(x + y, w / (w + b))`` under no change.

An alert needs ``x >= min_count``, ``ratio >= min_ratio`` (window share or rate over the
baseline's; a subject absent from the baseline counts as infinitely more) and a p-value at most
``p_value`` after a Bonferroni correction over the subjects the rule tested in this evaluation.
With no baseline documents at all nothing can be a surge, so nothing fires.

Dedupe: an alert's id is a hash of (rule, subject, source scope, window end day), so re-evaluating
the same day stores nothing new; and a subject that fired does not fire again for ``cooldown``
days (default: the window).
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from typing import Any

from ..errors import ConfigError
from ..store.monitor import MonitorStore, now_iso
from .rules import Rule, RuleSet

_TASK = {"narrative": ("narrative", ("label",)), "technique": ("technique", ("label", "span"))}


def surge_p_value(x: int, n: int, y: int, m: int, *, test: str = "share", window_days: int = 1,
                  baseline_days: int = 28) -> float:
    """One-sided p-value that ``x`` (of ``n`` window documents) is a surge over ``y`` (of ``m``)."""
    from scipy.stats import binom, hypergeom

    if x <= 0:
        return 1.0
    if test == "share":
        if m <= 0 or n <= 0:
            return 1.0
        return float(min(1.0, hypergeom.sf(x - 1, n + m, x + y, n)))
    if test == "rate":
        if baseline_days <= 0:
            return 1.0
        return float(min(1.0, binom.sf(x - 1, x + y, window_days / (window_days + baseline_days))))
    raise ConfigError(f"test must be share or rate, got {test!r}")


def _ratio(x: int, n: int, y: int, m: int, test: str, w: int, b: int) -> float:
    if test == "share":
        cur, base = (x / n if n else 0.0), (y / m if m else 0.0)
    else:
        cur, base = x / w, y / b
    return math.inf if base == 0 else cur / base


def _days(as_of: date, rule: Rule) -> dict[str, str]:
    ws = as_of - timedelta(days=rule.window - 1)
    be = ws - timedelta(days=1)
    return {"window_start": ws.isoformat(), "window_end": as_of.isoformat(),
            "baseline_start": (ws - timedelta(days=rule.baseline)).isoformat(), "baseline_end": be.isoformat(),
            "lookback_start": (ws - timedelta(days=rule.lookback)).isoformat()}


def _alert_id(rule: Rule, subject_key: str, window_end: str) -> str:
    return hashlib.sha1(f"{rule.id}\x1f{subject_key}\x1f{window_end}".encode("utf-8")).hexdigest()[:24]


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 1e-4 else f"{p:.1e}"


def _span(ws: str, we: str) -> str:
    return f"on {we}" if ws == we else f"in {ws}..{we}"


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "–"


class _Evaluation:
    def __init__(self, store, as_of: date, dry_run: bool):
        self.ms = MonitorStore(store)
        self.as_of = as_of
        self.dry_run = dry_run
        self.fired: list[dict[str, Any]] = []
        self.suppressed = 0

    def emit(self, rule: Rule, *, kind: str, what: str, subject: str, source: str | None, days: dict, score: float,
             message: str, evidence: dict, documents: list[dict]) -> None:
        subject_key = f"{what}|{subject}|{source or '*'}"
        last = self.ms.last_alert_window(rule.id, subject_key)
        if last and last < days["window_end"] and rule.cooldown_days and \
                (self.as_of - date.fromisoformat(last)).days < rule.cooldown_days:
            self.suppressed += 1
            return
        alert = {
            "id": _alert_id(rule, subject_key, days["window_end"]), "rule": rule.id, "kind": kind, "what": what,
            "subject": subject, "subject_key": subject_key, "source": source,
            "window_start": days["window_start"], "window_end": days["window_end"], "fired_at": now_iso(),
            "score": None if score is None or math.isinf(score) else round(float(score), 4), "message": message,
            "evidence": evidence, "documents": documents, "delivered_at": None, "delivery_error": None,
            "delivery_attempts": 0,
        }
        if self.dry_run:  # everything the rules produce for this window, stored already or not
            self.fired.append(alert)
        elif self.ms.add_alert(alert):
            self.fired.append(alert)

    # -- surge --------------------------------------------------------------------------------
    def surge(self, rule: Rule) -> None:
        d = _days(self.as_of, rule)
        ws, we, bs, be = d["window_start"], d["window_end"], d["baseline_start"], d["baseline_end"]
        by_source = rule.per_source or bool(rule.sources)
        tot_w = self.ms.day_totals(ws, we, by_source=by_source)
        tot_b = self.ms.day_totals(bs, be, by_source=by_source)
        if by_source and rule.sources:
            tot_w = {k: v for k, v in tot_w.items() if k in rule.sources}
        cands: list[tuple[str, str | None, int, int]] = []  # (subject, source, x, y)
        if rule.what in _TASK:
            task, kinds = _TASK[rule.what]
            cur = self.ms.label_counts(task, ws, we, kinds=kinds, by_source=by_source)
            cur = {k: v for k, v in cur.items() if v >= rule.min_count and (not rule.labels or k[0] in rule.labels)}
            base = self.ms.label_counts(task, bs, be, kinds=kinds, by_source=by_source) if cur else {}
            cands = [(lab, src, x, base.get((lab, src), 0)) for (lab, src), x in cur.items()]
        elif rule.what == "entity_role":
            cur = self.ms.entity_role_counts(ws, we, fine=rule.fine_roles, by_source=by_source)
            cur = {k: v for k, v in cur.items() if v >= rule.min_count and (not rule.roles or k[1] in rule.roles)
                   and (not rule.entities or k[0] in rule.entities)}
            base = self.ms.entity_role_counts(bs, be, fine=rule.fine_roles, by_source=by_source,
                                              entities={k[0] for k in cur}) if cur else {}
            cands = [(f"{e} as {r}", src, x, base.get((e, r, src), 0)) for (e, r, src), x in cur.items()]
        else:  # keyword
            scopes = [None] if not by_source else [s for s in tot_w if s is not None]
            for q in rule.keywords:
                for src in scopes:
                    x = self.ms.keyword_count(q, ws, we, source=src)
                    if x >= rule.min_count:
                        cands.append((q, src, x, self.ms.keyword_count(q, bs, be, source=src)))
        if by_source and rule.sources:
            cands = [c for c in cands if c[1] in rule.sources]
        tested = len(cands)
        for subject, src, x, y in sorted(cands, key=lambda c: (c[0], c[1] or "")):
            n, m = tot_w.get(src, 0), tot_b.get(src, 0)
            p = surge_p_value(x, n, y, m, test=rule.test, window_days=rule.window, baseline_days=rule.baseline)
            p_adj = min(1.0, p * tested)
            ratio = _ratio(x, n, y, m, rule.test, rule.window, rule.baseline)
            if not (p_adj <= rule.p_value and ratio >= rule.min_ratio and m > 0):
                continue
            scope = f" in {src}" if src else ""
            what = rule.what.replace("_", "-")
            if rule.test == "share":
                why = (f"{x} of {n} documents ({_pct(x, n)}){scope} {_span(ws, we)} vs {y} of {m} ({_pct(y, m)}) "
                       f"in the {rule.baseline} days before")
                test_name = "Fisher exact test (one-sided) on the share of documents"
            else:
                why = (f"{x} documents{scope} in {rule.window} day(s) ({x / rule.window:.1f}/day) vs {y} in the "
                       f"{rule.baseline} days before ({y / rule.baseline:.2f}/day)")
                test_name = "conditional binomial test (one-sided) on documents per day"
            ratio_txt = "new: absent from the baseline" if math.isinf(ratio) else f"x{ratio:.1f}"
            message = (f"{what} surge: {subject!r}: {why}; {ratio_txt}; p = {_fmt_p(p)}, "
                       f"{_fmt_p(p_adj)} after Bonferroni over {tested} tested")
            evidence = {
                "test": test_name, "count": x, "window_documents": n, "baseline_count": y, "baseline_documents": m,
                "window": [ws, we], "baseline": [bs, be],
                "expected": round((y / m * n) if rule.test == "share" and m else y * rule.window / rule.baseline, 3),
                "ratio": None if math.isinf(ratio) else round(ratio, 3), "p_value": p, "p_adjusted": p_adj,
                "tested": tested, "thresholds": {"min_count": rule.min_count, "min_ratio": rule.min_ratio,
                                                  "p_value": rule.p_value},
            }
            docs = self._documents(rule, subject, src, ws, we)
            self.emit(rule, kind="surge", what=rule.what, subject=subject, source=src, days=d,
                      score=-math.log10(max(p_adj, 1e-300)), message=message, evidence=evidence, documents=docs)

    def _documents(self, rule: Rule, subject: str, src: str | None, ws: str, we: str) -> list[dict]:
        k = rule.max_documents
        if rule.what in _TASK:
            task, kinds = _TASK[rule.what]
            return self.ms.label_documents(task, subject, ws, we, kinds=kinds, source=src, limit=k)
        if rule.what == "entity_role" or rule.type == "new_entity_role":
            entity, _, role = subject.rpartition(" as ")
            return self.ms.entity_role_documents(entity, role, ws, we, fine=rule.fine_roles, source=src, limit=k)
        return self.ms.keyword_documents(subject, ws, we, source=src, limit=k)

    # -- new narrative for a source ----------------------------------------------------------
    def new_narrative_for_source(self, rule: Rule) -> None:
        d = _days(self.as_of, rule)
        ws, we, ls, le = d["window_start"], d["window_end"], d["lookback_start"], d["baseline_end"]
        cur = self.ms.label_counts("narrative", ws, we, by_source=True)
        cur = {k: v for k, v in cur.items() if v >= rule.min_count and k[1] is not None
               and (not rule.labels or k[0] in rule.labels) and (not rule.sources or k[1] in rule.sources)}
        if not cur:
            return
        before = self.ms.label_counts("narrative", ls, le, by_source=True)
        history = self.ms.day_totals(ls, le, by_source=True)
        for (label, src), x in sorted(cur.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if before.get((label, src), 0) or history.get(src, 0) < max(1, rule.min_history):
                continue
            h = history.get(src, 0)
            message = (f"new narrative for {src}: {label!r} in {x} document(s) {_span(ws, we)}; none of its {h} "
                       f"documents in the {rule.lookback} days before carried it")
            evidence = {"count": x, "lookback": [ls, le], "lookback_documents": h, "lookback_count": 0,
                        "window": [ws, we], "thresholds": {"min_count": rule.min_count, "min_history": rule.min_history}}
            docs = self.ms.label_documents("narrative", label, ws, we, source=src, limit=rule.max_documents)
            self.emit(rule, kind="new_narrative_for_source", what="narrative", subject=label, source=src, days=d,
                      score=float(x), message=message, evidence=evidence, documents=docs)

    # -- entity newly cast in a role -----------------------------------------------------------
    def new_entity_role(self, rule: Rule) -> None:
        d = _days(self.as_of, rule)
        ws, we, ls, le = d["window_start"], d["window_end"], d["lookback_start"], d["baseline_end"]
        cur = self.ms.entity_role_counts(ws, we, fine=rule.fine_roles, by_source=True)
        agg: dict[tuple[str, str], dict] = {}
        for (ent, role, src), n in cur.items():
            if (rule.roles and role not in rule.roles) or (rule.entities and ent not in rule.entities) \
                    or (rule.sources and src not in rule.sources):
                continue
            a = agg.setdefault((ent, role), {"sources": {}})
            a["sources"][src or "?"] = n
        whole = self.ms.entity_role_counts(ws, we, fine=rule.fine_roles, entities={k[0] for k in agg}) if agg else {}
        cands = {k: a for k, a in agg.items() if whole.get((k[0], k[1], None), 0) >= rule.min_count
                 and len(a["sources"]) >= rule.min_sources}
        if not cands:
            return
        before = self.ms.entity_role_counts(ls, le, fine=rule.fine_roles, entities={e for e, _ in cands})
        seen: dict[str, set[str]] = {}  # entity -> the roles it had in the lookback
        for ent, role, _ in before:
            seen.setdefault(ent, set()).add(role)
        for (ent, role), a in sorted(cands.items()):
            if before.get((ent, role, None), 0):
                continue
            if rule.seen_before and ent not in seen:
                continue
            x = whole[(ent, role, None)]
            prior = sorted(seen.get(ent, ()))
            srcs = sorted(a["sources"].items(), key=lambda kv: (-kv[1], kv[0]))
            was = f"; before, cast as {', '.join(prior)}" if prior else ""
            message = (f"{ent!r} newly cast as {role}: {x} document(s) from {len(srcs)} source(s) {_span(ws, we)}, "
                       f"never in the {rule.lookback} days before{was}")
            evidence = {"count": x, "sources": dict(srcs), "lookback": [ls, le], "lookback_count": 0,
                        "roles_before": prior, "window": [ws, we],
                        "thresholds": {"min_count": rule.min_count, "min_sources": rule.min_sources}}
            docs = self.ms.entity_role_documents(ent, role, ws, we, fine=rule.fine_roles, limit=rule.max_documents)
            self.emit(rule, kind="new_entity_role", what="entity_role", subject=f"{ent} as {role}", source=None,
                      days=d, score=float(x), message=message, evidence=evidence, documents=docs)


def evaluate_rules(store, rules: RuleSet, *, as_of: date | str | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """Evaluate ``rules`` over ``store`` as of the UTC day ``as_of`` (default: today).

    Returns the alerts that fired and were new (stored now). With ``dry_run`` nothing is stored and
    every alert the rules produce for this window is returned, stored already or not (cool-downs
    from earlier windows still apply). Each alert: ``id, rule, kind, what, subject,
    source, window_start, window_end, fired_at, score, message`` (one line: why), ``evidence``
    (counts, baseline, test, p-values, thresholds) and ``documents`` (the articles behind it:
    ``id, title, source, url, published``).
    """
    from datetime import datetime, timezone

    if as_of is None:
        as_of = datetime.now(timezone.utc).date()
    elif isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of[:10])
        except ValueError:
            raise ConfigError(f"as_of must be a date YYYY-MM-DD, got {as_of!r}", where="--as-of") from None
    ev = _Evaluation(store, as_of, dry_run)
    for rule in rules:
        getattr(ev, rule.type)(rule)
    return ev.fired
