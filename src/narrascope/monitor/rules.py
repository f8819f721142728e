"""Alert rules: a YAML file, validated with messages that name the rule and the field.

Schema (see docs/monitoring.md for the full reference)::

    defaults:                 # optional: any rule field, used by every rule that does not set it
      window: 1d
    rules:
      - id: narrative-surge   # required, unique: letters, digits, '-', '_', '.'
        type: surge           # surge | new_narrative_for_source | new_entity_role
        what: narrative       # surge only: narrative | technique | entity_role | keyword
        ...

Durations (``window``, ``baseline``, ``lookback``, ``cooldown``) are whole days: ``1d``, ``28d``,
``4w`` or an integer number of days.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TYPES = ("surge", "new_narrative_for_source", "new_entity_role")
WHATS = ("narrative", "technique", "entity_role", "keyword")
TESTS = ("share", "rate")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_DAYS = re.compile(r"^\s*(\d+)\s*([dw]?)\s*$", re.I)


@dataclass(frozen=True)
class Rule:
    """One validated rule. Fields not relevant to its ``type`` keep their defaults."""

    id: str
    type: str
    what: str = "narrative"
    # subject filters
    labels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    fine_roles: bool = False
    sources: tuple[str, ...] = ()
    per_source: bool = False
    # windows, in days
    window: int = 1
    baseline: int = 28
    lookback: int = 90
    cooldown: int | None = None  # default: the window
    # thresholds
    min_count: int = 5
    min_ratio: float = 2.0
    p_value: float = 0.001
    test: str = "share"
    min_history: int = 20
    min_sources: int = 1
    seen_before: bool = True
    max_documents: int = 20
    description: str = ""

    @property
    def cooldown_days(self) -> int:
        return self.window if self.cooldown is None else self.cooldown

    def to_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    where: str = "rules"

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


# field -> (kind, check, "expected ..." text); kinds: str, strs, bool, days, int, float, choice
_FIELDS: dict[str, tuple[str, Any, str]] = {
    "id": ("str", lambda v: bool(_ID.match(v)), "an id of letters, digits, '-', '_' or '.' (at most 100)"),
    "type": ("choice", TYPES, "one of " + ", ".join(TYPES)),
    "what": ("choice", WHATS, "one of " + ", ".join(WHATS)),
    "description": ("str", lambda v: True, "a text"),
    "labels": ("strs", None, "a label or a list of labels"),
    "keywords": ("strs", None, "a full-text query or a list of them"),
    "entities": ("strs", None, "an entity name or a list of them"),
    "roles": ("strs", None, "a role or a list of roles"),
    "sources": ("strs", None, "a source name or a list of them"),
    "fine_roles": ("bool", None, "true or false"),
    "per_source": ("bool", None, "true or false"),
    "seen_before": ("bool", None, "true or false"),
    "window": ("days", (1, 366), "a number of days from 1 to 366 (e.g. 1d, 7d, 2w)"),
    "baseline": ("days", (1, 3660), "a number of days from 1 to 3660 (e.g. 28d)"),
    "lookback": ("days", (1, 3660), "a number of days from 1 to 3660 (e.g. 90d)"),
    "cooldown": ("days", (0, 3660), "a number of days from 0 to 3660 (e.g. 1d; 0 = no cool-down)"),
    "min_count": ("int", (1, 10**9), "an integer >= 1"),
    "min_history": ("int", (0, 10**9), "an integer >= 0"),
    "min_sources": ("int", (1, 10**6), "an integer >= 1"),
    "max_documents": ("int", (1, 1000), "an integer from 1 to 1000"),
    "min_ratio": ("float", (1.0, 1e9), "a number >= 1"),
    "p_value": ("float", (1e-300, 0.5), "a probability in (0, 0.5]"),
    "test": ("choice", TESTS, "share (Fisher exact test on the share of documents) or rate (binomial test on documents per day)"),
}
# which fields make sense for which rule type (others are refused, so a typo cannot silently do nothing)
_COMMON = {"id", "type", "description", "sources", "window", "cooldown", "min_count", "max_documents"}
_ALLOWED = {
    "surge": _COMMON | {"what", "labels", "keywords", "entities", "roles", "fine_roles", "per_source", "baseline",
                        "min_ratio", "p_value", "test"},
    "new_narrative_for_source": _COMMON | {"labels", "lookback", "min_history"},
    "new_entity_role": _COMMON | {"entities", "roles", "fine_roles", "lookback", "min_sources", "seen_before"},
}
_DEFAULT_MIN_COUNT = {"surge": 5, "new_narrative_for_source": 2, "new_entity_role": 3}


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rules YAML file (``ConfigError`` naming the rule and field on any problem)."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("no such rules file", where=str(p), hint="write one (see docs/monitoring.md)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the rules file ({e})", where=str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"not valid YAML{at} ({getattr(e, 'problem', None) or e})", where=str(p)) from None
    return parse_rules(data, where=str(p))


def parse_rules(data: Any, where: str = "rules") -> RuleSet:
    """Validate rules given as data (a dict with ``rules`` and optional ``defaults``, or a list)."""
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping with a 'rules' list, got {_kind(data)}", where=where,
                          hint="start the file with 'rules:' followed by '- id: ...' items")
    unknown = set(data) - {"rules", "defaults", "version"}
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {sorted(map(str, unknown))}", where=where,
                          hint="the file has 'rules' and optionally 'defaults' (and 'version')")
    if data.get("version", 1) != 1:
        raise ConfigError(f"version must be 1, got {data.get('version')!r}", where=f"{where}: version")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"defaults must be a mapping, got {_kind(defaults)}", where=f"{where}: defaults")
    for k in defaults:
        if k in ("id", "type"):
            raise ConfigError(f"defaults cannot set {k!r}", where=f"{where}: defaults.{k}")
        if k not in _FIELDS:
            raise ConfigError(f"unknown field {k!r}{_did_you_mean(k, _FIELDS)}", where=f"{where}: defaults")
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"'rules' must be a non-empty list, got {_kind(items)}", where=f"{where}: rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        rule = _parse_rule(item, defaults, f"{where}: rules[{i}]")
        if rule.id in seen:
            raise ConfigError(f"duplicate rule id {rule.id!r}", where=f"{where}: rules[{i}]", hint="give every rule its own id")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(tuple(rules), where)


def _parse_rule(item: Any, defaults: dict, where: str) -> Rule:
    if not isinstance(item, dict):
        raise ConfigError(f"a rule must be a mapping, got {_kind(item)}", where=where)
    if "id" in item and isinstance(item["id"], str):
        where = f"{where} ({item['id']})"
    for k in ("id", "type"):
        if k not in item:
            raise ConfigError(f"missing required field {k!r}", where=where)
    values: dict[str, Any] = {}
    rtype = _value("type", item["type"], where)
    allowed = _ALLOWED[rtype]
    for k in item:
        if k not in _FIELDS:
            raise ConfigError(f"unknown field {k!r}{_did_you_mean(str(k), _FIELDS)}", where=where)
        if k not in allowed:
            raise ConfigError(f"field {k!r} does not apply to a {rtype} rule", where=where,
                              hint=f"{rtype} rules take: {', '.join(sorted(allowed))}")
    for k, v in {**{k: v for k, v in defaults.items() if k in allowed}, **item}.items():
        values[k] = _value(k, v, f"{where}.{k}")
    values.setdefault("min_count", _DEFAULT_MIN_COUNT[rtype])
    rule = Rule(**values)
    if rtype == "surge":
        if rule.what == "keyword" and not rule.keywords:
            raise ConfigError("a keyword surge needs 'keywords' (full-text queries)", where=where)
        if rule.what != "keyword" and rule.keywords:
            raise ConfigError(f"'keywords' applies to what: keyword, not {rule.what}", where=where)
        if rule.what not in ("narrative", "technique") and rule.labels:
            raise ConfigError(f"'labels' applies to narrative/technique surges, not {rule.what}", where=where)
        if rule.what != "entity_role" and (rule.entities or rule.roles or rule.fine_roles):
            raise ConfigError(f"'entities'/'roles'/'fine_roles' apply to what: entity_role, not {rule.what}", where=where)
    return rule


def _value(name: str, v: Any, where: str) -> Any:
    kind, check, expected = _FIELDS[name]
    bad = ConfigError(f"{name} must be {expected}, got {v!r}", where=where)
    if kind == "str":
        if not isinstance(v, str) or not check(v):
            raise bad
        return v
    if kind == "choice":
        if v not in check:
            raise ConfigError(f"{name} must be {expected}, got {v!r}{_did_you_mean(str(v), check)}", where=where)
        return v
    if kind == "strs":
        vals = [v] if isinstance(v, str) else v
        if not isinstance(vals, list) or not vals or not all(isinstance(x, str) and x.strip() for x in vals):
            raise bad
        return tuple(x.strip() for x in vals)
    if kind == "bool":
        if not isinstance(v, bool):
            raise bad
        return v
    if kind == "days":
        if isinstance(v, bool):
            raise bad
        if isinstance(v, int):
            n = v
        else:
            m = _DAYS.match(str(v))
            if not m:
                raise bad
            n = int(m.group(1)) * (7 if m.group(2).lower() == "w" else 1)
        lo, hi = check
        if not lo <= n <= hi:
            raise bad
        return n
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, int) or not check[0] <= v <= check[1]:
            raise bad
        return v
    if kind == "float":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not check[0] <= float(v) <= check[1]:
            raise bad
        return float(v)
    raise AssertionError(kind)  # pragma: no cover


def _did_you_mean(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(v: Any) -> str:
    if v is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: f"the text {v!r}"[:60]}.get(type(v), type(v).__name__)


EXAMPLE_RULES = """\
# Narrascope alert rules (docs/monitoring.md)
defaults:
  window: 1d          # today (UTC publication day)
  baseline: 28d       # compared with the 28 days before
rules:
  - id: narrative-surge
    type: surge
    what: narrative
    min_count: 5      # at least 5 documents today
    min_ratio: 2      # at least twice the baseline share
    p_value: 0.001    # Fisher exact test, Bonferroni-corrected over the narratives tested
  - id: villain
    type: new_entity_role
    roles: [Antagonist]
    min_count: 3
    min_sources: 2
  - id: new-narrative-in-outlet
    type: new_narrative_for_source
    lookback: 90d
"""
