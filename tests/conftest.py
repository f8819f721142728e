"""Shared fixtures. ``shared_data`` points at ../shared/data and skips the test when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = Path(os.environ.get("NARRASCOPE_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present on this machine")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def example_text() -> str:
    return (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8")


def assert_spans_exact(analysis) -> None:
    """Offsets are the truth: every span -- flat, label evidence, or a span dict inside ``data`` --
    lies inside the text, a span dict's ``text`` is what its offsets cover, every label has
    evidence, and the analysis passes the one ingest validator and round-trips through it."""
    import json

    from narrascope.document import analysis_from_record, iter_data_spans

    text = analysis.document.text
    n = len(text)
    for sp in analysis.iter_all_spans():  # the Span objects: to_dict would slice (and clamp) for us
        assert 0 <= sp.start <= sp.end <= n, sp
    d = json.loads(json.dumps(analysis.to_dict()))
    for labels in d["labels"].values():
        for lab in labels:
            assert lab["evidence"], f"label {lab['label']} has no evidence span"
    for path, s in iter_data_spans(d["data"]):
        assert 0 <= s["start"] <= s["end"] <= n, (path, s)
        if "text" in s:  # written by the analyzer: must be the text its offsets cover
            assert text[s["start"] : s["end"]] == s["text"], (path, s)
    back = analysis_from_record(d, "conformance")
    assert json.loads(json.dumps(back.to_dict())) == d


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server on loopback per test run (skipped when not installed)."""
    from .pgserver import PostgresServer, find_bindir

    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    pytest.importorskip("psycopg")
    try:
        server = PostgresServer().start()
    except RuntimeError as e:
        pytest.skip(f"cannot start a throwaway PostgreSQL server: {e}")
    yield server
    server.stop()
