"""`narrascope ingest --analyses`: analyses made already (analyze JSONL, Spark output) stored as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope.cli import main
from narrascope.errors import ConfigError
from narrascope.store import open_store
from narrascope.store.ingest import ingest_analyses

from tests.conftest import assert_spans_exact

# Our own articles, written for these tests.
ARTICLES = {
    "war.txt": (
        "Western elites are lying to you about the war\n\n"
        "Everyone knows the so-called experts have betrayed ordinary families. The government in Kyiv is a "
        "puppet of Washington, and the sanctions only hurt the people of Europe, who now pay double for "
        "heating. Wake up before it is too late: the globalists want this conflict to last forever, and the "
        "media hides the truth every single day.\n"
    ),
    "climate.txt": (
        "Climate scare is a hoax invented to tax you\n\n"
        "Scientists paid by green lobbies keep repeating the same apocalyptic lies. The climate has always "
        "changed, and renewable energy is destroying our industry while China builds coal plants. Only a "
        "fool would believe that a small tax on petrol will cool the planet. They are coming for your car, "
        "your steak and your freedom.\n"
    ),
    "library.txt": (
        "Town council opens new library branch\n\n"
        "The council opened a new library branch on Tuesday in the east of the town. The building has two "
        "reading rooms, a children's corner and a small cafe. Opening hours are from nine to six on "
        "weekdays, the librarian said.\n"
    ),
}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    """The CLI's own `analyze --format jsonl` output for ARTICLES (narratives + techniques)."""
    root = tmp_path_factory.mktemp("analysed")
    (root / "in").mkdir()
    for name, text in ARTICLES.items():
        (root / "in" / name).write_text(text, encoding="utf-8")
    out = root / "analyses.jsonl"
    r = invoke("analyze", root / "in", "-a", "narratives,techniques", "--format", "jsonl", "--output", out)
    assert r.exit_code == 0, r.output
    return out


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ingest_json(*args):
    r = invoke("ingest", *args, "--analyses", "--json", "-q")
    return r.exit_code, json.loads(r.stdout)


def test_stored_analyses_equal_the_jsonl_lines_with_exact_offsets(analysed, tmp_path):
    written = lines_of(analysed)
    assert len(written) == 3
    assert any(d["spans"] for d in written) and any(d["labels"].get("techniques") for d in written)
    db = tmp_path / "c.db"
    code, rep = ingest_json(analysed, "--db", db)
    assert code == 0
    assert (rep["added"], rep["skipped"], rep["failed"]) == (3, 0, 0)
    with open_store(db) as store:
        assert store.count_documents() == 3
        for d in written:
            got = store.get(d["document"]["id"])
            assert got["document"]["text"] == d["document"]["text"]
            assert got["labels"] == d["labels"]
            assert got["spans"] == d["spans"]
            from narrascope.analyzers import get_analyzer_class

            # techniques reads data.language (per-language span thresholds), so language runs too
            want = {n: get_analyzer_class(n).version for n in ("narratives", "language", "domain", "techniques")}
            assert got["versions"] == d["versions"] == want
            text = got["document"]["text"]
            for s in got["spans"]:
                assert text[s["start"] : s["end"]] == s["text"]
            assert_spans_exact(store.get_analysis(d["document"]["id"]))


