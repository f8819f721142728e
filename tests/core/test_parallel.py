"""`--jobs N`: worker processes give the same output, in the same order, as one process."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope.cli import main
from narrascope.errors import ConfigError
from narrascope.parallel import ProcessPipeline, check_jobs
from narrascope.pipeline import Pipeline
from narrascope.run import analyze_sources
from narrascope.store import open_store
from narrascope.store.ingest import ingest_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANALYZERS = "entities,quotes,narratives"  # spaCy + rules + a hashed model: the three kinds of work


def corpus(tmp_path: Path) -> Path:
    """Articles, bad files between them (read failures) and a text no analyzer can fail on."""
    d = tmp_path / "in"
    d.mkdir()
    for i, f in enumerate(sorted((FIXTURES / "entities" / "docs").glob("*.txt"))
                          + sorted((FIXTURES / "narratives" / "articles").glob("*.txt"))):
        shutil.copy(f, d / f"{i:02d}-{f.name}")
    (d / "03-empty.txt").write_text("  \n", encoding="utf-8")
    (d / "07-binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (d / "99-empty.txt").write_text("", encoding="utf-8")
    return d


def run(folder: Path, jobs: int) -> tuple[str, list[dict]]:
    out = io.StringIO()
    pipe = Pipeline.from_config({"analyzers": ANALYZERS})
    report = analyze_sources([str(folder)], out=out, fmt="jsonl", pipeline=pipe, batch_size=2, jobs=jobs)
    return out.getvalue(), [f.to_dict() for f in report.failures]


def test_analyze_with_two_workers_writes_exactly_what_one_process_writes(tmp_path):
    folder = corpus(tmp_path)
    one, fail_one = run(folder, 1)
    two, fail_two = run(folder, 2)
    assert len(one.splitlines()) >= 6 and len(fail_one) == 3
    assert two == one  # same analyses, same order, byte for byte
    assert fail_two == fail_one  # same failures, same order


def test_cli_jobs_option_and_ingest_with_workers_store_the_same_analyses(tmp_path):
    folder = corpus(tmp_path)
    r = CliRunner().invoke(main, ["analyze", str(folder), "-a", "quotes", "--format", "jsonl", "-q", "--jobs", "2"])
    assert r.exit_code == 0, r.output
    assert len([json.loads(line) for line in r.output.splitlines()]) == len(list(folder.glob("*.txt"))) - 3
    stores = []
    for jobs in (1, 2):
        db = tmp_path / f"c{jobs}.db"
        with open_store(str(db)) as s:
            rep = ingest_sources([str(folder)], s, pipeline=Pipeline.from_config({"analyzers": ANALYZERS}),
                                 batch_size=3, jobs=jobs)
            assert rep.added == len(list(folder.glob("*.txt"))) - 3 and len(rep.failures) == 3
            rows, _ = s.list_documents(limit=100)
            ids = sorted(d["id"] for d in rows)
            stores.append({i: s.get_analysis(i).to_dict() for i in ids})
    assert stores[0] == stores[1]


def test_jobs_must_be_a_whole_number_and_workers_need_an_unloaded_pipeline():
    assert check_jobs(3) == 3 and check_jobs(0) >= 1
    with pytest.raises(ConfigError, match="--jobs"):
        check_jobs(-1)
    pipe = Pipeline.from_config({"analyzers": "language"}).load()
    with pytest.raises(ConfigError, match="unloaded"):
        ProcessPipeline(pipe, 2)
    r = CliRunner().invoke(main, ["analyze", "x.txt", "--jobs", "-2"])
    assert r.exit_code != 0 and "--jobs" in r.output


def test_workers_keep_numerical_libraries_to_one_thread_unless_the_user_chose(monkeypatch):
    import os

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with ProcessPipeline(Pipeline.from_config({"analyzers": "language"}), 1) as workers:
        pool = workers.load()._pool
        seen = pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result(), pool.submit(os.getenv, "OMP_NUM_THREADS").result()
    assert seen == ("1", "3")
    assert os.environ.get("OPENBLAS_NUM_THREADS") is None  # the parent's environment is left alone


def test_a_batch_is_cut_into_about_two_consecutive_chunks_per_worker():
    from narrascope.parallel import split_batch

    batch = list(range(16))
    assert split_batch(batch, 1) == [batch]
    chunks = split_batch(batch, 2)
    assert [len(c) for c in chunks] == [4, 4, 4, 4] and sum(chunks, []) == batch
    assert sum(split_batch(list(range(7)), 2), []) == list(range(7))
    assert split_batch([1], 4) == [[1]]


def test_workers_with_larger_batches_still_write_what_one_process_writes(tmp_path):
    folder = corpus(tmp_path)
    out = {}
    for jobs in (1, 2):
        buf = io.StringIO()
        report = analyze_sources([str(folder)], out=buf, fmt="jsonl", pipeline=Pipeline.from_config({"analyzers": "quotes"}),
                                 batch_size=5, jobs=jobs)
        out[jobs] = (buf.getvalue(), [f.to_dict() for f in report.failures])
    assert out[2] == out[1]


def test_one_process_runs_its_numerical_libraries_on_one_thread_and_restores_them(monkeypatch):
    from threadpoolctl import threadpool_info

    from narrascope.parallel import THREAD_VARIABLES, one_thread

    for v in THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    import numpy  # noqa: F401 - its BLAS is what the limit applies to

    before = [p["num_threads"] for p in threadpool_info()]
    with one_thread():
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_a_thread_count_the_user_chose_is_left_alone(monkeypatch):
    from threadpoolctl import threadpool_info

    from narrascope.parallel import one_thread

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    before = [p["num_threads"] for p in threadpool_info()]
    with one_thread():
        assert [p["num_threads"] for p in threadpool_info()] == before
