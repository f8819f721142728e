"""Fuzzing the readers, the CLI and the API with generated hostile input (issue 17).

Default run: a short profile (a few seconds). ``pytest -m slow tests/fuzz`` runs the long profile
(``NARRASCOPE_FUZZ_N`` reader inputs, default 3,000, and more API examples). ``bench/fuzz.py``
runs any number of reader inputs and prints the findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.api import create_app

from tests._live_server import live_server
from tests._web_corpus import language_pipeline
from .generate import FORMATS, make_case
from .oracle import run_case

SEED = 17
ROOT = Path(__file__).resolve().parents[2]


def _fuzz_readers(tmp_path: Path, n: int, seed: int, start: int = 0) -> None:
    bad = []
    for i in range(start, start + n):
        # hangs and runaway slowness only: timings on shared CI machines vary 10x
        v = run_case(make_case(seed, i), tmp_path, slow_seconds=45)
        if v.findings:
            bad.append(f"{v.case} {v.mutation}: {'; '.join(v.findings)}")
    assert not bad, f"{len(bad)} finding(s) in {n} inputs (replay: python bench/fuzz.py --replay SEED:INDEX):\n" + "\n".join(bad[:20])


def test_readers_short_profile(tmp_path):
    # every format, targeted and blind mutations; the same inputs every run
    _fuzz_readers(tmp_path, 3 * len(FORMATS), SEED)


@pytest.mark.slow
def test_readers_long_profile(tmp_path):
    n = int(os.environ.get("NARRASCOPE_FUZZ_N", "3000"))
    _fuzz_readers(tmp_path, n, SEED, start=1000)


# -- the CLI: a real process over a folder of generated files ----------------------------------------


def _fuzz_cli(tmp_path: Path, n: int, start: int) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(start, start + n):
        case = make_case(SEED, i)
        (folder / case.filename).write_bytes(case.data)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run(
        [sys.executable, "-m", "narrascope", "analyze", str(folder), "--analyzers", "language", "--format", "jsonl",
         "--output", str(out)],
        capture_output=True, text=True, errors="backslashreplace", timeout=600, env=env,
    )
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "could not be read (" not in r.stderr, r.stderr[-3000:]  # a reader bug caught by the safety net
    if r.returncode == 0:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert rows and all(r["document"]["text"] for r in rows)


def test_cli_short_profile(tmp_path):
    _fuzz_cli(tmp_path, 2 * len(FORMATS), start=500)


@pytest.mark.slow
def test_cli_long_profile(tmp_path):
    _fuzz_cli(tmp_path, 300, start=5000)


# -- the API: generated bodies never get a 500 ----------------------------------------------------------

TOKEN = "fuzz-token"

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "9" * 5000, "" , "2024-13-45", "<script>x</script>"]),
)
_json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["text", "title", "meta", "id", "url", "published",
                                                             "language", "source", "documents", "analyses",
                                                             "document", "labels", "spans", "x"]), inner, max_size=5)),
    max_leaves=12,
)
_raw_tails = st.sampled_from([b"", b"\xff", b"\xed\xa0\x80", b"[" * 3000, b"9" * 5000, b"}", b'"\\ud800"', b"\x00"])


@st.composite
def _bodies(draw) -> bytes:
    value = draw(_json_values)
    if draw(st.booleans()) and isinstance(value, dict):
        value.setdefault("text", draw(st.text(min_size=1, max_size=60)))
    body = json.dumps(value, ensure_ascii=True).encode()
    how = draw(st.sampled_from(["as is", "as is", "append", "cut", "wrap-deep", "huge-int"]))
    if how == "append":
        body += draw(_raw_tails)
    elif how == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    elif how == "wrap-deep":
        depth = draw(st.sampled_from([65, 900, 5000]))
        body = b'{"text": "x", "meta": ' + b"[" * depth + body + b"]" * depth + b"}"
    elif how == "huge-int":
        body = body.replace(b"0", b"1" * 4400, 1)
    return body


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    app = create_app(str(tmp_path_factory.mktemp("fuzz") / "c.db"), token=TOKEN, pipeline=language_pipeline(),
                     max_chars=20_000)
    with live_server(app) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def _post_everywhere(api, body: bytes) -> None:
    for path, headers in (("/analyze", {"Content-Type": "application/json"}),
                          ("/analyze", {"Content-Type": "text/plain"}),
                          ("/documents", {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})):
        r = api.post(path, content=body, headers=headers)
        assert r.status_code != 500 and r.status_code < 500, (path, body[:200], r.text[:300])
        if r.status_code >= 400:
            err = r.json()["error"]
            assert set(err) == {"code", "message", "where", "hint"}
        else:
            json.loads(r.content.decode("utf-8"))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=_bodies())
def test_api_short_profile(api, body):
    _post_everywhere(api, body)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(body=_bodies())
def test_api_long_profile(api, body):
    _post_everywhere(api, body)
