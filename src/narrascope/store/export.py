"""Export store rows as CSV, JSONL or Parquet, streaming (no row cap, constant memory)."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError

FORMATS = ("csv", "jsonl", "parquet")

# column -> type ("str", "int", "float", "bool"); fixes the CSV header and the Parquet schema
COLUMNS: dict[str, dict[str, str]] = {
    "documents": {
        "id": "str", "external_id": "str", "title": "str", "source": "str", "url": "str", "published": "str",
        "day": "str", "week": "str", "language": "str", "n_chars": "int", "stored_at": "str", "versions": "str",
        "labels": "str", "text": "str",
    },
    "labels": {
        "doc_id": "str", "source": "str", "published": "str", "day": "str", "kind": "str", "task": "str",
        "label": "str", "score": "float", "count": "int",
    },
    "entities": {
        "doc_id": "str", "source": "str", "published": "str", "day": "str", "entity": "str", "main_role": "str",
        "fine_role": "str", "score": "float",
    },
    "duplicates": {
        "cluster": "int", "size": "int", "doc_id": "str", "external_id": "str", "title": "str", "source": "str",
        "url": "str", "published": "str", "earliest": "bool", "exact_copy": "bool", "similarity": "float",
    },
}
COLUMNS["narratives"] = COLUMNS["labels"]
COLUMNS["techniques"] = COLUMNS["labels"]
COLUMNS["prevalence"] = {
    "group": "str", "task": "str", "label": "str", "documents": "int", "group_documents": "int", "share": "float",
}
COLUMNS["review"] = {  # review corrections (store/review.py)
    "id": "str", "doc_id": "str", "kind": "str", "task": "str", "label": "str", "span_start": "int", "span_end": "int",
    "entity": "str", "action": "str", "value": "str", "reviewer": "str", "created_at": "str", "model_version": "str",
    "model_score": "float", "note": "str", "source": "str",
}
COLUMNS["quotes"] = {
    "doc_id": "str", "source": "str", "published": "str", "quote_id": "str", "kind": "str", "speaker": "str",
    "speaker_text": "str", "cue": "str", "quote": "str", "start": "int", "end": "int",
}
COLUMNS["claims"] = {
    "doc_id": "str", "source": "str", "published": "str", "claim_id": "str", "score": "float", "claim": "str",
    "dates": "str", "start": "int", "end": "int",
}
COLUMNS["entity_roles"] = {"entity": "str", "main_role": "str", "fine_role": "str", "source": "str", "documents": "int"}


def columns_for(what: str, by: str | None) -> str:
    """The column set of an export: per-row tables, or the aggregated ones when ``by`` is given."""
    if by is None:
        return what
    return "entity_roles" if what == "entities" else "prevalence"


@contextmanager
def _text_out(output: str | Path | None):
    if output is None or str(output) == "-":
        yield sys.stdout
    else:
        with open(output, "w", encoding="utf-8", newline="") as f:
            yield f


def write_rows(rows: Iterable[dict[str, Any]], what: str, fmt: str, output: str | Path | None) -> int:
    """Write ``rows`` (from ``Store.export_rows``) to ``output``; ``what`` names a :data:`COLUMNS` set."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", where="--format")
    cols = list(COLUMNS[what])
    n = 0
    if fmt == "parquet":
        if output is None or str(output) == "-":
            raise ConfigError("Parquet needs a file", where="--output", hint="give --output FILE.parquet")
        return _write_parquet(rows, what, Path(output))
    with _text_out(output) as f:
        if fmt == "csv":
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow(r)
                n += 1
        else:
            for r in rows:
                f.write(json.dumps({c: r.get(c) for c in cols}, ensure_ascii=False) + "\n")
                n += 1
    return n


def _write_parquet(rows: Iterable[dict[str, Any]], what: str, path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError("Parquet export needs pyarrow", where="--format", hint="pip install pyarrow, or use csv/jsonl") from None
    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema([(c, types[t]) for c, t in COLUMNS[what].items()])
    n = 0
    buf: list[dict] = []
    with pq.ParquetWriter(str(path), schema, compression="zstd") as w:
        def flush():
            if buf:
                w.write_table(pa.Table.from_pylist(buf, schema=schema))
                buf.clear()

        for r in rows:
            buf.append({c: r.get(c) for c in schema.names})
            n += 1
            if len(buf) >= 20_000:
                flush()
        flush()
    return n
