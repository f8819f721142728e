"""Paragraph and sentence boundaries as character offsets.

Rules, tuned for news: a paragraph is one non-blank line (the shared-task convention, and what
news extractors produce). A sentence ends at ``.``, ``!``, ``?``, ``…`` or the Devanagari danda,
optionally followed by closing quotes/brackets, then whitespace, then a character that is not
lower-case -- unless the word before the period is a known abbreviation ("Mr.", "Gen.", "Feb."),
a single initial ("J. Smith") or a dotted acronym ("U.S.") that is not followed by a typical
sentence opener. All offsets are half-open into the original string; no character is changed.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon pres supt
    insp det amb atty messrs mme mlle
    inc ltd co corp bros llc plc dept univ assn est approx ca cf vs etc al fig no nos vol pp op
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    ave blvd rd mt ft pt sq km kg mln bn
    art para sec ch
    """.split()
)
# Words that, after a dotted acronym like "U.S.", signal that a new sentence has started.
SENTENCE_OPENERS = frozenset(
    """
    the a an he she it they we i this that these those there in on at but and or so yet
    however meanwhile moscow kyiv kiev his her their its our after before when while as if
    according since although though despite also still
    """.split()
)

MONTHS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    januar februar märz mai juni juli oktober dezember janvier février mars avril juin juillet
    août septembre octobre novembre décembre
    """.split()
)

# a match starts only at the first mark of a run (the lookbehind): without it a long run of dots
# with no space after it was rescanned from every position (quadratic)
_BOUNDARY = re.compile(r"(?<![.!?\u2026\u0964])[.!?\u2026\u0964]+[\"'\u201d\u2019\u00bb)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.'-]+)$")
_LINE = re.compile(r"[^\n]+")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Half-open offsets of every non-blank line, with surrounding whitespace trimmed."""
    out: list[tuple[int, int]] = []
    for m in _LINE.finditer(text):
        s, e = _trim(text, m.start(), m.end())
        if s < e:
            out.append((s, e))
    return out


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` (one paragraph or more) as offsets into ``text``."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    for ps, pe in paragraph_spans(text[start:end]) if "\n" in text[start:end] else [(0, end - start)]:
        out.extend(_split_paragraph(text, start + ps, start + pe))
    return out


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cur = start
    para = text[start:end]
    for m in _BOUNDARY.finditer(para):
        cut = start + m.end()
        if not _is_boundary(text, start + m.start(), cut, end):
            continue
        s, e = _trim(text, cur, cut)
        if s < e:
            spans.append((s, e))
        cur = cut
    s, e = _trim(text, cur, end)
    if s < e:
        spans.append((s, e))
    return spans


def _is_boundary(text: str, punct_start: int, cut: int, end: int) -> bool:
    # next non-space character
    i = cut
    while i < end and text[i].isspace():
        i += 1
    if i >= end:
        return False  # paragraph end is handled by the caller
    nxt = text[i]
    if nxt.islower():
        return False
    if text[punct_start] != ".":
        return True
    if text[punct_start:cut].startswith("..."):
        # an ellipsis followed by a capital usually ends the sentence
        return True
    m = _WORD_BEFORE.search(text, max(0, punct_start - 64), punct_start)  # bounded: linear time
    if not m:
        return True
    word = m.group(1).strip("'-")
    bare = word.rstrip(".").lower()
    if not bare:
        return True
    if "." in word.rstrip("."):  # dotted acronym: U.S. / e.g. / a.m.
        nxt_word = re.match(r"[\w']+", text[i:end])
        return bool(nxt_word and nxt_word.group(0).lower() in SENTENCE_OPENERS)
    if bare in ABBREVIATIONS and (text[punct_start - 1 : punct_start].isalpha()):
        # "Gen. Smith", "Feb. 24" -- but "the U.N. Inc." cases are rare; abbreviation wins
        return False
    if len(bare) == 1 and bare.isalpha() and word[0].isupper():
        return False  # initial: "J. Smith"
    if bare.isdigit() and nxt.isdigit():
        return False
    if bare.isdigit() and len(bare) <= 2:  # "3. March" (numbered day before a month name)
        nxt_word = re.match(r"\w+", text[i:end])
        if nxt_word and nxt_word.group(0).lower() in MONTHS:
            return False
    return True


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_WORD = re.compile(r"\w+", re.UNICODE)


def word_count(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))
