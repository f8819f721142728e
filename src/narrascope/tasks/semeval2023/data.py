"""Readers for the SemEval-2023 Task 3 training data and the CheckThat! subjectivity data.

Layout (``../shared/data/semeval2023-t3/<lang>/``):

- ``train-articles-subtask-N/article<ID>.txt``: first line the title, then a blank line, then one
  paragraph per line;
- ``train-labels-subtask-1.txt``: ``id<TAB>genre``; ``train-labels-subtask-2.txt``:
  ``id<TAB>frame1,frame2``;
- ``train-labels-subtask-3/article<ID>-labels-subtask-3.txt`` (and, for English, the concatenated
  ``train-labels-subtask-3.txt``): ``id<TAB>line<TAB>tech1,tech2`` for every non-empty line of the
  article, lines counted from 1 over ALL lines of the file (blank ones included);
- English only: ``train-labels-subtask-3-spans/``: ``id<TAB>technique<TAB>start<TAB>end``, end
  exclusive, offsets into the file text as read with UTF-8.

Nothing here is used at inference time; analyzers get text from :class:`~narrascope.Document`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import DataError

LANGS = ("en", "fr", "ge", "it", "po", "ru")
_ARTICLE = re.compile(r"^article(\d+)\.txt$")


@dataclass
class Article:
    id: str
    lang: str
    text: str
    genre: str | None = None
    frames: list[str] | None = None
    line_labels: dict[int, list[str]] | None = None  # line number (1-based) -> techniques
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # (technique, start, end)


def line_paragraphs(text: str) -> list[tuple[int, int, int]]:
    """``(line_number, start, end)`` for every non-empty line; line numbers count from 1."""
    out = []
    pos = 0
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip():
            out.append((i, pos, pos + len(line)))
        pos += len(line) + 1
    return out


def article_id(path: Path) -> str | None:
    m = _ARTICLE.match(path.name)
    return m.group(1) if m else None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason} at byte {e.start})", where=str(path)) from None


def _lang_dir(root: Path, lang: str) -> Path:
    root = Path(root)
    d = root / lang
    if not d.is_dir() and (root / "semeval2023-t3" / lang).is_dir():
        d = root / "semeval2023-t3" / lang
    if not d.is_dir():
        raise DataError(
            f"no SemEval-2023 Task 3 folder for language {lang!r}",
            where=str(d),
            hint="point --data at ../shared/data/semeval2023-t3 (it holds en/, fr/, ge/, it/, po/, ru/)",
        )
    return d


def _read_tsv(path: Path, min_cols: int) -> list[list[str]]:
    rows = []
    for n, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) < min_cols:
            raise DataError(f"expected at least {min_cols} tab-separated fields, got {len(parts)}", where=f"{path}:{n}")
        rows.append(parts)
    return rows


def _articles(folder: Path) -> dict[str, Path]:
    return {aid: p for p in sorted(folder.glob("article*.txt")) if (aid := article_id(p))}


def load_doc_labels(root: Path, lang: str, subtask: int) -> list[Article]:
    """Genre (subtask 1) or frames (subtask 2) training articles of one language."""
    d = _lang_dir(root, lang)
    files = _articles(d / f"train-articles-subtask-{subtask}")
    out = []
    for parts in _read_tsv(d / f"train-labels-subtask-{subtask}.txt", 2):
        aid = parts[0].strip()
        if aid not in files:
            continue
        a = Article(aid, lang, read_text(files[aid]))
        if subtask == 1:
            a.genre = parts[1].strip()
        else:
            a.frames = [x.strip() for x in parts[1].split(",") if x.strip()]
        out.append(a)
    return out


def load_techniques(root: Path, lang: str) -> list[Article]:
    """Technique training articles of one language: line labels, plus spans for English."""
    d = _lang_dir(root, lang)
    files = _articles(d / "train-articles-subtask-3")
    labels: dict[str, dict[int, list[str]]] = {}
    label_files = sorted((d / "train-labels-subtask-3").glob("*-labels-subtask-3.txt"))
    if not label_files and (d / "train-labels-subtask-3.txt").exists():
        label_files = [d / "train-labels-subtask-3.txt"]
    for lf in label_files:
        for parts in _read_tsv(lf, 2):
            techs = [x.strip() for x in parts[2].split(",") if x.strip()] if len(parts) > 2 else []
            labels.setdefault(parts[0], {})[int(parts[1])] = techs
    spans: dict[str, list[tuple[str, int, int]]] = {}
    sd = d / "train-labels-subtask-3-spans"
    if sd.is_dir():
        for sf in sorted(sd.glob("*.txt")):
            for parts in _read_tsv(sf, 4):
                spans.setdefault(parts[0], []).append((parts[1], int(parts[2]), int(parts[3])))
    out = []
    for aid, lines in labels.items():
        if aid not in files:
            continue
        out.append(Article(aid, lang, read_text(files[aid]), line_labels=lines, spans=spans.get(aid, [])))
    out.sort(key=lambda a: a.id)
    return out


# -- CheckThat! 2025 subjectivity ----------------------------------------------------------------
SUBJ_LANGS = {"english": "en", "german": "de", "italian": "it", "bulgarian": "bg", "arabic": "ar"}


@dataclass
class SubjSentence:
    id: str
    lang: str
    split: str
    text: str
    label: str  # SUBJ | OBJ


def load_subjectivity(root: Path, langs=("english",), splits=("train", "dev", "dev_test")) -> list[SubjSentence]:
    root = Path(root)
    if (root / "checkthat2025-subjectivity").is_dir():
        root = root / "checkthat2025-subjectivity"
    out = []
    for lang in langs:
        code = SUBJ_LANGS.get(lang, lang)
        for split in splits:
            p = root / lang / f"{split}_{code}.tsv"
            if not p.exists():
                raise DataError("subjectivity file not found", where=str(p),
                                hint="point --data at ../shared/data/checkthat2025-subjectivity")
            with p.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                for row in reader:
                    lab = (row.get("label") or "").strip()
                    if lab not in ("SUBJ", "OBJ"):
                        continue
                    out.append(SubjSentence(row["sentence_id"], code, split, row["sentence"], lab))
    return out
