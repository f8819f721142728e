"""The on-disk format of a finished ``narrascope spark analyze`` output directory, and its readers.

``OUT/part-*.jsonl`` (Analysis JSON lines, in input order), ``OUT/failures.jsonl``,
``OUT/_SUMMARY.json``, ``OUT/_SUCCESS``. Written by :mod:`narrascope.spark`; read by it and by the
store's ingest (:mod:`narrascope.store.ingest`), which thus needs neither Spark nor the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .document import Analysis
from .errors import InputError

SUMMARY_FILE = "_SUMMARY.json"
FAILURES_FILE = "failures.jsonl"
SUCCESS_FILE = "_SUCCESS"
PART_GLOB = "part-*.jsonl"


def iter_output(output: str | Path) -> Iterator[Analysis]:
    """The analyses of a finished output directory, in input order (e.g. for ``Store.add_analyses``)."""
    from .document import analysis_from_record

    for part in output_parts(output):
        with open(part, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    yield analysis_from_record(json.loads(line), f"{part}:{lineno}")


def iter_output_dicts(output: str | Path) -> Iterator[dict[str, Any]]:
    for part in output_parts(output):
        with open(part, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def output_parts(output: str | Path) -> list[Path]:
    """The part files of a finished output directory, in input order (``InputError`` without ``_SUCCESS``)."""
    out = Path(output)
    if not (out / SUCCESS_FILE).exists():
        raise InputError("not a finished narrascope spark output (no _SUCCESS file)", where=str(out))
    return sorted(out.glob(PART_GLOB))


def iter_failures(output: str | Path) -> Iterator[dict[str, Any]]:
    """The error records of a finished output directory."""
    path = Path(output) / FAILURES_FILE
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
