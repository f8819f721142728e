"""Pipeline: an ordered list of analyzers built from a config, run over batches.

The CLI, the REST API, the web UI, the store's ingest and the Spark runner all call
:meth:`Pipeline.pipe`. A document that makes an analyzer fail is reported (``Failure``) and
skipped; the rest of the batch goes on.

The pipeline owns the analyzer contract (see :mod:`narrascope.analyzers.base`): it checks the
declared ``requires`` / ``assigns`` graph when it is built (:func:`graph_problems`), stamps each
analyzer's version after it ran, and drops the shared per-document features
(:mod:`narrascope.features`) once every analyzer has read them.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .analyzers import analyzer_names, create_analyzer, get_analyzer_class
from .analyzers.base import Analyzer, iter_batches
from .document import Analysis, Document
from .errors import ConfigError, Failure, NarrascopeError

log = logging.getLogger(__name__)

__all__ = ["Failure", "Pipeline", "graph_problems", "describe_graph"]


def _computed_feature(key: str) -> bool:
    from .features import FEATURES

    name = key.split(".", 1)[1]
    return name in FEATURES and FEATURES[name].compute is not None


def graph_problems(analyzers: Sequence[type[Analyzer] | Analyzer]) -> list[str]:
    """What is wrong with running ``analyzers`` in this order: a requirement no earlier analyzer
    assigns (and no shared feature computes), two analyzers assigning the same key, a name twice."""
    problems: list[str] = []
    seen: set[str] = set()
    assigned: dict[str, str] = {}
    for a in analyzers:
        if a.name in seen:
            problems.append(f"analyzer {a.name!r} is listed twice")
        for req in a.requires:
            if "." not in req:
                if req not in seen:
                    problems.append(f"analyzer {a.name!r} needs [{req!r}] to run before it")
            elif req.startswith("features.") and _computed_feature(req):
                continue
            elif req not in assigned:
                problems.append(f"analyzer {a.name!r} reads {req!r}, which no analyzer before it assigns")
        for key in a.assigns:
            if key in assigned:
                problems.append(f"analyzers {assigned[key]!r} and {a.name!r} both assign {key!r}")
            assigned[key] = a.name
        seen.add(a.name)
    return problems


def _producer(req: str, wanted_by: str) -> str | None:
    """The registered analyzer that must run before one requiring ``req`` (None: a computed feature)."""
    if "." not in req:
        return req
    if req.startswith("features.") and _computed_feature(req):
        return None
    for name in analyzer_names():
        if req in get_analyzer_class(name).assigns:
            return name
    raise ConfigError(
        f"analyzer {wanted_by!r} reads {req!r}, but no registered analyzer assigns it",
        hint="register an analyzer that declares it in `assigns`, or fix the requirement",
    )


def describe_graph(names: Sequence[str] | None = None) -> dict[str, Any]:
    """The analyzer graph of the pipeline ``names`` would build (default: every registered analyzer):
    per analyzer what it reads (and from whom) and what it writes; plus ``problems``."""
    names = list(names) if names is not None else analyzer_names()
    classes = [get_analyzer_class(n) for n in names]
    assigned: dict[str, str] = {}
    nodes = []
    for cls in classes:
        reads = []
        for req in cls.requires:
            if "." not in req:
                src = req
            elif req.startswith("features.") and _computed_feature(req):
                src = "(shared feature)"
            else:
                src = assigned.get(req, "(missing)")
            reads.append({"key": req, "from": src})
        nodes.append({"name": cls.name, "version": cls.version, "description": cls.description,
                      "reads": reads, "assigns": list(cls.assigns)})
        for key in cls.assigns:
            assigned.setdefault(key, cls.name)
    return {"analyzers": nodes, "problems": graph_problems(classes)}


class Pipeline:
    def __init__(self, analyzers: Sequence[Analyzer]):
        self.analyzers = list(analyzers)
        problems = graph_problems(self.analyzers)
        if problems:
            raise ConfigError(
                "; ".join(problems),
                hint="list the analyzers that assign those keys earlier in the pipeline "
                "(Pipeline.from_config adds missing ones)",
            )
        self._loaded = False

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: dict[str, Any] | None = None) -> "Pipeline":
        """``{"analyzers": [name, ...], "options": {name: {...}}}``; default: all registered.

        Requirements missing from the list are added before the analyzers that need them.
        """
        config = dict(config or {})
        unknown = set(config) - {"analyzers", "options"}
        if unknown:
            raise ConfigError(f"unknown pipeline config keys {sorted(unknown)}", hint="use 'analyzers' and 'options'")
        names = config.get("analyzers") or analyzer_names()
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        options = config.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigError(f"options must be an object {{analyzer: {{option: value}}}}, got {options!r}")
        ordered: list[str] = []

        def add(name: str, chain: tuple[str, ...] = ()) -> None:
            if name in ordered:
                return
            if name in chain:
                raise ConfigError(f"analyzer requirements form a cycle: {' -> '.join(chain + (name,))}")
            for req in get_analyzer_class(name).requires:
                producer = _producer(req, name)
                if producer is not None:
                    add(producer, chain + (name,))
            ordered.append(name)

        for n in names:
            add(n)
        extra = sorted(set(options) - set(ordered))
        if extra:
            raise ConfigError(
                f"options given for {extra}, which {'is' if len(extra) == 1 else 'are'} not in the pipeline {ordered}",
                hint="add the analyzer to 'analyzers' or drop its options",
            )
        return cls([create_analyzer(n, **(options.get(n) or {})) for n in ordered])

    @classmethod
    def from_file(cls, path: str | Path) -> "Pipeline":
        p = Path(path)
        try:
            config = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("pipeline config file not found", where=str(p)) from None
        except json.JSONDecodeError as e:
            raise ConfigError(f"pipeline config is not valid JSON ({e.msg} at line {e.lineno})", where=str(p)) from None
        return cls.from_config(config)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.analyzers]

    def load(self) -> "Pipeline":
        if not self._loaded:
            for a in self.analyzers:
                a.load()
            self._loaded = True
        return self

    def versions(self) -> dict[str, str]:
        return {a.name: a.version for a in self.analyzers}

    # -- running ----------------------------------------------------------------------------
    def analyze(self, doc: Document) -> Analysis:
        """One document; raises on failure (use :meth:`pipe` for batches that must go on)."""
        self.load()
        analysis = Analysis(document=doc)
        for a in self.analyzers:
            self._run(a, [analysis])
        analysis.features = None  # shared features live as long as the pipeline run, not the analysis
        return analysis

    @staticmethod
    def _run(a: Analyzer, analyses: Sequence[Analysis]) -> None:
        """One analyzer over a batch; the pipeline (not the analyzer) stamps its version."""
        a.pipe(analyses)
        for analysis in analyses:
            analysis.versions[a.name] = a.version

    def pipe(
        self,
        docs: Iterable[Document],
        *,
        batch_size: int = 16,
        on_failure: Callable[[Failure], None] | None = None,
        progress: Any = None,
    ) -> Iterator[Analysis]:
        """Analyze documents in batches; yields analyses in input order, skipping failures.

        ``progress`` is anything with ``update(n)`` (a tqdm bar); ``on_failure`` receives a
        :class:`Failure` for each document an analyzer could not handle.
        """
        self.load()
        for batch in iter_batches(docs, batch_size):
            analyses = [Analysis(document=d) for d in batch]
            try:
                for a in self.analyzers:
                    self._run(a, analyses)
                for analysis in analyses:
                    analysis.features = None
                good = analyses
            except Exception:  # one bad document must not sink the batch: redo one by one
                good = []
                for d in batch:
                    try:
                        good.append(self.analyze(d))
                    except Exception as e:  # noqa: BLE001 - reported, not swallowed
                        msg = str(e) if isinstance(e, NarrascopeError) else f"{type(e).__name__}: {e}"
                        log.debug("analysis failed for %s\n%s", d.id, traceback.format_exc())
                        if on_failure:
                            on_failure(Failure(where=_where(d), message=msg))
            yield from good
            if progress is not None:
                progress.update(len(batch))


def _where(doc: Document) -> str:
    return str(doc.meta.get("where") or doc.url or doc.id)
