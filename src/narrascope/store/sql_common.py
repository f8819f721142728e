"""Small pieces the SQL store modules share: label-task groups, placeholders, chunking."""

from __future__ import annotations

import re
from typing import Iterator

# label tasks by name (what the analyzers assign: labels.narratives, labels.subnarratives, labels/spans techniques)
NARRATIVE = ("narratives", "subnarratives")
TECHNIQUE = ("techniques",)


def _in(tasks) -> str:
    return "(" + ", ".join("?" * len(tasks)) + ")"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _chunks(it: Iterator, n: int) -> Iterator[list]:
    buf: list = []
    for x in it:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf
