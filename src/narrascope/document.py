"""Document, Span, Label and Analysis: the one data model every component shares.

Offsets are the truth: a :class:`Span` is half-open ``[start, end)`` into ``Document.text`` and
``Analysis.to_dict()`` writes the covered text next to the offsets so any consumer can check it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from .errors import EmptyDocumentError, InputError, InputTooLargeError
from .text import paragraph_spans, sentence_spans

SCHEMA_VERSION = "1.0"
KNOWN_SCHEMA_VERSIONS = (SCHEMA_VERSION,)
NOT_ANALYSIS_HINT = "expected one analysis per line, as `narrascope analyze --format jsonl` writes"


def content_id(text: str) -> str:
    """Stable id from the text alone: the same article re-ingested gets the same id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def normalise_text(text: str) -> str:
    """The one normalisation readers apply: BOM dropped, CRLF/CR -> LF, NUL removed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch of ``Document.text``; ``end`` is exclusive."""

    start: int
    end: int
    label: str
    analyzer: str
    score: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "analyzer": self.analyzer,
            "score": None if self.score is None else round(float(self.score), 4),
        }
        if text is not None:
            d["text"] = text[self.start : self.end]
        if self.attrs:
            d["attrs"] = self.attrs
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Span":
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            label=str(d["label"]),
            analyzer=str(d.get("analyzer", "")),
            score=d.get("score"),
            attrs=dict(d.get("attrs") or {}),
        )


