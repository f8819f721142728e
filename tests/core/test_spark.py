"""The Spark runner: same analyses as the single-process pipeline, failures kept, safe re-runs.

One real ``local[2]`` session for the module (skipped with the reason when pyspark or a Java 17
runtime is missing). The articles are our own text, written here.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from narrascope import Pipeline
from narrascope.analyzers import create_analyzer
from narrascope.analyzers.base import Analyzer
from narrascope.errors import ConfigError, NarrascopeError
from narrascope.formats import write_analyses
from narrascope.readers import ReadOptions, iter_documents

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[2]

ARTICLES = [
    ("Ministers meet in Vienna as grain deal wobbles",
     "Foreign ministers met in Vienna on Tuesday to save the grain corridor. \"We will not accept blackmail,\" "
     "the Turkish minister told reporters after the session.\n\nOfficials said 40 ships were waiting near "
     "Odesa, and that insurance costs had doubled since March."),
    ("The West is lying to you about the war",
     "Everyone knows that Kyiv is run by puppets of Washington. The so-called experts keep repeating the same "
     "lies, while ordinary Europeans freeze in their homes because of sanctions.\n\nOnly a fool would believe "
     "that NATO wants peace. It never did, and it never will."),
    ("Glaciers in the Alps lost a record share of ice",
     "Swiss researchers reported that glaciers lost 4 percent of their volume last year, the largest drop on "
     "record. The team measured 176 glaciers from the air and on foot.\n\n\"The heat of the summer did the "
     "damage,\" said the lead author, Maria Keller, at a press conference in Zurich."),
    ("Climate alarmists want to take your car",
     "The climate cult has a new target: your family car. Bureaucrats in Brussels, who fly to every summit "
     "in private jets, now say that petrol engines must go by 2035.\n\nThis is not about the planet. It is "
     "about control, and they will not stop until you own nothing."),
    ("Grid operator warns of winter shortages",
     "The national grid operator warned on Friday that reserves could fall below safe levels in January. "
     "A spokesman said imports from Norway would cover most of the gap.\n\nThe ministry said it had ordered "
     "two reserve plants to stay online until April."),
    ("Mayor promises new tram line",
     "The mayor promised on Sunday that a new tram line would open by 2028, connecting the airport with the "
     "old town. Opposition councillors called the plan a fantasy that the city cannot afford."),
]
RECORDS = [
    {"id": "rec-1", "title": "Parliament backs aid package", "source": "Example Wire", "published": "2024-03-02",
     "text": "Parliament approved a new aid package on Thursday by 312 votes to 98. The finance minister said the "
             "money would be paid in three tranches. Critics claimed it would bankrupt pensioners."},
    {"id": "rec-2", "title": "Drone attack hits refinery", "source": "Daily Example",
     "published": "2024-03-03T08:00:00Z",
     "text": "A drone attack set fire to a refinery overnight, the regional governor said. Nobody was hurt, "
             "according to the emergency services, and the fire was put out by morning."},
    {"id": "rec-3", "title": "Opinion: sanctions have failed", "source": "Example Review",
     "text": "Let us be honest: the sanctions have failed. Prices are up, factories are closing, and the people "
             "who made this policy will never pay for it. It is time to admit the mistake."},
]


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def articles(tmp_path_factory) -> Path:
    """A folder the readers understand: .txt articles (shared-task layout) and a JSONL file with bad lines."""
    root = tmp_path_factory.mktemp("spark-articles")
    folder = root / "articles"
    folder.mkdir()
    for i, (title, body) in enumerate(ARTICLES):
        (folder / f"EN_{i:03d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    lines = [json.dumps(RECORDS[0]), "{this is not json", json.dumps({"id": "rec-empty", "text": "   "})]
    lines += [json.dumps(r) for r in RECORDS[1:]]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'narrascope[spark]')")
    from narrascope.spark import SparkUnavailableError, find_java, local_session

    try:
        find_java()
    except SparkUnavailableError as e:
        pytest.skip(f"no usable Java runtime: {e}")
    with local_session("local[2]") as session:
        yield session


def _single_process(docs, analyzers=None, *, objects=False):
    failures = []
    pipe = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
    analyses = list(pipe.pipe(docs, on_failure=failures.append))
    return (analyses if objects else [a.to_dict() for a in analyses]), failures


def _spark_output(out: Path) -> list[dict]:
    from narrascope.spark import iter_output_dicts

    return list(iter_output_dicts(out))


# -- equality with the single-process pipeline --------------------------------------------------------


def test_spark_output_equals_single_process_pipe_for_the_same_documents(spark, articles, tmp_path):
    from narrascope.spark import analyze_to_directory

    out = tmp_path / "out"
    report = analyze_to_directory(spark, [str(articles)], out, partitions=3)  # default pipeline: every analyzer
    read_failures = []
    docs = list(iter_documents([str(articles)], ReadOptions(), on_failure=read_failures.append))
    analyses, failures = _single_process(docs, objects=True)
    expected = [a.to_dict() for a in analyses]
    got = _spark_output(out)
    assert len(expected) == len(ARTICLES) + len(RECORDS) and not failures
    # same documents in the same (input) order, and byte-for-byte the same analyses
    assert [d["document"]["id"] for d in got] == [d["document"]["id"] for d in expected]
    for g, e in zip(got, expected):
        assert g == e, g["document"]["id"]
    assert any(d["spans"] for d in got) and any(d["labels"] for d in got)
    assert (report.documents_ok, report.documents_failed, report.partitions) == (len(expected), 2, 3)
    # every line is exactly what `narrascope analyze --format jsonl` writes
    buf = io.StringIO()
    write_analyses(analyses, "jsonl", buf)
    assert "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("part-*.jsonl"))) == buf.getvalue()


def test_a_dataframe_with_article_columns_is_analysed_like_the_same_records(spark, tmp_path):
    from narrascope.spark import analyze_to_directory, iter_failures, row_to_document

    rows = [dict(r, published=r.get("published")) for r in RECORDS] + [
        {"id": "rec-blank", "title": None, "source": "Example Wire", "published": None, "text": "  "}
    ]
    df = spark.createDataFrame(rows, schema="id string, title string, source string, published string, text string")
    out = tmp_path / "df-out"
    analyzers = ["language", "claims", "narratives", "techniques"]
    report = analyze_to_directory(spark, df, out, analyzers=analyzers, partitions=2)
    docs = [row_to_document(r, r["id"], ReadOptions()) for r in rows[:-1]]
    expected, _ = _single_process(docs, analyzers)
    got = sorted(_spark_output(out), key=lambda d: d["document"]["id"])
    assert got == sorted(expected, key=lambda d: d["document"]["id"])
    assert got[0]["document"]["source"] == "Example Wire" and got[0]["document"]["published"] == "2024-03-02"
    (failure,) = iter_failures(out)
    assert failure["where"] == "rec-blank" and failure["stage"] == "read" and "no text" in failure["message"]
    assert (report.documents_ok, report.documents_failed) == (3, 1)


def test_spark_read_json_input_keeps_bad_lines_as_failures_naming_the_file(spark, articles, tmp_path):
    from narrascope.spark import analyze_to_directory, iter_failures, read_dataframe

    df = read_dataframe(spark, [articles / "wire.jsonl"], "json")
    report = analyze_to_directory(spark, df, tmp_path / "o", analyzers=["language"])
    assert sorted(d["document"]["id"] for d in _spark_output(tmp_path / "o")) == ["rec-1", "rec-2", "rec-3"]
    empty, malformed = sorted(iter_failures(tmp_path / "o"), key=lambda f: f["message"])
    assert empty["where"] == "rec-empty" and empty["message"].startswith("empty document")
    assert malformed["message"].startswith("malformed JSON record '{this is not json'")
    assert malformed["where"].startswith("file:") and "wire.jsonl (partition 0, row " in malformed["where"]
    assert (report.documents_ok, report.documents_failed) == (3, 2)


def test_parquet_input_is_read_by_spark_and_a_missing_path_is_one_line(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from narrascope.errors import InputError
    from narrascope.spark import analyze_to_directory, read_dataframe

    pq.write_table(pa.Table.from_pylist(RECORDS), tmp_path / "articles.parquet")
    df = read_dataframe(spark, [tmp_path / "articles.parquet"], "parquet")
    report = analyze_to_directory(spark, df, tmp_path / "o", analyzers=["language"])
    got = {d["document"]["id"]: d["document"] for d in _spark_output(tmp_path / "o")}
    assert sorted(got) == ["rec-1", "rec-2", "rec-3"] and report.documents_failed == 0
    assert got["rec-2"]["published"] == "2024-03-03T08:00:00Z" and got["rec-3"]["source"] == "Example Review"
    with pytest.raises(InputError, match=r"cannot read the input as parquet: \[PATH_NOT_FOUND\]") as e:
        read_dataframe(spark, [tmp_path / "missing.parquet"], "parquet")
    assert "\n" not in str(e.value)


def test_a_missing_text_column_is_refused_with_the_columns_found(spark, tmp_path):
    from narrascope.spark import analyze_to_directory

    df = spark.createDataFrame([{"id": "x", "body": "Some text."}])
    with pytest.raises(NarrascopeError, match="no 'text' column; columns: body, id"):
        analyze_to_directory(spark, df, tmp_path / "o", analyzers=["language"])
    assert not (tmp_path / "o").exists()


# -- failures -----------------------------------------------------------------------------------------


class ExplodingOnBoom(Analyzer):
    """Fails on documents whose text contains BOOM (a stand-in for an analyzer bug)."""

    name = "exploding"
    version = "1"
    description = "test analyzer"

    def analyze(self, doc, analysis):
        if "BOOM" in doc.text:
            raise RuntimeError("the analyzer broke on this one")
        self.stamp(analysis)


def exploding_pipeline() -> Pipeline:
    return Pipeline([create_analyzer("language"), ExplodingOnBoom()])


def test_a_bad_document_is_reported_with_its_id_and_source_and_the_rest_is_written(spark, articles, tmp_path):
    from pyspark import cloudpickle

    from narrascope.spark import analyze_to_directory, iter_failures

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests/
    folder = tmp_path / "in"
    folder.mkdir()
    recs = [dict(r) for r in RECORDS]
    recs[1]["text"] += " BOOM"
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    (folder / "b.jsonl").write_text('{"id": "ok-1", "text": "A quiet day in the harbour."}\n[1, 2]\n', encoding="utf-8")
    (folder / "c.txt").write_bytes(b"%PDF-1.7 binary")
    out = tmp_path / "out"
    report = analyze_to_directory(spark, [str(folder)], out, pipeline_factory=exploding_pipeline, partitions=2)
    assert sorted(d["document"]["id"] for d in _spark_output(out)) == ["ok-1", "rec-1", "rec-3"]
    failures = {f["where"]: f for f in iter_failures(out)}
    boom = failures[f"{folder / 'a.jsonl'}:2"]
    assert boom["id"] == "rec-2" and boom["source"] == "Daily Example" and boom["stage"] == "analyze"
    assert "RuntimeError: the analyzer broke on this one" in boom["message"]
    assert failures[f"{folder / 'b.jsonl'}:2"]["message"].startswith("expected a JSON object")
    assert "binary file" in failures[str(folder / "c.txt")]["message"]
    assert (report.documents_ok, report.documents_failed) == (3, 3)
    summary = json.loads((out / "_SUMMARY.json").read_text())
    assert summary["documents_ok"] == 3 and summary["documents_failed"] == 3 and summary["seconds"] > 0


# -- re-running into the same output ----------------------------------------------------------------


def test_an_existing_output_is_refused_unless_overwrite_and_replaced_whole(spark, articles, tmp_path):
    from narrascope.spark import analyze_to_directory

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(ConfigError, match="exists and is not empty.*--overwrite"):
        analyze_to_directory(spark, [str(articles / "EN_000.txt")], out, analyzers=["language"])
    assert (out / "keep.txt").read_text() == "precious"
    report = analyze_to_directory(spark, [str(articles / "EN_000.txt")], out, analyzers=["language"], overwrite=True)
    assert report.documents_ok == 1
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "_SUMMARY.json", "failures.jsonl", "part-00000.jsonl"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temp or old directories left behind


def test_a_task_that_dies_leaves_no_output_and_a_one_line_error(spark, articles, tmp_path):
    from narrascope.spark import analyze_to_directory

    def broken_pipeline():
        raise_later = Pipeline([create_analyzer("language")])

        def load():
            raise RuntimeError("model file is corrupt")

        raise_later.load = load
        return raise_later

    out = tmp_path / "out"
    with pytest.raises(NarrascopeError, match="the Spark job failed: RuntimeError: model file is corrupt"):
        analyze_to_directory(spark, [str(articles)], out, pipeline_factory=broken_pipeline)
    assert not out.exists() and list(tmp_path.iterdir()) == []


# -- the CLI ------------------------------------------------------------------------------------------


def _cli(*args, env=None, code=None, timeout=300):
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "narrascope", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def test_cli_spark_analyze_end_to_end_and_the_output_loads_into_the_store(spark, articles, tmp_path):
    out = tmp_path / "cli-out"
    r = _cli("spark", "analyze", str(articles), "--output", str(out), "-a", "language,claims",
             "--master", "local[1]", "--partitions", "2", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["documents_ok"] == len(ARTICLES) + len(RECORDS) and summary["documents_failed"] == 2
    assert "Traceback" not in r.stderr and "INFO" not in r.stderr
    assert "wire.jsonl:2: malformed JSON" in r.stderr
    assert len(list(out.glob("part-*.jsonl"))) == 2
    # the same command again is refused, in one line, before Spark starts
    again = _cli("spark", "analyze", str(articles), "--output", str(out), "-a", "language")
    assert again.returncode == 1 and again.stderr.strip().count("\n") == 0
    assert "exists and is not empty" in again.stderr and "--overwrite" in again.stderr
    # the output goes into the store through its ordinary add_analyses
    from narrascope.spark import iter_output
    from narrascope.store import open_store

    with open_store(str(tmp_path / "corpus.db")) as store:
        added = store.add_analyses(iter_output(out), versions=summary["versions"])
        assert added.added == summary["documents_ok"] and store.count_documents() == summary["documents_ok"]
        assert store.get("rec-1")["document"]["title"] == "Parliament backs aid package"


# -- missing pieces give one line saying what to install -----------------------------------------------


@pytest.mark.parametrize("java_home", ["/nonexistent/jdk", None])
def test_a_missing_java_is_one_line_naming_java_17(java_home, articles, tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    if java_home:
        env["JAVA_HOME"] = java_home
    else:
        env["PATH"] = str(tmp_path)  # no java anywhere on PATH
    r = _cli("spark", "analyze", str(articles), "--output", str(tmp_path / "o"), env=env)
    assert r.returncode == 1
    assert r.stderr.startswith("narrascope: error: spark: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Java 17" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_pyspark_is_one_line_naming_the_extra(articles, tmp_path):
    code = (
        "import sys; sys.modules['pyspark'] = None\n"  # import pyspark now fails, as when not installed
        "from narrascope.cli import run; run(sys.argv[1:])"
    )
    r = _cli("spark", "analyze", str(articles), "--output", str(tmp_path / "o"), code=code)
    assert r.returncode == 1
    assert r.stderr == "narrascope: error: spark: pyspark is not installed (pip install 'narrascope[spark]')\n"
