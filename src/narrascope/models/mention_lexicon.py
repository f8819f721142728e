"""Mention finding for languages without a tagger (BG, HI, PT, RU): a lexicon learned from the
SemEval-2025 subtask-1 mention annotations, matched as whole words (longest first), added to the
capitalised-span fallback (and, for Hindi, to the hand-written gazetteer).

This is a learned list of actor names, not a token tagger: it finds the actors the annotated
corpus names (in the forms it names them), and nothing new. Recall per language is measured in
grouped cross-validation (the lexicon built on the other folds) by ``narrascope train roles``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from .entities import Mention

LEXICON_FILE = "mention-lexicon.json"
_LETTER = re.compile(r"[\w\u0900-\u097F]")


def build_lexicon(mentions: list[tuple[str, str]], min_count: int = 1, max_words: int = 4) -> dict[str, list[str]]:
    """language -> sorted mention strings (at least two characters, at most ``max_words`` words)."""
    counts: dict[tuple[str, str], int] = {}
    for lang, m in mentions:
        m = " ".join(m.split())
        if len(m) < 2 or len(m.split()) > max_words or not _LETTER.search(m):
            continue
        counts[(lang.lower(), m)] = counts.get((lang.lower(), m), 0) + 1
    out: dict[str, list[str]] = {}
    for (lang, m), n in counts.items():
        if n >= min_count:
            out.setdefault(lang, []).append(m)
    return {k: sorted(v) for k, v in sorted(out.items())}


def _is_word_char(c: str) -> bool:
    return c.isalnum() or "\u0900" <= c <= "\u097f"


@lru_cache(maxsize=16)
def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def lexicon_mentions(text: str, words: tuple[str, ...] | list[str], taken: list[Mention] = ()) -> list[Mention]:
    """Whole-word occurrences of the lexicon entries that do not overlap ``taken``."""
    pat = _pattern(tuple(words))
    if pat is None:
        return list(taken)
    spans = [(m.start, m.end) for m in taken]
    out = list(taken)
    for r in pat.finditer(text):
        s, e = r.start(), r.end()
        if (s > 0 and _is_word_char(text[s - 1])) or (e < len(text) and _is_word_char(text[e])):
            continue
        if any(a < e and s < b for a, b in spans):
            continue
        spans.append((s, e))
        out.append(Mention(s, e, text[s:e], "ENTITY"))
    return sorted(out, key=lambda m: (m.start, m.end))


def save_lexicon(lex: dict[str, list[str]], folder: str | Path) -> None:
    (Path(folder) / LEXICON_FILE).write_text(json.dumps(lex, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def load_lexicon(folder: str | Path) -> dict[str, tuple[str, ...]]:
    p = Path(folder) / LEXICON_FILE
    if not p.exists():
        return {}
    return {k: tuple(v) for k, v in json.loads(p.read_text(encoding="utf-8")).items()}


def mention_recall_cv(data, folds, finder) -> dict:
    """Share of gold mentions (per language) overlapped by a found mention, the lexicon built on the
    other folds; ``finder(text, lang, words)`` returns the mentions of one article."""
    out = {}
    for L in sorted(set(data.lang)):
        hit = total = found_n = 0
        docs_seen = set()
        for k in sorted(set(folds.tolist())):
            train = [(data.lang[i], data.contexts[i].text[data.contexts[i].start:data.contexts[i].end])
                     for i in range(len(data)) if folds[i] != k and data.lang[i] == L]
            words = tuple(build_lexicon(train).get(L.lower(), ()))
            base_words: tuple[str, ...] = ()
            by_doc: dict[str, list[int]] = {}
            for i in range(len(data)):
                if folds[i] == k and data.lang[i] == L:
                    by_doc.setdefault(data.doc[i], []).append(i)
            for d, idx in by_doc.items():
                text = data.contexts[idx[0]].text
                f_base = finder(text, L.lower(), base_words)
                f_lex = finder(text, L.lower(), words)
                if d not in docs_seen:
                    docs_seen.add(d)
                    found_n += len(f_lex)
                for i in idx:
                    c = data.contexts[i]
                    total += 1
                    hit += any(m.start < c.end and c.start < m.end for m in f_lex)
                    out.setdefault(L, {}).setdefault("base_hits", 0)
                    out[L]["base_hits"] += any(m.start < c.end and c.start < m.end for m in f_base)
        out[L] = {"gold_mentions": total, "recall_fallback": round(out[L]["base_hits"] / max(total, 1), 4),
                  "recall_with_lexicon": round(hit / max(total, 1), 4),
                  "found_per_article": round(found_n / max(len(docs_seen), 1), 1)}
    return out
