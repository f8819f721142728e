"""Writers for analyses: json, jsonl, csv. Streaming where the format allows it.

- ``json``: one object ``{"schema_version", "analyses": [...], "failures": [...]}``;
- ``jsonl``: one analysis object per line (failures are reported on stderr by the CLI);
- ``csv``: one row per document: id, title, url, source, published, language, then for every
  label task a ``<task>`` column with ``label:score`` pairs joined by ``;``, and ``n_spans``.
"""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..document import SCHEMA_VERSION, Analysis
from ..errors import ConfigError, Failure

FORMATS = ("json", "jsonl", "csv")


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
    if fmt == "jsonl":
        for a in analyses:
            out.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "json":
        out.write('{"schema_version": %s, "analyses": [' % json.dumps(SCHEMA_VERSION))
        for a in analyses:
            out.write(("," if n else "") + "\n" + json.dumps(a.to_dict(), ensure_ascii=False, indent=1))
            n += 1
        out.write("\n], \"failures\": %s}\n" % json.dumps([f.to_dict() for f in failures or []], ensure_ascii=False))
    else:
        n = _write_csv(analyses, out, label_tasks)
    return n


def _write_csv(analyses: Iterable[Analysis], out: IO[str], label_tasks: list[str] | None) -> int:
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
