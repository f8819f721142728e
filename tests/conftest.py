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
    """Offsets are the truth: every span's text is what its offsets cover."""
    text = analysis.document.text
    d = analysis.to_dict()
    for s in d["spans"]:
        assert 0 <= s["start"] <= s["end"] <= len(text), s
        assert text[s["start"] : s["end"]] == s["text"], s
    for labels in d["labels"].values():
        for lab in labels:
            assert lab["evidence"], f"label {lab['label']} has no evidence span"
            for s in lab["evidence"]:
                assert text[s["start"] : s["end"]] == s["text"], s


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
