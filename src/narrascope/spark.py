"""Spark runner: the same :meth:`Pipeline.pipe` over archives that outgrow one machine.

::

    from narrascope.spark import analyze_to_directory, local_session

    with local_session("local[2]") as spark:
        report = analyze_to_directory(spark, ["archive/"], "out/", analyzers=["narratives", "techniques"])
    print(report.summary())

Input is either sources the readers understand (files, folders, globs, URLs; expanded on the
driver, one file is read whole by one task) or a Spark DataFrame with an article per row (columns
named as in :class:`~narrascope.readers.ReadOptions`: ``text``, ``title``, ``id``, ``url``,
``source``, ``published``, ``language``; only ``text`` is required).

Every partition builds the pipeline lazily, once per Python worker (a module-level cache, kept
across tasks because Spark reuses Python workers), runs :meth:`Pipeline.pipe` and writes its own
part files with the one serialiser the CLI uses (:func:`narrascope.formats.write_analyses`, jsonl):

``OUT/part-00000.jsonl ...``
    one analysis per line, exactly what ``narrascope analyze --format jsonl`` writes; the part
    files in order hold the documents in input order;
``OUT/failures.jsonl``
    one error record per document that could not be read or analysed:
    ``{"where", "message", "stage", "id", "source"}`` (``id``/``source`` are null when the
    document never got that far, e.g. a malformed JSON line);
``OUT/_SUMMARY.json``
    documents ok / failed, seconds, partitions, analyzers and their versions;
``OUT/_SUCCESS``
    written last.

Re-running is safe: an existing non-empty ``OUT`` is refused unless ``overwrite=True``, and the
run always writes into a temporary sibling directory that is renamed to ``OUT`` only when the job
succeeded, so ``OUT`` is never half-written (a failed run leaves the previous ``OUT`` untouched).
Executors write the part files themselves, so ``OUT`` (and file inputs) must be on a file system
that the driver and every executor see: a local path in ``local[N]`` mode, a shared mount on a
cluster.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .document import Analysis, Document
from .errors import ConfigError, InputError, NarrascopeError
from .pipeline import Failure, Pipeline, _where
from .readers import ReadOptions
from .spark_output import (  # noqa: F401 - the output format, shared with the store (importable from here)
    FAILURES_FILE, PART_GLOB, SUCCESS_FILE, SUMMARY_FILE, iter_failures, iter_output, iter_output_dicts, output_parts,
)

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'narrascope[spark]'"
JAVA_HINT = (
    "install a Java 17 (or newer) runtime, e.g. apt-get install openjdk-17-jre-headless, "
    "and put it on PATH or set JAVA_HOME"
)
MIN_JAVA = 17
SOURCE_FILE_COLUMN = "_narrascope_file"  # optional DataFrame column naming the file a row came from
_EXAMPLES = 20  # failures kept in the report (all of them are in failures.jsonl)


class SparkUnavailableError(NarrascopeError):
    """pyspark or a Java runtime is missing, or Spark could not start."""

    code = "spark_unavailable"


# -- environment checks ------------------------------------------------------------------------


def require_pyspark():
    """Import pyspark or raise a one-line error saying what to install."""
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailableError("pyspark is not installed", where="spark", hint=INSTALL_HINT) from None
    return pyspark


def find_java() -> tuple[str, int]:
    """The java executable Spark will start (``$JAVA_HOME/bin/java``, else ``java`` on PATH) and its major version."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        if not os.access(java, os.X_OK):
            raise SparkUnavailableError(
                f"JAVA_HOME is {home!r} but it has no bin/java", where="spark", hint=JAVA_HINT + " (or unset JAVA_HOME)"
            )
    else:
        found = shutil.which("java")
        if not found:
            raise SparkUnavailableError("Spark needs a Java runtime and none was found", where="spark", hint=JAVA_HINT)
        java = found
    try:
        r = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SparkUnavailableError(f"cannot run {java} -version ({e})", where="spark", hint=JAVA_HINT) from None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', r.stderr + r.stdout)
    if not m:
        raise SparkUnavailableError(f"cannot tell the version of {java}", where="spark", hint=JAVA_HINT)
    major = int(m.group(1))
    if major == 1 and m.group(2):  # "1.8.0_392" is Java 8
        major = int(m.group(2))
    if major < MIN_JAVA:
        raise SparkUnavailableError(
            f"Spark 4 needs Java {MIN_JAVA} or newer, found Java {major} at {java}", where="spark", hint=JAVA_HINT
        )
    return java, major