@dataclass(frozen=True, slots=True)
class Document:
    """One article. Build with :meth:`create`, which derives ids and boundaries."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None  # ISO 8601, UTC when the time zone is known
    language: str | None = None
    paragraphs: tuple[tuple[int, int], ...] = ()
    sentences: tuple[tuple[int, int], ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def create(
        cls,
        text: str,
        *,
        title: str | None = None,
        id: str | None = None,
        url: str | None = None,
        source: str | None = None,
        published: str | datetime | None = None,
        language: str | None = None,
        meta: dict[str, Any] | None = None,
        title_in_text: bool = False,
        where: str | None = None,
    ) -> "Document":
        """Make a document.

        ``title_in_text=True`` means ``text`` already starts with the title line (the shared-task
        layout); otherwise a given title is prepended as ``title + "\\n\\n"`` so that the title is
        analysed too and offsets stay consistent with shared-task files.
        """
        text = normalise_text(text if isinstance(text, str) else str(text))
        if title is not None:
            title = " ".join(normalise_text(str(title)).split()) or None
        if title and not title_in_text:
            text = f"{title}\n\n{text.strip()}" if text.strip() else title
        if not text.strip():
            raise EmptyDocumentError(
                "the document has no text", where=where, hint="give it a body or drop it from the input"
            )
        if isinstance(published, datetime):
            published = to_utc_iso(published)
        paragraphs = tuple(paragraph_spans(text))
        sentences = tuple(sentence_spans(text))
        return cls(
            id=str(id) if id else content_id(text),
            text=text,
            title=title,
            url=url,
            source=source,
            published=published,
            language=language,
            paragraphs=paragraphs,
            sentences=sentences,
            meta=dict(meta or {}),
        )

    @property
    def body_start(self) -> int:
        """Offset where the body starts (after the title paragraph, if there is a title)."""
        if self.title and self.paragraphs and len(self.paragraphs) > 1:
            return self.paragraphs[1][0]
        return 0

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        for s, e in self.sentences:
            if s <= offset < e:
                return (s, e)
        return None

    def to_dict(self, *, boundaries: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published,
            "language": self.language,
            "text": self.text,
        }
        if boundaries:
            d["paragraphs"] = [list(p) for p in self.paragraphs]
            d["sentences"] = [list(s) for s in self.sentences]
        if self.meta:
            d["meta"] = self.meta
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str | None = None) -> "Document":
        if not isinstance(d, dict) or "text" not in d:
            raise InputError("expected a JSON object with a 'text' field", where=where)
        return cls.create(
            d["text"],
            title=d.get("title"),
            id=d.get("id"),
            url=d.get("url"),
            source=d.get("source"),
            published=d.get("published"),
            language=d.get("language"),
            meta=d.get("meta"),
            title_in_text=bool(d.get("title")) and str(d["text"]).startswith(str(d.get("title"))),
            where=where,
        )


@dataclass(slots=True)
class Label:
    """A document-level decision (a narrative, a frame, the genre...) with its evidence."""

    label: str
    score: float
    analyzer: str
    evidence: list[Span] = field(default_factory=list)
    parent: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "label": self.label,
            "score": round(float(self.score), 4),
            "analyzer": self.analyzer,
            "evidence": [s.to_dict(text) for s in self.evidence],
        }
        if self.parent is not None:
            d["parent"] = self.parent
        if self.attrs:
            d["attrs"] = self.attrs
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Label":
        return cls(
            label=d["label"],
            score=float(d["score"]),
            analyzer=d.get("analyzer", ""),
            evidence=[Span.from_dict(s) for s in d.get("evidence", [])],
            parent=d.get("parent"),
            attrs=dict(d.get("attrs") or {}),
        )


@dataclass(slots=True)
class Analysis:
    """Everything the analyzers add to one document.

    - ``labels[task]``: document-level labels, e.g. ``labels["narratives"]``, ``labels["genre"]``;
    - ``spans``: every span any analyzer emitted (techniques, entity mentions, quotes, claims...),
      flat so that views can highlight them without knowing the analyzer;
    - ``data[name]``: structured results (entities with mentions, quotes with speaker/cue/content,
      the explanation), JSON-serialisable, spans inside as span dicts;
    - ``versions[analyzer]``: the model/rules version that produced the output.
    """

    document: Document
    labels: dict[str, list[Label]] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # shared per-document features (narrascope.features.DocFeatures), made on first use; never serialised
    features: Any = field(default=None, repr=False, compare=False)

    def add_labels(self, task: str, labels: Iterable[Label]) -> None:
        self.labels.setdefault(task, []).extend(labels)

    def add_spans(self, spans: Iterable[Span]) -> None:
        self.spans.extend(spans)

    def spans_by(self, analyzer: str) -> list[Span]:
        return [s for s in self.spans if s.analyzer == analyzer]

    def span(self, start: int, end: int, label: str, analyzer: str, score: float | None = None, **attrs) -> Span:
        """Make a span after checking it lies inside the text (a programming error otherwise)."""
        n = len(self.document.text)
        if not (0 <= start <= end <= n):
            raise ValueError(f"span [{start}, {end}) is outside the text of length {n}")
        return Span(start, end, label, analyzer, score, attrs)

    def to_dict(self) -> dict[str, Any]:
        text = self.document.text
        return {
            "schema_version": SCHEMA_VERSION,
            "document": self.document.to_dict(),
            "language": self.document.language or self.data.get("language", {}).get("language"),
            "labels": {k: [lab.to_dict(text) for lab in v] for k, v in self.labels.items()},
            "spans": [s.to_dict(text) for s in self.spans],
            "data": self.data,
            "versions": self.versions,
            "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Analysis":
        doc_d = d["document"]
        doc = Document(
            id=doc_d["id"],
            text=doc_d["text"],
            title=doc_d.get("title"),
            url=doc_d.get("url"),
            source=doc_d.get("source"),
            published=doc_d.get("published"),
            language=doc_d.get("language"),
            paragraphs=tuple(tuple(p) for p in doc_d.get("paragraphs", [])),
            sentences=tuple(tuple(s) for s in doc_d.get("sentences", [])),
            meta=doc_d.get("meta") or {},
        )
        return cls(
            document=doc,
            labels={k: [Label.from_dict(x) for x in v] for k, v in d.get("labels", {}).items()},
            spans=[Span.from_dict(s) for s in d.get("spans", [])],
            data=d.get("data", {}),
            versions=d.get("versions", {}),
            warnings=d.get("warnings", []),
        )

    def iter_all_spans(self) -> Iterable[Span]:
        """Every span in the analysis: flat spans and label evidence (used by offset checks)."""
        yield from self.spans
        for labels in self.labels.values():
            for lab in labels:
                yield from lab.evidence


def span_dict(text: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    """The one constructor for a span inside ``Analysis.data``: ``{"start", "end", "text", **extra}``.

    Checks ``0 <= start <= end <= len(text)`` (a programming error otherwise, like
    :meth:`Analysis.span`) and writes the covered text, so ``text[start:end] == d["text"]`` holds
    by construction; ``extra`` keys follow in the order given.
    """
    start, end = int(start), int(end)
    if not (0 <= start <= end <= len(text)):
        raise ValueError(f"span [{start}, {end}) is outside the text of length {len(text)}")
    return {"start": start, "end": end, "text": text[start:end], **extra}


def iter_data_spans(data: Any, path: str = "data") -> Iterable[tuple[str, dict[str, Any]]]:
    """Every span dict inside ``Analysis.data`` (a dict with integer ``start`` and ``end``), with its path."""
    if isinstance(data, dict):
        if isinstance(data.get("start"), int) and isinstance(data.get("end"), int) and not isinstance(data.get("start"), bool):
            yield path, data
        for k, v in data.items():
            if isinstance(v, (dict, list)):
                yield from iter_data_spans(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, (dict, list)):
                yield from iter_data_spans(v, f"{path}[{i}]")


def analysis_from_record(d: Any, where: str, *, max_chars: int | None = None) -> Analysis:
    """The one ingest validator: a decoded ``Analysis.to_dict()`` checked and turned into an :class:`Analysis`.

    Every ingest route uses it (``narrascope ingest --analyses``, ``POST /documents`` with
    ``analyses``, reading ``narrascope spark analyze`` output). The text is kept exactly as sent
    (no normalisation, no title prepended: offsets are into that text) and nothing is re-derived.
    Raises :class:`InputError` naming ``where`` when the record is not an analysis, has a
    ``schema_version`` this narrascope does not know, is longer than ``max_chars``, or has a span
    (flat, label evidence, or inside ``data``) outside its text or whose ``text`` does not match
    its offsets.
    """
    if not isinstance(d, dict) or not isinstance(d.get("document"), dict):
        hint = NOT_ANALYSIS_HINT
        if isinstance(d, dict) and "text" in d:
            hint = "this looks like an article; ingest articles without --analyses"
        kinds = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean", type(None): "JSON null"}
        got = "no 'document' object" if isinstance(d, dict) else f"{kinds.get(type(d), 'a JSON number')}, not an object"
        raise InputError(f"not an analysis ({got})", where=where, hint=hint)
    version = d.get("schema_version")
    if version not in KNOWN_SCHEMA_VERSIONS:
        known = ", ".join(KNOWN_SCHEMA_VERSIONS)
        what = "no schema_version" if version is None else f"unknown schema_version {version!r}"
        raise InputError(
            f"{what}; this narrascope reads schema_version {known}", where=where,
            hint="re-run the analysis with this narrascope version, or upgrade narrascope",
        )
    text = d["document"].get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("the analysis has no document text", where=where, hint=NOT_ANALYSIS_HINT)
    if max_chars is not None and len(text) > max_chars:
        raise InputTooLargeError(
            f"the document has {len(text):,} characters; the limit is {max_chars:,}", where=f"{where}.document.text",
            hint="send a shorter text or raise the limit",
        )
    try:
        analysis = Analysis.from_dict(d)
        span_dicts = [(f"spans[{i}]", s) for i, s in enumerate(d.get("spans") or [])]
        for task, labs in (d.get("labels") or {}).items():
            for j, lab in enumerate(labs):
                span_dicts += [(f"labels.{task}[{j}].evidence[{k}]", s) for k, s in enumerate(lab.get("evidence") or [])]
        span_dicts += list(iter_data_spans(d.get("data") or {}))
        n = len(text)
        for field_name, s in span_dicts:
            start, end = int(s["start"]), int(s["end"])
            if not (0 <= start <= end <= n):
                raise InputError(f"{field_name}: span [{start}, {end}) lies outside the text of length {n}", where=where)
            if "text" in s and s["text"] != text[start:end]:
                raise InputError(
                    f"{field_name}: the span's text does not match its offsets [{start}, {end})", where=where,
                    hint="the record was edited or its offsets belong to another text; re-run the analysis",
                )
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"malformed analysis ({type(e).__name__}: {e})", where=where, hint=NOT_ANALYSIS_HINT) from None
    return analysis


def to_utc_iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        return dt.replace(microsecond=0).isoformat()
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
