"""`narrascope analyze` on every bad input of issue 2, as a user runs it (a subprocess).

For each bad input, next to a good article: exit status 0, the good article on stdout, one stderr
line naming the bad file (and line/record) with what to do, no traceback. The bad input alone:
exit status 1. ``--strict``: exit status 1 as soon as anything failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readers.readers_helpers import FIX, html_page, write_warc

GOOD = FIX / "article.txt"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "narrascope", "analyze", "--format", "jsonl", "--analyzers", "language", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
    )


def _missing(tmp: Path) -> tuple[str, str, str]:
    p = tmp / "missing.txt"
    return str(p), str(p), "no such file or directory"


def _no_readable_files(tmp: Path):
    d = tmp / "scans"
    d.mkdir()
    (d / "page1.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return str(d), str(d), "directory has no readable files"


def _binary(tmp: Path):
    p = tmp / "report.txt"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    return str(p), str(p), "this is a binary file, not text"


def _undecodable(tmp: Path):
    import random

    rng = random.Random(3)
    p = tmp / "garbled.txt"
    p.write_bytes(bytes(rng.randrange(128, 256) for _ in range(2000)))
    return str(p), str(p), "text encoding could not be recognised"


def _empty(tmp: Path):
    p = tmp / "empty.txt"
    p.write_bytes(b"")
    return str(p), str(p), "the document has no text"


def _malformed_json_line(tmp: Path):
    p = tmp / "feed.jsonl"
    p.write_text('{"id": "j-good", "text": "A good record in the same file."}\n{"id": "j-bad", "text": \n')
    return str(p), f"{p}:2", "malformed JSON"


def _csv_without_text(tmp: Path):
    return str(FIX / "no-text-column.csv"), str(FIX / "no-text-column.csv"), "no 'text' column; columns found: 'id', 'headline', 'content'"


def _truncated_warc(tmp: Path):
    full = tmp / "full.warc.gz"
    recs = [{"uri": f"https://x.example/{i}", "body": html_page(f"Story {i}", [f"Body of story {i} with enough words."] * 3).encode()}
            for i in range(4)]
    write_warc(full, recs, gzip=True)
    data = full.read_bytes()
    p = tmp / "cut.warc.gz"
    p.write_bytes(data[: int(len(data) * 0.6)])
    return str(p), f"{p} record ", "the archive is truncated or corrupt at record"


def _feed_not_xml(tmp: Path):
    return str(FIX / "not-a-feed.xml"), str(FIX / "not-a-feed.xml"), "not an RSS or Atom feed"


def _oversized(tmp: Path):
    p = tmp / "huge.txt"
    p.write_text("Words and more words. " * 5000)
    return str(p), str(p), "over the 50,000-byte limit"


CASES = {
    "missing-file": _missing,
    "directory-without-readable-files": _no_readable_files,
    "binary-file": _binary,
    "undecodable-encoding": _undecodable,
    "empty-document": _empty,
    "malformed-json-line": _malformed_json_line,
    "csv-without-text-column": _csv_without_text,
    "truncated-warc": _truncated_warc,
    "feed-not-xml": _feed_not_xml,
    "oversized-input": _oversized,
}
EXTRA = ["--max-bytes", "50000"]


def _ids(stdout: str) -> list[str]:
    return [json.loads(line)["document"]["id"] for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_next_to_a_good_one_is_reported_in_one_line_and_skipped(tmp_path, case):
    source, where, message = CASES[case](tmp_path)
    res = run(*EXTRA, str(GOOD), source)
    assert "Traceback" not in res.stderr
    assert res.returncode == 0, res.stderr
    ids = _ids(res.stdout)
    assert ids[0] == "article"  # the good article is in the output
    named = [line for line in res.stderr.splitlines() if where in line]
    assert len(named) == 1, res.stderr
    assert named[0].strip().startswith(where) and message in named[0]
    if case == "malformed-json-line":
        assert ids == ["article", "j-good"]  # the good record of the same file is kept
    else:
        assert ids == ["article"] or case == "truncated-warc"


@pytest.mark.parametrize("case", [c for c in CASES if c != "malformed-json-line"])
def test_bad_input_alone_exits_non_zero_without_traceback(tmp_path, case):
    source, where, message = CASES[case](tmp_path)
    res = run(*EXTRA, source)
    assert "Traceback" not in res.stderr
    if case == "truncated-warc":
        assert res.returncode == 0  # the records before the damage were processed
        assert _ids(res.stdout)
    else:
        assert res.returncode == 1
        assert res.stdout == ""
    assert any(where in line and message in line for line in res.stderr.splitlines())


def test_strict_exits_non_zero_when_any_input_failed_but_still_writes_the_good_ones(tmp_path):
    sources = [CASES[c](tmp_path)[0] for c in ("binary-file", "malformed-json-line", "feed-not-xml")]
    res = run(*EXTRA, "--strict", str(GOOD), *sources)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert _ids(res.stdout) == ["article", "j-good"]
    assert res.stderr.splitlines()[0] == "3 of 5 document(s) could not be processed:"


def test_decodable_wrong_encoding_is_processed_without_complaint():
    res = run(str(GOOD), str(FIX / "cp1251.txt"), str(FIX / "latin1.txt"))
    assert res.returncode == 0 and res.stderr == ""
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [d["document"]["id"] for d in lines] == ["article", "cp1251", "latin1"]
    assert lines[1]["document"]["title"] == "Городской совет утвердил новый тариф на воду"


def test_every_reader_format_through_the_cli(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, [{"uri": "https://x.example/a", "body": html_page("Archived story", ["An archived story body."] * 2).encode()}], gzip=True)
    sources = [FIX / "article.txt", FIX / "articles.json", FIX / "articles.tsv", FIX / "page.html", FIX / "feed-atom.xml", warc]
    res = run(*map(str, sources))
    assert res.returncode == 0 and res.stderr == "", res.stderr
    docs = [json.loads(x)["document"] for x in res.stdout.splitlines()]
    assert len(docs) == 1 + 2 + 1 + 1 + 2 + 1
    for d in docs:
        for s, e in d["sentences"]:
            assert 0 <= s < e <= len(d["text"])


def test_url_refusal_through_the_cli_names_the_flag():
    res = run("http://127.0.0.1:9/article")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    (line,) = [x for x in res.stderr.splitlines() if "127.0.0.1" in x]
    assert "loopback address" in line and "--allow-private-network" in line
