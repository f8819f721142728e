"""The CLI as a user runs it: a real subprocess, stdout for results only, errors as one line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import click
import pytest

from narrascope import __version__
from narrascope.cli import main

from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "peace-talks.txt")


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "narrascope", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_version_prints_the_package_version():
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout


def test_analyze_the_shipped_example_writes_json_to_stdout_only():
    r = run("analyze", EXAMPLE, "--analyzers", "language")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["failures"] == []
    (a,) = out["analyses"]
    assert a["document"]["id"] == "peace-talks"
    assert a["document"]["title"].startswith("Moscow Offers Peace")
    assert a["data"]["language"]["language"] == "en"
    assert r.stderr == ""


def test_jsonl_and_csv_formats(tmp_path):
    r = run("analyze", EXAMPLE, EXAMPLE, "--analyzers", "language", "--format", "jsonl")
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["schema_version"] for line in lines)
    r = run("analyze", EXAMPLE, "--analyzers", "language", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[0]["id"] == "peace-talks" and rows[0]["language"] == "en"


def test_output_file_is_written_atomically_and_stdout_stays_empty(tmp_path):
    out = tmp_path / "sub" / "result.json"
    r = run("analyze", EXAMPLE, "--analyzers", "language", "--output", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["analyses"]
    assert not list(out.parent.glob("*.partial"))


def test_missing_source_is_one_line_without_traceback_and_exit_1(tmp_path):
    r = run("analyze", str(tmp_path / "nope.txt"), "--analyzers", "language")
    assert r.returncode == 1
    assert "nope.txt" in r.stderr and "no such file" in r.stderr
    assert "Traceback" not in r.stderr


def test_strict_fails_when_any_document_fails_and_default_does_not(tmp_path):
    r = run("analyze", EXAMPLE, str(tmp_path / "missing.txt"), "--analyzers", "language", "--format", "jsonl")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1
    assert "1 of 2 document(s) could not be processed" in r.stderr
    r = run("analyze", EXAMPLE, str(tmp_path / "missing.txt"), "--analyzers", "language", "--strict")
    assert r.returncode == 1


def test_unknown_analyzer_is_a_user_error():
    r = run("analyze", EXAMPLE, "--analyzers", "nope")
    assert r.returncode == 1 and "unknown analyzer 'nope'" in r.stderr and "Traceback" not in r.stderr


def _all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _all_commands(main)], ids=" ".join)
def test_every_command_has_help(path):
    from click.testing import CliRunner

    r = CliRunner().invoke(main, [*path, "--help"])
    assert r.exit_code == 0 and "Usage:" in r.output
    cmd = dict(_all_commands(main))[path]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