_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
logger.nativeloader.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativeloader.level = error
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = warn
logger.tasks.name = org.apache.spark.scheduler.TaskSetManager
logger.tasks.level = error
"""


@contextmanager
def local_session(
    master: str = "local[*]",
    *,
    app_name: str = "narrascope",
    conf: dict[str, str] | None = None,
    log_level: str = "WARN",
) -> Iterator[Any]:
    """A quiet SparkSession whose scratch lives in a temporary directory, stopped and cleaned on exit.

    - ``SPARK_LOCAL_DIRS`` (shuffle/spill scratch), the SQL warehouse and Spark's log4j2 config go to
      one temporary directory (removed afterwards) unless the caller set them;
    - the Python workers run this interpreter (``PYSPARK_PYTHON``) unless set, so they import the
      same installed narrascope and its models;
    - log level ``WARN``, no web UI, no console progress bar.

    Raises :class:`SparkUnavailableError` (one line, what to install) when pyspark or Java is missing.
    """
    require_pyspark()
    find_java()
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        raise ConfigError("a SparkSession is already active in this process", where="spark",
                          hint="pass it to analyze_to_directory instead of starting another one")
    scratch = tempfile.mkdtemp(prefix="narrascope-spark-")
    saved = {k: os.environ.get(k) for k in ("SPARK_LOCAL_DIRS", "SPARK_CONF_DIR", "PYSPARK_PYTHON", "SPARK_LOCAL_IP")}
    os.environ.setdefault("SPARK_LOCAL_DIRS", os.path.join(scratch, "local"))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no "hostname resolves to loopback" warning
    if "SPARK_CONF_DIR" not in os.environ:
        conf_dir = os.path.join(scratch, "conf")
        os.makedirs(conf_dir)
        Path(conf_dir, "log4j2.properties").write_text(_LOG4J2, encoding="utf-8")
        os.environ["SPARK_CONF_DIR"] = conf_dir
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={scratch}")
        .config("spark.executor.extraJavaOptions", f"-Djava.io.tmpdir={scratch}")
    )
    for k, v in (conf or {}).items():
        builder = builder.config(k, v)
    session = None
    try:
        try:
            session = builder.getOrCreate()
        except Exception as e:  # noqa: BLE001 - the JVM could not start: say so in one line
            raise SparkUnavailableError(
                f"Spark could not start ({type(e).__name__}: {_first_line(str(e))})", where="spark", hint=JAVA_HINT
            ) from None
        session.sparkContext.setLogLevel(log_level)
        yield session
    finally:
        if session is not None:
            session.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(scratch, ignore_errors=True)


# -- the report ----------------------------------------------------------------------------------


@dataclass
class SparkReport:
    """What :func:`analyze_to_directory` did. ``failures`` holds the first few error records."""

    output: str
    documents_ok: int = 0
    documents_failed: int = 0
    seconds: float = 0.0
    partitions: int = 0
    analyzers: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.documents_ok > 0 or self.documents_failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "documents_ok": self.documents_ok,
            "documents_failed": self.documents_failed,
            "seconds": round(self.seconds, 3),
            "partitions": self.partitions,
            "analyzers": self.analyzers,
            "versions": self.versions,
            "failures_file": FAILURES_FILE,
        }

    def summary(self) -> str:
        lines = [
            f"{self.output}: {self.documents_ok} document(s) analysed, {self.documents_failed} failed, "
            f"{self.partitions} partition(s), {self.seconds:.1f} s"
        ]
        lines += [f"  {f['where']}: {f['message']}" for f in self.failures]
        if self.documents_failed > len(self.failures):
            lines.append(f"  ... {self.documents_failed - len(self.failures)} more in {FAILURES_FILE}")
        return "\n".join(lines)


# -- what every task runs -------------------------------------------------------------------------


@dataclass
class _Job:
    """Everything a task needs, shipped to the executors (small and picklable)."""

    key: str
    tmp_dir: str
    kind: str  # "sources" | "rows"
    config: dict[str, Any] | None
    factory: Callable[[], Pipeline] | None
    read_options: ReadOptions
    batch_size: int


_PIPELINES: "OrderedDict[str, Pipeline]" = OrderedDict()
_MAX_PIPELINES = 2


def _pipeline_for(job: _Job) -> Pipeline:
    """This worker's pipeline for the job: built and loaded once, reused by the next tasks."""
    p = _PIPELINES.get(job.key)
    if p is None:
        p = job.factory() if job.factory is not None else Pipeline.from_config(job.config)
        p.load()
        _PIPELINES[job.key] = p
        while len(_PIPELINES) > _MAX_PIPELINES:
            _PIPELINES.popitem(last=False)
    else:
        _PIPELINES.move_to_end(job.key)
    return p


