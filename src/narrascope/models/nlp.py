"""spaCy at run time: loaded without heavy frameworks, fed texts of any length in linear time.

- :func:`load_spacy` imports spaCy with ``torch``, ``cupy`` and ``tensorflow`` hidden. thinc (spaCy's
  machine-learning layer) imports torch when it can find it, which costs seconds and hundreds of MB
  for nothing: the shipped spaCy pipeline runs on thinc's numpy ops. The imports are refused only
  while spaCy and thinc are first imported (and only if the program has not imported the framework
  itself); later ``import torch`` works as usual. Components the analyzers do not read are excluded
  (``senter``: sentences come from the parser and narrascope's own splitter).
- :func:`parse` splits texts longer than :data:`CHUNK_CHARS` at paragraph / sentence / word
  boundaries, parses the pieces, and joins them back into one ``Doc`` whose text is the input's
  prefix (so every character offset stays exact). spaCy's own 1,000,000-character cap is never
  reached and memory stays bounded. ``enough(chunk_doc) -> int`` lets a caller stop after the
  pieces it needs (the entities analyzer keeps the first mentions only). The pipeline's
  ``attribute_ruler`` is replaced by :class:`~narrascope.models.attribute_rules.FastAttributeRuler`
  (same annotations, about a third of the cost); the components run in the pipeline's order with
  the same batches, so the ``Doc`` is the one ``nlp.pipe`` would give.
"""

from __future__ import annotations

import importlib.abc
import re
import sys
import threading
import weakref
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

HEAVY_FRAMEWORKS = ("torch", "cupy", "cupyx", "tensorflow", "mxnet")
CHUNK_CHARS = 50_000  # texts longer than this are parsed in pieces (normal articles are far shorter)
EXCLUDE = ("senter",)
_lock = threading.Lock()


class _Refuse(importlib.abc.MetaPathFinder):
    def __init__(self, names: Sequence[str]) -> None:
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):  # noqa: D401 - importlib protocol
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not imported while narrascope loads spaCy", name=fullname)
        return None


@contextmanager
def without_modules(names: Sequence[str] = HEAVY_FRAMEWORKS) -> Iterator[None]:
    """Within the block, importing any of ``names`` (or their submodules) raises ``ImportError``,
    unless the program has imported it already."""
    hidden = [n for n in names if n not in sys.modules]
    finder = _Refuse(hidden)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        try:
            sys.meta_path.remove(finder)
        except ValueError:  # pragma: no cover - someone else cleaned up
            pass


def load_spacy(name: str, exclude: Sequence[str] = EXCLUDE):
    """``spacy.load(name)`` without heavy frameworks; ``None`` when spaCy or the model is missing."""
    with _lock:
        try:
            if "thinc" not in sys.modules:
                with without_modules():
                    import spacy  # noqa: F401 - imports thinc with the frameworks hidden
            import spacy

            return spacy.load(name, exclude=list(exclude))
        except (ImportError, OSError):
            return None


_CUTS = (re.compile(r"\n"), re.compile(r"[.!?]\s"), re.compile(r"\s"))


def split_points(text: str, size: int | None = None) -> list[tuple[int, int]]:
    """Half-open pieces covering ``text`` exactly, each at most ``size`` characters, cut after a
    newline, else after a sentence end, else after whitespace (in the second half of the window),
    else hard at ``size`` (default :data:`CHUNK_CHARS`)."""
    size = size or CHUNK_CHARS
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        window = text[start + size // 2 : start + size]
        cut = None
        for pat in _CUTS:
            last = None
            for last in pat.finditer(window):
                pass
            if last is not None:
                cut = start + size // 2 + last.end()
                break
        cut = cut or start + size
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out


_FAST: "weakref.WeakKeyDictionary[object, object]" = weakref.WeakKeyDictionary()


def _fast_ruler(nlp):
    if nlp not in _FAST:
        from .attribute_rules import fast_ruler

        _FAST[nlp] = fast_ruler(nlp) or False
    return _FAST[nlp] or None


def run_pipeline(nlp, texts, batch_size: int = 8) -> Iterator[object]:
    """``nlp.pipe(texts, batch_size=batch_size)``, with the attribute ruler's fast equivalent."""
    fast = _fast_ruler(nlp)
    if fast is None:
        return nlp.pipe(texts, batch_size=batch_size)
    names = nlp.pipe_names
    k = names.index("attribute_ruler")
    docs = nlp.pipe(texts, batch_size=batch_size, disable=names[k:])
    docs = (fast(d) for d in docs)
    for _name, proc in nlp.pipeline[k + 1:]:  # as spaCy runs them (spacy.util._pipe)
        docs = proc.pipe(docs, batch_size=batch_size) if hasattr(proc, "pipe") else map(proc, docs)
    return docs


def parse(nlp, texts: Sequence[str], *, batch_size: int = 8,
          enough: Callable[[object], int] | None = None, needed: int | None = None) -> Iterator[object]:
    """One spaCy ``Doc`` per text, in order. Texts up to :data:`CHUNK_CHARS` go through ``nlp.pipe``
    in batches as they are; a longer one is parsed piece by piece and joined (``Doc.from_docs``), and
    when ``enough``/``needed`` are given the pieces stop once ``sum(enough(piece)) >= needed`` (the
    joined doc then covers a prefix of the text)."""
    short = [i for i, t in enumerate(texts) if len(t) <= CHUNK_CHARS]
    parsed = dict(zip(short, run_pipeline(nlp, [texts[i] for i in short], batch_size=batch_size)))
    for i, text in enumerate(texts):
        if i in parsed:
            yield parsed.pop(i)
        else:
            yield _parse_long(nlp, text, enough, needed)


def _parse_long(nlp, text: str, enough, needed):
    from spacy.tokens import Doc

    pieces = []
    found = 0
    for a, b in split_points(text):
        piece = next(iter(run_pipeline(nlp, [text[a:b]], batch_size=1)))
        pieces.append(piece)
        if enough is not None and needed is not None:
            found += enough(piece)
            if found >= needed:
                break
    return Doc.from_docs(pieces, ensure_whitespace=False)