def test_reingesting_adds_nothing(analysed, tmp_path):
    db = tmp_path / "c.db"
    assert ingest_json(analysed, "--db", db)[1]["added"] == 3
    code, rep = ingest_json(analysed, "--db", db)
    assert code == 0
    assert (rep["added"], rep["skipped"], rep["failed"], rep["sightings"]) == (0, 3, 0, 0)
    with open_store(db) as store:
        assert store.count_documents() == 3


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_is_stored(analysed, tmp_path):
    good = analysed.read_text(encoding="utf-8").splitlines()
    unknown = json.loads(good[1])
    unknown["schema_version"] = "9.9"
    moved = json.loads(good[0])
    moved["spans"][0]["start"] += 1  # offsets no longer match the span's text
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        "\n".join([
            good[0],
            '{"document": {"id": "x", "text": "cut in the mid',  # truncated line
            json.dumps(unknown),
            json.dumps({"text": "An article, not an analysis."}),
            json.dumps(moved),
            "",
            good[2],
        ]) + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    code, rep = ingest_json(bad, "--db", db)
    assert code == 0  # like the normal ingest: something was stored
    assert (rep["added"], rep["failed"]) == (2, 4)
    where = {f["where"]: f["message"] for f in rep["failures"]}
    assert set(where) == {f"{bad}:2", f"{bad}:3", f"{bad}:4", f"{bad}:5"}
    assert "not valid JSON" in where[f"{bad}:2"]
    assert "unknown schema_version '9.9'" in where[f"{bad}:3"]
    assert "without --analyses" in where[f"{bad}:4"]
    assert "spans[0]" in where[f"{bad}:5"] and "does not match its offsets" in where[f"{bad}:5"]
    with open_store(db) as store:
        assert store.count_documents() == 2
        assert store.get(json.loads(good[2])["document"]["id"])["labels"] == json.loads(good[2])["labels"]
    # the human summary: one line per failure, naming file:line
    r = invoke("ingest", bad, "--analyses", "--db", tmp_path / "d.db")
    lines = [ln for ln in r.stderr.splitlines() if f"{bad}:3:" in ln]
    assert len(lines) == 1 and "schema_version" in lines[0]
    r = invoke("ingest", bad, "--analyses", "--db", tmp_path / "d.db", "--strict")
    assert r.exit_code == 1


def test_nothing_usable_exits_non_zero_and_analyzer_options_are_refused(analysed, tmp_path):
    only_bad = tmp_path / "articles.jsonl"
    only_bad.write_text(json.dumps({"text": "An article."}) + "\n", encoding="utf-8")
    r = invoke("ingest", only_bad, "--analyses", "--db", tmp_path / "c.db")
    assert r.exit_code == 1 and f"{only_bad}:1:" in r.stderr
    r = invoke("ingest", tmp_path / "missing.jsonl", "--analyses", "--db", tmp_path / "c.db")
    assert r.exit_code == 1 and "no such file" in r.stderr
    r = CliRunner().invoke(main, ["ingest", str(analysed), "--analyses", "-a", "narratives", "--db", str(tmp_path / "c.db")])
    # a NarrascopeError: the entry point prints it as one line and exits 1
    assert isinstance(r.exception, ConfigError) and r.exception.where == "--analyses"


def write_spark_output(out: Path, lines: list[str], *, success: bool = True) -> None:
    """The documented layout of `narrascope spark analyze` output, written by hand (no Spark)."""
    out.mkdir()
    (out / "part-00000.jsonl").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    (out / "part-00001.jsonl").write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    failure = {"where": "in/broken.json:1", "message": "not valid JSON", "stage": "read", "id": None, "source": None}
    (out / "failures.jsonl").write_text(json.dumps(failure) + "\n", encoding="utf-8")
    (out / "_SUMMARY.json").write_text(json.dumps({"documents_ok": len(lines), "documents_failed": 1}), encoding="utf-8")
    if success:
        (out / "_SUCCESS").write_text("", encoding="utf-8")


def test_a_spark_output_directory_is_stored_and_an_unfinished_one_is_reported(analysed, tmp_path):
    lines = analysed.read_text(encoding="utf-8").splitlines()
    write_spark_output(tmp_path / "out", lines)
    write_spark_output(tmp_path / "half", lines, success=False)
    db = tmp_path / "c.db"
    code, rep = ingest_json(tmp_path / "out", tmp_path / "half", "--db", db)
    assert code == 0
    assert (rep["added"], rep["failed"]) == (3, 1)
    assert rep["failures"][0]["where"] == str(tmp_path / "half") and "_SUCCESS" in rep["failures"][0]["message"]
    with open_store(db) as store:
        for d in lines_of(analysed):
            got = store.get(d["document"]["id"])
            assert (got["labels"], got["spans"]) == (d["labels"], d["spans"])
        # the library call behind the CLI: idempotent too, and a bad part line names its part file
        with open(tmp_path / "out" / "part-00001.jsonl", "a", encoding="utf-8") as f:
            f.write('{"schema_version": "1.0"}\n')
        rep2 = ingest_analyses([str(tmp_path / "out")], store)
        assert (rep2.added, rep2.skipped) == (0, 3)
        assert [f.where for f in rep2.failures] == [f"{tmp_path / 'out' / 'part-00001.jsonl'}:2"]