def row_to_document(record: dict[str, Any], where: str, options: ReadOptions) -> Document:
    """A DataFrame row (as a dict) to a Document, exactly as a JSON record is read."""
    from .readers.tabular import record_to_document

    return record_to_document(record, where, options)


def _row_where(record: dict[str, Any], options: ReadOptions, index: int, i: int) -> str:
    from .readers.tabular import _get

    for f in (options.id_field, options.url_field):
        v = _get(record, f)
        if v not in (None, ""):
            return str(v)
    source_file = record.get(SOURCE_FILE_COLUMN)
    return f"{source_file or 'DataFrame'} (partition {index}, row {i})"


def _rows_to_documents(
    rows: Iterable[Any], job: _Job, index: int, on_failure: Callable[[Failure], None]
) -> Iterator[Document]:
    for i, row in enumerate(rows, 1):
        record = row.asDict(recursive=True) if hasattr(row, "asDict") else dict(row)
        where = _row_where(record, job.read_options, index, i)
        corrupt = record.get("_corrupt_record")
        if corrupt is not None:
            message = f"malformed JSON record {str(corrupt)[:80]!r}; fix or remove it"
            on_failure(Failure(where=where, message=message, stage="read"))
            continue
        try:
            yield row_to_document(record, where, job.read_options)
        except InputError as e:
            message = e.message + (f" ({e.hint})" if e.hint else "")
            on_failure(Failure(where=e.where or where, message=message, stage="read"))


