"""SemEval-2025 Task 10 subtask 1 (entity framing) files: read mentions/gold, write predictions.

Mention file (the task gives it)::   id <TAB> mention <TAB> start <TAB> end
Gold / prediction file::             id <TAB> mention <TAB> start <TAB> end <TAB> main_role <TAB> fine_role [<TAB> fine_role...]

``end`` is INCLUSIVE in these files (``text[start:end + 1] == mention``). Narrascope's spans are
half-open, so :func:`resolve_mention` converts and checks. Some released rows match neither the
inclusive nor the exclusive convention (11 English training rows, many more in BG/HI/PT/RU: the
offsets drift a few characters to the right through the article); :func:`resolve_mention` then
takes the occurrence of the mention string nearest to the given start and says so in ``how``.
Output files always repeat the given ``start``/``end`` unchanged, so they line up with the gold.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable

from ...errors import DataError

# how a mention's offsets were resolved
INCLUSIVE, EXCLUSIVE, SHIFTED, UNRESOLVED = "inclusive", "exclusive", "shifted", "unresolved"


@dataclass(slots=True)
class MentionRow:
    """One row of a mention / gold / prediction file. ``end`` as given (inclusive)."""

    doc_id: str
    mention: str
    start: int
    end: int
    main_role: str | None = None
    fine_roles: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)


def read_rows(path: str | Path, *, with_roles: bool) -> list[MentionRow]:
    """Read a mention file (``with_roles=False``) or a gold/prediction file (``with_roles=True``).

    Extra columns in a mention file are ignored, so a gold file also works as a mention file.
    Raises :class:`DataError` naming the file and line of the first malformed row.
    """
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", where=str(p), hint="check the path") from None
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", where=str(p)) from None
    rows: list[MentionRow] = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        cols = line.split("\t")
        where = f"{p}:{n}"
        need = 6 if with_roles else 4
        if len(cols) < need:
            what = "id, mention, start, end, main_role, fine_role..." if with_roles else "id, mention, start, end"
            raise DataError(
                f"expected at least {need} tab-separated columns ({what}), got {len(cols)}",
                where=where,
                hint="separate columns with tabs, one mention per line",
            )
        try:
            start, end = int(cols[2]), int(cols[3])
        except ValueError:
            raise DataError(
                f"start and end must be integers, got {cols[2]!r} and {cols[3]!r}", where=where
            ) from None
        if start < 0 or end < start - 1:
            raise DataError(f"offsets must satisfy 0 <= start <= end + 1, got {start}, {end}", where=where)
        row = MentionRow(cols[0].strip(), cols[1], start, end, line=n)
        if with_roles:
            row.main_role = cols[4].strip()
            row.fine_roles = [c.strip() for c in cols[5:] if c.strip()]
        rows.append(row)
    return rows


def resolve_mention(text: str, mention: str, start: int, end_inclusive: int, window: int = 80) -> tuple[int, int, str]:
    """Half-open ``(start, end, how)`` for a file row; ``text[start:end] == mention`` unless unresolved.

    Tried in order: inclusive end (the convention), exclusive end, then the occurrence of
    ``mention`` nearest to ``start`` within ``window`` characters (ties go to the earlier one, the
    direction the released offsets drift), then the nearest occurrence anywhere. If the string does
    not occur, the given offsets are clamped to the text and ``how == "unresolved"``.
    """
    if text[start : end_inclusive + 1] == mention:
        return start, end_inclusive + 1, INCLUSIVE
    if text[start:end_inclusive] == mention and mention:
        return start, end_inclusive, EXCLUSIVE
    if mention:
        best = None
        i = text.find(mention)
        while i != -1:
            d = abs(i - start)
            if best is None or d < best[0] or (d == best[0] and i < best[1]):
                best = (d, i)
            i = text.find(mention, i + 1)
        if best is not None:
            return best[1], best[1] + len(mention), SHIFTED
    s = max(0, min(start, len(text)))
    e = max(s, min(end_inclusive + 1, len(text)))
    return s, e, UNRESOLVED


def format_row(row: MentionRow, main_role: str | None, fine_roles: Iterable[str]) -> str:
    cols = [row.doc_id, row.mention, str(row.start), str(row.end), main_role or "", *fine_roles]
    return "\t".join(cols)


def write_predictions(out: IO[str], rows: Iterable[tuple[MentionRow, str | None, list[str]]]) -> int:
    n = 0
    for row, main, fines in rows:
        out.write(format_row(row, main, fines) + "\n")
        n += 1
    return n


def read_article(folder: str | Path, doc_id: str) -> str:
    """An article's text exactly as the shared-task offsets count it: decoded UTF-8, nothing else.

    A leading byte-order mark is KEPT: the Russian training files start with one and their offsets
    count it (stripping it would shift every mention by one character).
    """
    p = Path(folder) / doc_id
    if not p.exists() and not doc_id.endswith(".txt"):
        p = Path(folder) / f"{doc_id}.txt"
    try:
        return p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError(
            f"article {doc_id!r} named in the mention file is not in the input folder", where=str(p),
            hint="--input must be the folder holding the articles (raw-documents or subtask-1-documents)",
        ) from None
    except UnicodeDecodeError as e:
        raise DataError(f"article is not UTF-8 ({e.reason})", where=str(p)) from None


def predict_mention_file(input_dir: str | Path, mentions_file: str | Path, output: str | Path, *,
                         model_dir: str | Path | None = None, use_spacy: bool = True,
                         use_encoder: bool | None = None, main_prior: str | None = None) -> dict:
    """Read a mention file, predict roles with the role classifier, write the official TSV.

    One output line per given mention, in the input order, with the given offsets. An article that
    cannot be read is reported in ``failures`` and its mentions are left out (the rest goes on).
    ``use_encoder``: mix in the fine-tuned MiniLM head (``None``: when the model folder has one; see
    :mod:`narrascope.models.roles_encoder`); ``stats["encoder"]`` says whether it was used.
    ``main_prior``: see :func:`narrascope.models.role_stance.decide_mentions` (issue 13).
    """
    from collections import Counter

    from ...analyzers.entities import ARTIFACT_DIR, load_spacy
    from ...analyzers.language import detect_language
    from ...errors import NarrascopeError
    from ...models.roles import MentionContext, RoleClassifier, syntax_features, uses_syntax
    from ...models.roles_encoder import open_encoder, role_probabilities
    from ...formats import atomic_output

    rows = read_rows(mentions_file, with_roles=False)
    clf = RoleClassifier.load(model_dir or ARTIFACT_DIR)
    encoder = open_encoder(model_dir or ARTIFACT_DIR, use_encoder)
    nlp = load_spacy() if use_spacy and uses_syntax(clf) else None  # only a model trained with dependency features reads them
    by_doc: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_doc.setdefault(r.doc_id, []).append(i)
    contexts: dict[int, MentionContext] = {}
    offsets: Counter = Counter()
    failures: list[str] = []
    narratives_of: dict[str, list] = {}
    from ...models import stance  # issue 13: the article's narratives are context for its mentions
    from ...models.narratives import NarrativeModel

    narratives_model = NarrativeModel.load(None)
    for doc_id, idx in by_doc.items():
        try:
            text = read_article(input_dir, doc_id)
        except NarrascopeError as e:
            failures.append(str(e))
            continue
        lang = detect_language(text)[0]
        narratives = narratives_model.predict_texts([text])[0].narratives
        narratives_of[text] = narratives  # issue 13: read by the stance head
        sdoc = nlp(text) if (nlp is not None and lang == "en") else None
        for i in idx:
            r = rows[i]
            s, e, how = resolve_mention(text, r.mention, r.start, r.end)
            offsets[how] += 1
            extra = tuple(syntax_features(sdoc, s, e)) if sdoc is not None and e > s else ()
            if "context" in getattr(clf, "meta_", {}):  # models trained with the article context
                extra += stance.given_mention_features(text, s, e, narratives, lang)
            contexts[i] = MentionContext(text, s, e, lang, extra)
    if failures and not contexts:
        raise DataError(f"no article could be read; first problem: {failures[0]}", where=str(mentions_file))
    order = sorted(contexts)
    ctx = [contexts[i] for i in order]
    decisions = []
    if ctx:
        pm, pf = role_probabilities(clf, clf.featurizer.transform(ctx), ctx, encoder)
        from ...models.role_stance import decide_mentions  # issue 13: the article's stance toward each entity

        decisions = decide_mentions(clf, pm, pf, ctx, narratives_of, model_dir or ARTIFACT_DIR, main_prior)
    out_rows = [(rows[i], main, [f for f, _ in fines]) for i, (main, _, fines) in zip(order, decisions)]
    with atomic_output(output) as f:  # no half-written prediction file on an error or Ctrl-C
        n = write_predictions(f, out_rows)
    for msg in failures:
        print(f"narrascope: warning: {msg}", file=sys.stderr)
    return {"written": n, "offsets": dict(offsets), "failures": failures, "encoder": encoder is not None}
