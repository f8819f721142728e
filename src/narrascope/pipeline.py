"""Pipeline: an ordered list of analyzers built from a config, run over batches.

The CLI, the REST API, the web UI, the store's ingest and the Spark runner all call
:meth:`Pipeline.pipe`. A document that makes an analyzer fail is reported (``Failure``) and
skipped; the rest of the batch goes on.
"""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .analyzers import analyzer_names, create_analyzer
from .analyzers.base import Analyzer, iter_batches
from .document import Analysis, Document
from .errors import ConfigError, NarrascopeError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Failure:
    """A document (or source record) that could not be processed, and why."""

    where: str
    message: str
    stage: str = "analyze"  # "read" or "analyze"

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message, "stage": self.stage}


class Pipeline:
    def __init__(self, analyzers: Sequence[Analyzer]):
        self.analyzers = list(analyzers)
        seen: set[str] = set()
        for a in self.analyzers:
            missing = [r for r in a.requires if r not in seen]
            if missing:
                raise ConfigError(
                    f"analyzer {a.name!r} needs {missing} to run before it",
                    hint="list those analyzers earlier in the pipeline",
                )
            seen.add(a.name)
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
        ordered: list[str] = []

        def add(name: str, chain: tuple[str, ...] = ()) -> None:
            if name in ordered:
                return
            if name in chain:
                raise ConfigError(f"analyzer requirements form a cycle: {' -> '.join(chain + (name,))}")
            from .analyzers import get_analyzer_class

            for req in get_analyzer_class(name).requires:
                add(req, chain + (name,))
            ordered.append(name)

        for n in names:
            add(n)
        return cls([create_analyzer(n, **options.get(n, {})) for n in ordered])

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
            a.pipe([analysis])
        return analysis

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
                    a.pipe(analyses)
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


def default_pipeline(analyzers: Sequence[str] | str | None = None) -> Pipeline:
    return Pipeline.from_config({"analyzers": analyzers} if analyzers else None)