def _run_partition(job: _Job, index: int, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Read -> Pipeline.pipe -> part files; yields one small summary for the driver."""
    from .formats import write_analyses
    from .readers import iter_documents

    t0 = time.perf_counter()
    attempt = _attempt()
    part = f"part-{index:05d}"
    final = os.path.join(job.tmp_dir, f"{part}.jsonl")
    final_fail = os.path.join(job.tmp_dir, "_failures", f"{part}.jsonl")
    tmp = f"{final}.attempt-{attempt}"
    tmp_fail = f"{final_fail}.attempt-{attempt}"
    pending: dict[str, Document] = {}  # documents in flight, to name id/source in a failure
    n_failed = 0
    examples: list[dict[str, Any]] = []
    pipeline = _pipeline_for(job)
    with open(tmp, "w", encoding="utf-8", newline="") as out, open(tmp_fail, "w", encoding="utf-8", newline="") as fout:

        def on_failure(f: Failure) -> None:
            nonlocal n_failed
            doc = pending.pop(f.where, None)
            record = {**f.to_dict(), "id": doc.id if doc else None, "source": doc.source if doc else None}
            fout.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_failed += 1
            if len(examples) < _EXAMPLES:
                examples.append(record)

        if job.kind == "sources":
            docs = iter_documents([str(s) for s in items], job.read_options, on_failure=on_failure)
        else:
            docs = _rows_to_documents(items, job, index, on_failure)

        def tracked(stream: Iterable[Document]) -> Iterator[Document]:
            for d in stream:
                pending[_where(d)] = d
                yield d

        def done(analyses: Iterable[Analysis]) -> Iterator[Analysis]:
            for a in analyses:
                pending.pop(_where(a.document), None)
                yield a

        analyses = pipeline.pipe(tracked(docs), batch_size=job.batch_size, on_failure=on_failure)
        n_ok = write_analyses(done(analyses), "jsonl", out)
    os.replace(tmp, final)
    os.replace(tmp_fail, final_fail)
    yield {
        "partition": index,
        "ok": n_ok,
        "failed": n_failed,
        "seconds": time.perf_counter() - t0,
        "failures": examples,
        "pid": os.getpid(),
    }


def _attempt() -> str:
    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        if ctx is not None:
            return f"{ctx.stageId()}-{ctx.attemptNumber()}-{ctx.taskAttemptId()}"
    except ImportError:  # pragma: no cover - only runs inside Spark
        pass
    return uuid.uuid4().hex


# -- the driver ----------------------------------------------------------------------------------

SPARK_FORMATS = ("json", "parquet", "csv")


def read_dataframe(spark: Any, paths: Sequence[str | Path], fmt: str) -> Any:
    """Read ``paths`` with Spark's own reader (JSON Lines, Parquet, CSV with a header) into a DataFrame.

    Spark splits big files across tasks. Each row also gets the file it came from, so that
    failures can name it; malformed JSON lines become failures, not a failed job.
    """
    if fmt not in SPARK_FORMATS:
        raise ConfigError(f"Spark input format must be one of {', '.join(SPARK_FORMATS)}, got {fmt!r}")
    from pyspark.sql.functions import input_file_name

    paths = [str(p) for p in paths]
    reader = spark.read
    if fmt == "csv":
        reader = reader.option("header", "true").option("multiLine", "true").option("escape", '"')
    try:
        df = reader.parquet(*paths) if fmt == "parquet" else getattr(reader, fmt)(paths)
    except Exception as e:  # noqa: BLE001 - Spark's AnalysisException / Py4JJavaError: missing path, bad file
        raise InputError(f"Spark cannot read the input as {fmt}: {spark_message(e)}", where=" ".join(paths)) from None
    return df.withColumn(SOURCE_FILE_COLUMN, input_file_name())



def _is_dataframe(obj: Any) -> bool:
    return hasattr(obj, "rdd") and hasattr(obj, "columns") and hasattr(obj, "select")


def prepare_output(output: str | Path, *, overwrite: bool) -> Path:
    """Check ``output`` may be written; refuse an existing non-empty one unless ``overwrite``."""
    out = Path(output)
    if "://" in str(output):
        raise ConfigError(
            "the output must be a directory on a file system the driver and executors share",
            where=str(output), hint="give a local or mounted path",
        )
    if out.exists():
        if not out.is_dir():
            raise ConfigError("output exists and is not a directory", where=str(out), hint="choose a directory name")
        if any(out.iterdir()) and not overwrite:
            raise ConfigError(
                "output directory exists and is not empty", where=str(out),
                hint="choose a new directory, or replace it with --overwrite",
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def analyze_to_directory(
    spark: Any,
    inputs: Sequence[str | Path] | Any,
    output: str | Path,
    *,
    analyzers: Sequence[str] | str | None = None,
    config: dict[str, Any] | None = None,
    pipeline_factory: Callable[[], Pipeline] | None = None,
    read_options: ReadOptions | None = None,
    partitions: int | None = None,
    overwrite: bool = False,
    batch_size: int = 16,
) -> SparkReport:
    """Analyze ``inputs`` on ``spark`` with :meth:`Pipeline.pipe` and write ``output`` (see module doc).

    ``inputs``: sources (files, folders, globs, URLs; expanded here, on the driver) or a DataFrame.
    The pipeline is ``analyzers`` (names), or ``config`` (``{"analyzers", "options"}``, as
    ``--pipeline`` files), or ``pipeline_factory`` (a picklable function returning an unloaded
    :class:`Pipeline`, for analyzers outside the registry); default: every registered analyzer.
    ``partitions``: tasks (default: one per file up to 4 x the cores; a DataFrame keeps its own
    partitioning). Bad documents are written to ``failures.jsonl`` and the job goes on.
    """
    require_pyspark()
    if sum(x is not None for x in (analyzers, config, pipeline_factory)) > 1:
        raise ConfigError("give one of analyzers, config or pipeline_factory")
    if partitions is not None and partitions < 1:
        raise ConfigError(f"partitions must be at least 1, got {partitions}", where="--partitions")
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}", where="--batch-size")
    if analyzers is not None:
        config = {"analyzers": analyzers}
    # build (not load) the pipeline here: a bad name or option fails before Spark does any work
    template = pipeline_factory() if pipeline_factory is not None else Pipeline.from_config(config)
    if config is not None:
        config = {"analyzers": template.names, "options": dict(config.get("options") or {})}
    key = json.dumps(config, sort_keys=True) if pipeline_factory is None else f"factory-{uuid.uuid4().hex}"
    out = prepare_output(output, overwrite=overwrite)
    read_options = read_options or ReadOptions()
    sc = spark.sparkContext
    t0 = time.perf_counter()

    if _is_dataframe(inputs):
        df = inputs
        top = read_options.text_field.split(".")[0]
        if top not in df.columns:
            raise InputError(
                f"the DataFrame has no {read_options.text_field!r} column; columns: {', '.join(df.columns)}",
                where="DataFrame", hint="rename the text column or set ReadOptions.text_field / --text-field",
            )
        if partitions is not None:
            current = df.rdd.getNumPartitions()
            if partitions < current:
                df = df.coalesce(partitions)
            elif partitions > current:
                df = df.repartition(partitions)
        rdd = df.rdd
        kind = "rows"
    else:
        from .readers import expand_sources

        if isinstance(inputs, (str, Path)):
            inputs = [inputs]
        if not inputs:
            raise InputError("no sources given", hint="pass files, folders, globs or URLs")
        sources = [str(s) for s in expand_sources([str(s) for s in inputs])]
        n = partitions or max(1, min(len(sources), sc.defaultParallelism * 4))
        rdd = sc.parallelize(sources, n)
        kind = "sources"

    tmp_dir = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:12]}"
    (tmp_dir / "_failures").mkdir(parents=True)
    job = _Job(
        key=key, tmp_dir=str(tmp_dir.resolve()), kind=kind, config=config, factory=pipeline_factory,
        read_options=read_options, batch_size=batch_size,
    )
    try:
        try:
            results = rdd.mapPartitionsWithIndex(partial(_run_partition, job)).collect()
        except Exception as e:  # noqa: BLE001 - a task died (not a bad document): one line
            raise _job_error(e) from None
        results.sort(key=lambda r: r["partition"])
        report = SparkReport(
            output=str(out), partitions=len(results), analyzers=template.names, versions=template.versions(),
            documents_ok=sum(r["ok"] for r in results), documents_failed=sum(r["failed"] for r in results),
        )
        for r in results:
            report.failures.extend(r["failures"][: _EXAMPLES - len(report.failures)])
        _merge_failures(tmp_dir)
        report.seconds = time.perf_counter() - t0
        (tmp_dir / SUMMARY_FILE).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        (tmp_dir / SUCCESS_FILE).write_text("", encoding="utf-8")
        _swap_into_place(tmp_dir, out, overwrite)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return report


def _merge_failures(tmp_dir: Path) -> None:
    parts = sorted((tmp_dir / "_failures").glob(PART_GLOB))
    with open(tmp_dir / FAILURES_FILE, "wb") as dst:
        for p in parts:
            with open(p, "rb") as src:
                shutil.copyfileobj(src, dst)
    shutil.rmtree(tmp_dir / "_failures")
    for stray in tmp_dir.glob("*.attempt-*"):  # attempts that lost to a retry or a speculative copy
        stray.unlink()


def _swap_into_place(tmp_dir: Path, out: Path, overwrite: bool) -> None:
    """Rename the finished directory to ``out``; an old ``out`` is moved aside, then removed."""
    old = None
    if out.exists():
        prepare_output(out, overwrite=overwrite)  # another run may have filled it meanwhile
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
        out.rename(old)
    try:
        tmp_dir.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _job_error(e: Exception) -> NarrascopeError:
    text = str(e)
    line = ""
    for candidate in re.findall(r"^\s*((?:[\w.]+\.)?\w*(?:Error|Exception)\w*: .+)$", text, re.M):
        if not candidate.startswith(("org.apache", "java.", "py4j", "scala.")):
            line = candidate.strip()
    line = line or _first_line(text)
    hint = "see the executor log"
    if "No module named 'narrascope'" in text or "No module named narrascope" in text:
        hint = "install narrascope on every executor and point PYSPARK_PYTHON at that interpreter"
    return NarrascopeError(f"the Spark job failed: {line}", where="spark", hint=hint)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return "no message"


def spark_message(e: Exception) -> str:
    """The useful line of a Spark/py4j error (not "An error occurred while calling o36.parquet.")."""
    for line in str(e).splitlines():
        line = line.strip().lstrip(": ").strip()
        if not line or line.startswith(("An error occurred while calling", "at ", "Traceback")):
            continue
        line = re.sub(r"^(?:[\w$]+\.)+\w*(?:Exception|Error): ", "", line)
        return line[:300]
    return type(e).__name__


# -- reading the output back -------------------------------------------------------------------
# (iter_output, iter_output_dicts, output_parts, iter_failures: narrascope/spark_output.py)


__all__ = [
    "SparkReport",
    "SparkUnavailableError",
    "analyze_to_directory",
    "find_java",
    "iter_failures",
    "iter_output",
    "iter_output_dicts",
    "local_session",
    "output_parts",
    "prepare_output",
    "read_dataframe",
    "require_pyspark",
    "row_to_document",
]
