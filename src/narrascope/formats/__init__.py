"""Writers for analyses: json, jsonl, csv. Streaming where the format allows it.

- ``json``: one object ``{"schema_version", "analyses": [...], "failures": [...]}``;
- ``jsonl``: one analysis object per line (failures are reported on stderr by the CLI);
- ``csv``: one row per document: id, title, url, source, published, language, then for every
  label task a ``<task>`` column with ``label:score`` pairs joined by ``;``, and ``n_spans``.
"""

from __future__ import annotations

import csv
import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..document import SCHEMA_VERSION, Analysis
from ..errors import ConfigError, Failure
from ..jsonsafe import has_surrogates, scrub_value

FORMATS = ("json", "jsonl", "csv")
log = logging.getLogger(__name__)


def write_analyses(
    analyses: Iterable[Analysis],
    fmt: str,
    out: IO[str],
    failures: list[Failure] | None = None,
    label_tasks: list[str] | None = None,
) -> int:
    """Write and return the number of analyses written. ``failures`` is read at the end (json)."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    n = 0
    failures = failures if failures is not None else []
    if fmt == "jsonl":
        for a in analyses:
            line = _dumps(a, failures)
            if line is not None:
                out.write(line + "\n")
                n += 1
    elif fmt == "json":
        out.write('{"schema_version": %s, "analyses": [' % json.dumps(SCHEMA_VERSION))
        for a in analyses:
            text = _dumps(a, failures, indent=1)
            if text is not None:
                out.write(("," if n else "") + "\n" + text)
                n += 1
        fails, _ = scrub_value([f.to_dict() for f in failures])
        out.write("\n], \"failures\": %s}\n" % json.dumps(fails, ensure_ascii=False))
    else:
        n = _write_csv(analyses, out, label_tasks, failures)
    return n


def _dumps(a: Analysis, failures: list[Failure], indent: int | None = None) -> str | None:
    """One analysis as JSON text that any UTF-8 file accepts. A lone surrogate (not encodable)
    is replaced with U+FFFD, one code point for one so offsets hold, and a warning says so; a
    value that cannot be written at all costs that analysis only (a ``write`` failure)."""
    try:
        d = a.to_dict()
        text = json.dumps(d, ensure_ascii=False, indent=indent, default=_plain)
        if has_surrogates(text):
            d, replaced = scrub_value(d)
            d["warnings"] = [*d.get("warnings", []), f"{replaced} lone UTF-16 surrogate(s) replaced with U+FFFD on output"]
            text = json.dumps(d, ensure_ascii=False, indent=indent, default=_plain)
        return text
    except (TypeError, ValueError, RecursionError) as e:
        failures.append(Failure(where=_where(a), message=f"could not be written ({type(e).__name__}: {e})", stage="write"))
        return None


def _plain(value):
    """JSON for the odd value an analyzer may leave in attrs (numpy scalars and arrays, sets)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _where(a: Analysis) -> str:
    try:
        doc = a.document
        return str(doc.meta.get("where") or doc.id)
    except Exception:  # noqa: BLE001 - only for the message
        return "?"


def _write_csv(analyses: Iterable[Analysis], out: IO[str], label_tasks: list[str] | None,
               failures: list[Failure] | None = None) -> int:
    writer = None
    tasks: list[str] = []
    n = 0
    for a in analyses:
        d = a.document
        if writer is None:
            tasks = list(label_tasks) if label_tasks is not None else sorted(a.labels)
            cols = ["id", "title", "url", "source", "published", "language", *tasks, "n_spans"]
            writer = csv.writer(out)
            writer.writerow(cols)
        lang = d.language or a.data.get("language", {}).get("language")
        row = [d.id, d.title or "", d.url or "", d.source or "", d.published or "", lang or ""]
        for t in tasks:
            row.append(";".join(f"{lab.label}:{lab.score:.3f}" for lab in a.labels.get(t, [])))
        row.append(len(a.spans))
        row, replaced = scrub_value(row)
        if replaced:
            log.warning("%s: %d lone UTF-16 surrogate(s) replaced with U+FFFD on output", _where(a), replaced)
        writer.writerow(row)
        n += 1
    return n


@contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[str]]:
    """Write to ``<path>.partial`` and rename into place on success: no half-written outputs.

    On an error or interruption (Ctrl-C) inside the block the ``.partial`` file is removed and an
    existing ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
