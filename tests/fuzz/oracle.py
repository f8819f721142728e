"""Run one generated case through the real reader and judge it (not a test module).

A finding is one of:

- ``exception``: anything other than a :class:`~narrascope.errors.NarrascopeError` escaped the
  reader (a whole-file InputError is fine; a ``ValueError`` is a bug);
- ``slow``: reading took longer than ``SLOW_SECONDS``;
- ``lost``: a good record next to the damaged one did not come out;
- ``bad-document``: a document breaks an invariant (empty text, offsets outside the text, a lone
  surrogate, not writable as UTF-8 JSON).
"""

from __future__ import annotations

import json
import signal
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from narrascope.errors import NarrascopeError
from narrascope.errors import Failure
from narrascope.readers import ReadOptions, read_source

from .generate import Case

SLOW_SECONDS = 10.0
HARD_SECONDS = 60.0


@dataclass
class Verdict:
    case: str
    mutation: str
    seconds: float
    documents: int = 0
    failures: int = 0
    findings: list[str] = field(default_factory=list)
    lost: int = 0


class _Hung(BaseException):
    pass


@contextmanager
def _alarm(seconds: float):
    """SIGALRM after ``seconds`` (main thread only; elsewhere no limit)."""
    try:
        old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(_Hung()))
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _key(doc, fmt: str) -> str | None:
    return doc.title if fmt.startswith("warc") else doc.id


def check_document(doc) -> str | None:
    n = len(doc.text)
    if not doc.text.strip():
        return "empty text"
    for s, e in (*doc.paragraphs, *doc.sentences):
        if not (0 <= s <= e <= n):
            return f"boundary ({s}, {e}) outside text of length {n}"
    try:
        json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeError) as e:
        return f"not writable as UTF-8 JSON ({type(e).__name__}: {e})"
    return None


def run_case(case: Case, folder: Path, *, slow_seconds: float = SLOW_SECONDS, hard_seconds: float = HARD_SECONDS) -> Verdict:
    """Read ``case`` and judge it. ``slow_seconds``: a run longer than this is a ``slow`` finding
    (the tests pass a looser bound than the benchmark: they run on shared, loaded machines)."""
    path = folder / case.filename
    path.write_bytes(case.data)
    options = ReadOptions(max_bytes=case.max_bytes) if case.max_bytes else ReadOptions()
    verdict = Verdict(case.key, case.mutation, 0.0)
    keys: set[str] = set()
    t0 = time.monotonic()
    try:
        with _alarm(hard_seconds):
            for item in read_source(path, options):
                if isinstance(item, Failure):
                    verdict.failures += 1
                    continue
                verdict.documents += 1
                keys.add(_key(item, case.fmt) or "")
                problem = check_document(item)
                if problem:
                    verdict.findings.append(f"bad-document: {problem}")
    except NarrascopeError:
        verdict.failures += 1
    except _Hung:
        verdict.findings.append(f"slow: still running after {hard_seconds:g} s (stopped)")
    except Exception as e:  # noqa: BLE001 - this is what the fuzzer looks for
        tb = traceback.format_exc(limit=-3).strip().splitlines()
        verdict.findings.append(f"exception: {type(e).__name__}: {str(e)[:200]} | {' / '.join(tb[-4:])[:400]}")
    finally:
        verdict.seconds = time.monotonic() - t0
        path.unlink(missing_ok=True)
    if verdict.seconds > slow_seconds and not any(f.startswith("slow") for f in verdict.findings):
        verdict.findings.append(f"slow: {verdict.seconds:.1f} s")
    missing = case.must_keep - keys
    if missing:
        verdict.lost = len(missing)
        verdict.findings.append(f"lost: {len(missing)} good record(s) ({', '.join(sorted(missing)[:5])})")
    return verdict
