"""Who said what: direct and indirect quotes with speaker, cue and content spans (rules, no model).

What is found (English first; quote marks work in every language):

- **direct quotes** in every common quote style -- ``"..."``, ``“...”``, ``«...»``, ``„...“``,
  ``'...'``, ``‘...’`` -- multi-sentence and split (``"A," he said, "B."``), attributed by a cue
  after (``"...," Peskov said`` / ``"...," said Peskov``), before (``Peskov said: "..."``,
  ``told radio that "..."``), by a colon after a subject (``X was blunter: "..."``), by a naming
  verb (``called the plan "a provocation"``) or as a continuation of the previous quote in the
  same paragraph;
- **indirect speech**: ``X said (that) ...``, ``X told journalists that ...``, ``..., X said.``,
  ``A, X said, B``, ``according to X, ...``, ``X's statement that ...``, participles after a
  reporting clause (``..., adding that ...``, ``..., accusing ...``) and coordinated cues
  (``... and warned that ...``);
- **headlines**: ``Kremlin: talks "constructive"`` and ``..., Kremlin Says``.

Speaker resolution (documented rules, in this order):

1. the speaker mention contains a name -> that name, expanded to the fullest form of the same
   name seen in the article ("Peskov" -> "Dmitry Peskov"); with ``analysis.data["entities"]``
   present, the entity whose mention overlaps the speaker wins (``resolved_by="name"``);
2. a pronoun (he/she) -> the most recent earlier quote speaker, else the most recent earlier
   person mention, whose gender does not contradict the pronoun (``"pronoun"``); gender comes from
   role words (spokeswoman), first names and Slavic surname endings (-ova/-ev...);
3. a role noun ("the spokesman", "the Kremlin spokesman", "the minister", "the premier") -> the
   most recent person introduced with that role ("Kremlin spokesman Dmitry Peskov"), preferring
   one whose role shares the modifier; else the most recent named person speaker
   (``"role-noun"``);
4. a relative pronoun (``X, who said ...``) -> X; a participle or coordinated cue -> the speaker
   of the clause it hangs on; a continuation quote -> the previous quote's speaker
   (``"continuation"``);
5. anything else (``officials``, ``a government source``, ``they``) stays unresolved:
   ``speaker_entity=None``, ``resolved_by=None``.

Other languages: quote marks, split quotes and the trailing/intro patterns work everywhere; cue
verbs and ``according to`` are listed for Russian, Bulgarian and Portuguese (a small list, not
tuned). Everything else falls back to "direct quote with unresolved speaker" or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..document import Analysis, Document, span_dict
from .base import Analyzer
from .quote_lexicons import (  # noqa: F401 - importable from here as before
    _CUES_EN, _CUE_PHRASES_EN, _CUES_OTHER, _CUES, _OBJECT_CUES, _PARTICIPLES, _NAMING, _THAT,
    _STATEMENT_NOUNS, _ACCORDING, PRONOUNS, _RELATIVE, _AUX, ROLE_WORDS, _ROLE_SYNONYMS, _NP_ROLE_HEADS,
    _GENERIC_HEADS, _TITLES, _NATIONALITY_WORDS, _NOT_NATIONALITY, _NationalityMatcher, _NATIONALITY,
    _ORG_WORDS, _PLACES_AS_ACTORS, _FEMALE_NAMES, _MALE_NAMES,
)
from .quote_grammar import (  # noqa: F401 - importable from here as before
    _LETTER, _QUOTE_PATTERNS, _QUOTE_CHARS, _TRIM, _TOKEN, _DASHES, _HEADLINE_LABELS, _ADDRESSEE,
    _SUBJECT_START, _PARTICLES, _DATELINE, _DISCOURSE, _QM, find_quote_marks, _tokens, _trim, _trim_content,
    _inside_marks, _is_cap, _gender, _role_head, _norm_role, _NP, _classify_np, _np_left, _np_right,
    _np_right_simple, _GEO_WORDS, _FUNCTION_WORDS, _plain_name_word,
)
from .quote_people import (  # noqa: F401 - importable from here as before
    _Person, _NAME_SEQ, _Registry,
)


# ---------------------------------------------------------------------------------------------
# The analyzer
# ---------------------------------------------------------------------------------------------
@dataclass
class _Quote:
    kind: str
    content: list[tuple[int, int]]  # parts; the content span covers first start .. last end
    cue: tuple[int, int] | None
    speaker: _NP | None
    via: str | None = None  # "continuation", "participle", "relative", "coordination"
    inherit: "_Quote | None" = None
    entity: str | None = None
    resolved_by: str | None = None

    @property
    def cstart(self) -> int:
        return self.content[0][0]

    @property
    def cend(self) -> int:
        return self.content[-1][1]


class QuotesAnalyzer(Analyzer):
    name = "quotes"
    requires = ("data.entities",)
    assigns = ("data.quotes", "spans.quotes")
    version = "1"
    description = "Direct and indirect quotes: speaker, cue and content spans, speaker resolved to a name."

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        text = doc.text
        entities = analysis.data.get("entities") if isinstance(analysis.data.get("entities"), list) else None
        head = text[: doc.body_start] if doc.body_start else ""
        words = re.findall(r"[A-Za-z]\w+", head)
        title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6
        reg = _Registry(text, entities, skip=doc.body_start if title_case else 0)
        quotes: list[_Quote] = []
        title_para = doc.paragraphs[0] if (doc.title and doc.paragraphs) else None
        last_para_with_speaker = -2
        for pi, (ps, pe) in enumerate(doc.paragraphs):
            is_title = title_para == (ps, pe) or (ps == 0 and (pe - ps) < 120 and len(doc.paragraphs) > 1 and "\n\n" in text[pe : pe + 3])
            para = self._paragraph(text, ps, pe, doc, is_title)
            # a paragraph that is only an unattributed quote continues the previous paragraph's
            # last attributed quote (the usual wire layout)
            prev = [q for q in quotes if q.speaker is not None or q.inherit is not None]
            if prev and last_para_with_speaker == pi - 1 and not any(q.speaker or q.inherit for q in para):
                last = max(prev, key=lambda q: q.cend)
                for q in para:
                    if q.kind == "direct" and q.cue is None and q.inherit is None and text[ps : q.cstart].strip() in _QUOTE_CHARS:
                        q.inherit, q.via = last, "continuation"
            quotes.extend(para)
            if any(q.speaker is not None or q.inherit is not None for q in para):
                last_para_with_speaker = pi
        quotes.sort(key=lambda q: q.cstart)
        self._resolve(text, quotes, reg)
        self._emit(text, quotes, analysis)

    # -- per paragraph -------------------------------------------------------------------------
    def _units(self, text: str, doc: Document, ps: int, pe: int, marks: list[_QM]) -> list[tuple[int, int]]:
        """Sentences of the paragraph, merged where a boundary falls inside quote marks; a leading
        dateline ("MOSCOW, March 14 (Agency) - ") is cut off the first sentence."""
        sents = [(s, e) for s, e in doc.sentences if s >= ps and e <= pe] or [(ps, pe)]
        out: list[list[int]] = []
        for s, e in sents:
            if out and any(q.open < s <= q.close for q in marks):
                out[-1][1] = e
            else:
                out.append([s, e])
        if out:
            m = _DATELINE.match(text, out[0][0], out[0][1])
            if m:
                out[0][0] = m.end()
        return [(a, b) for a, b in out if b > a]

    def _paragraph(self, text: str, ps: int, pe: int, doc: Document, is_title: bool) -> list[_Quote]:
        marks = find_quote_marks(text, ps, pe)
        units = self._units(text, doc, ps, pe, marks)
        used_cues: set[int] = set()
        out: list[_Quote] = []
        if is_title:
            q = self._headline(text, ps, pe, marks)
            if q:
                return [q]
        # 1. direct quotes attached to a cue
        for idx, qm in enumerate(marks):
            if qm.used:
                continue
            u = next(((s, e) for s, e in units if s <= qm.open < e), (ps, pe))
            q = self._direct(text, qm, marks[idx + 1 :], u, is_title)
            if q:
                out.append(q)
                if q.cue:
                    used_cues.add(q.cue[0])
        # 2. indirect speech per unit
        for us, ue in units:
            out.extend(self._indirect(text, us, ue, marks, used_cues, out, is_title))
        # 3. leftover quote marks: continuations and long unattributed quotes
        for qm in marks:
            if qm.used:
                continue
            content = text[qm.cstart : qm.cend]
            nwords = len(content.split())
            starts_unit = any(abs(s - qm.open) <= 1 for s, _ in units) or text[ps:qm.open].strip() == ""
            prev = [q for q in out if q.cend <= qm.open and q.speaker is not None or (q.cend <= qm.open and q.inherit)]
            cs, ce = _trim(text, qm.cstart, qm.cend, " ,")
            if starts_unit and prev and content[:1].isupper():
                out.append(_Quote("direct", [(cs, ce)], None, None, via="continuation", inherit=max(prev, key=lambda q: q.cend)))
                qm.used = True
            elif starts_unit and nwords >= 6 and content[:1].isupper():
                out.append(_Quote("direct", [(cs, ce)], None, None))
                qm.used = True
        return out

    def _headline(self, text: str, ps: int, pe: int, marks: list[_QM]) -> _Quote | None:
        m = re.match(r"([A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){0,3}):\s+", text[ps:pe])
        if not m:
            return None
        if m.group(1).split()[0] in _HEADLINE_LABELS:
            return None
        np = _classify_np(text, _tokens(text, ps, ps + m.end(1)))
        if np is None or np.kind not in ("name", "org"):
            return None
        cs, ce = ps + m.end(), pe
        kind = "indirect"
        for qm in marks:
            if qm.open == cs and qm.close == ce - 1:
                cs, ce, kind = qm.cstart, qm.cend, "direct"
            if qm.open >= ps + m.end():
                qm.used = True
        cs, ce = _trim_content(text, cs, ce)
        if ce <= cs:
            return None
        return _Quote(kind, [(cs, ce)], (ps + m.end(1), ps + m.end(1) + 1), np)

    # -- direct --------------------------------------------------------------------------------
    def _cue_at(self, text: str, pos: int, hi: int, is_title: bool) -> tuple[int, int] | None:
        m = re.match(r"\s*(\w+(?:\s+\w+)?)", text[pos:hi])
        if not m:
            return None
        two = m.group(1)
        s = pos + m.start(1)
        for ph in _CUE_PHRASES_EN:
            if two.lower() == ph:
                return (s, s + len(ph))
        w = two.split()[0]
        if w in _CUES or (is_title and w.lower() in _CUES):
            return (s, s + len(w))
        return None

    def _direct(self, text: str, qm: _QM, later: list[_QM], unit: tuple[int, int], is_title: bool) -> _Quote | None:
        us, ue = unit
        cs, ce = _trim(text, qm.cstart, qm.cend, " ,")
        after = qm.close + 1
        # "...," Peskov said / "...," said Peskov / «...», — заявил Песков
        # (only when the quote opens the sentence or follows a colon/dash: otherwise it is a
        # fragment of a longer reported clause, handled as indirect speech)
        lead = text[us : qm.open].strip()
        m = re.match(r"\s*[,]?\s*(?:[—–-]\s*)?", text[after:ue])
        p = after + (m.end() if m else 0)
        if p < ue and (not lead or lead.endswith((":", "—", "–", "-"))):
            cue = self._cue_at(text, p, ue, is_title)
            if cue:  # inverted: cue then speaker
                np = _np_right(text, cue[1] + 1, ue)
                if np is not None and np.kind != "relative":
                    q = _Quote("direct", [(cs, ce)], cue, np)
                    qm.used = True
                    self._split_tail(text, q, np.end, later, ue)
                    return q
            # speaker then cue: find the first cue word within the next 8 tokens
            toks = _tokens(text, p, ue)
            toks = self._drop_apposition(toks)
            for k, t in enumerate(toks[:12]):
                if t[2] in (".", "!", "?", ";", "and", "but", "while", "as") or (t[2] == "," and k > 0 and toks[k - 1][2] not in ("Jr",) and not self._comma_is_apposition(toks, k)):
                    break
                c = self._cue_at(text, t[0], ue, is_title)
                if c and k > 0:
                    np = _np_left(text, p, t[0])
                    if np is not None:
                        q = _Quote("direct", [(cs, ce)], c, np)
                        qm.used = True
                        self._split_tail(text, q, c[1], later, ue)
                        return q
                    break
        # intro: Peskov said: "..." / he replied, "..." / told radio that "..." / X was blunter: "..."
        before = text[us : qm.open]
        m2 = re.search(r"(?:\b(that|что|че|que)\s*|([:,])\s*(?:[—–-]\s*)?)$", before)
        if m2:
            end_intro = us + m2.start()
            # the quote must run to the end of the unit (or be followed only by punctuation)
            tail = text[qm.close + 1 : ue].strip()
            full = not tail or re.fullmatch(r"[\s.,!?;:)\]]*", tail) is not None or text[qm.close - 1] == ","
            if m2.group(1) and not full:
                return None  # a quoted fragment inside indirect speech: handled there
            found = self._cue_before(text, us, end_intro, is_title)
            if found:
                cue, np = found
                if m2.group(1) or end_intro - cue[1] < 40:
                    qm.used = True
                    return _Quote("direct", [(cs, ce)], cue, np)
            if m2.group(2) == ":":
                # subject + predicate + colon: "The Polish foreign minister, Radoslaw Sikorski, was blunter:"
                subj = _np_right(text, us, end_intro)
                if subj is not None and subj.kind in ("name", "org", "role", "pronoun"):
                    app = re.match(r"\s*,\s*([^,]+),\s*", text[subj.end : end_intro])
                    if app:
                        a_np = _np_right_simple(text, subj.end + app.start(1), subj.end + app.end(1))
                        if a_np is not None and a_np.kind == "name":
                            a_np.role_words = subj.role_words + a_np.role_words
                            subj_end = subj.end + app.end()
                            subj = a_np
                        else:
                            subj_end = subj.end
                    else:
                        subj_end = subj.end
                    c0, c1 = _trim(text, subj_end, end_intro)
                    if c1 > c0 and len(text[c0:c1].split()) <= 6:
                        qm.used = True
                        return _Quote("direct", [(cs, ce)], (c0, c1), subj)
        # naming verbs: 'Peskov called the plan "a provocation"'
        toks = _tokens(text, us, qm.open)
        for k in range(len(toks) - 1, max(-1, len(toks) - 8), -1):
            if toks[k][2] in _NAMING:
                np = _np_left(text, us, toks[k][0])
                if np is not None and np.kind in ("name", "org", "role", "pronoun", "generic"):
                    qm.used = True
                    return _Quote("direct", [(cs, ce)], (toks[k][0], toks[k][1]), np)
                break
            if toks[k][2] in (".", ";", "!", "?"):
                break
        return None

    @staticmethod
    def _drop_apposition(toks):
        """Remove ', who led the delegation,' after a name so the cue after it is reached."""
        for k, t in enumerate(toks[:8]):
            if t[2] == "," and k > 0 and k + 1 < len(toks) and toks[k + 1][2].lower() in ("who", "which", "the", "a", "an", "his", "her", "its", "their"):
                for j in range(k + 1, min(len(toks), k + 16)):
                    if toks[j][2] == ",":
                        return toks[:k] + toks[j + 1 :]
                break
            if t[2] in (".", "!", "?", ";"):
                break
        return toks

    @staticmethod
    def _comma_is_apposition(toks, k) -> bool:
        # '"...," Vladimir Medinsky, who led the Russian delegation, told reporters'
        return k + 1 < len(toks) and toks[k + 1][2].lower() in ("who", "the", "a", "an")

    def _cue_before(self, text: str, lo: int, hi: int, is_title: bool):
        """Last cue word in text[lo:hi] with a speaker phrase before it."""
        toks = _tokens(text, lo, hi)
        for k in range(len(toks) - 1, -1, -1):
            t = toks[k]
            c = self._cue_at(text, t[0], hi, is_title)
            if c and c[0] == t[0]:
                np = _np_left(text, lo, t[0])
                if np is not None and np.kind == "relative":
                    np = self._antecedent(text, lo, t[0])
                if np is None and k > 0 and toks[k - 1][2] in ("and", "but"):
                    np = _np_right(text, lo, hi)  # "X insisted that ... and warned: "..."" -> X
                if np is not None:
                    return c, np
        return None

    def _antecedent(self, text: str, lo: int, rel_pos: int) -> _NP | None:
        # "Friedrich Merz, who emphasized" -> the phrase before ", who"
        m = re.search(r",\s*(?:who|который|которая|който|която)\s+(?:\w+\s+)?$", text[lo:rel_pos])
        if not m:
            return None
        return _np_left(text, lo, lo + m.start(), allow_parenthetical=False) or _np_right(text, lo, lo + m.start())

    def _split_tail(self, text: str, q: _Quote, pos: int, later: list[_QM], ue: int) -> None:
        """'"A," he said, "B."' -> add B as a second part of the same quote."""
        for nxt in later[:1]:
            gap = text[pos : nxt.open]
            # allow a short adverbial after the cue ("he said on Monday,")
            if re.fullmatch(r"[^.!?\"“”«»]{0,40}?,\s*", gap) and not nxt.used:
                cs, ce = _trim(text, nxt.cstart, nxt.cend, " ,")
                q.content.append((cs, ce))
                nxt.used = True

    # -- indirect ------------------------------------------------------------------------------
    def _indirect(self, text, us, ue, marks, used_cues, direct, is_title) -> list[_Quote]:
        out: list[_Quote] = []
        toks = _tokens(text, us, ue)
        covered = [(q.cstart, q.cend) for q in direct] + [(qm.open, qm.close + 1) for qm in marks if qm.used]

        def inside(pos):
            return any(a <= pos < b for a, b in covered)

        def inside_marks(pos):
            return any(qm.open < pos < qm.close for qm in marks)

        # according to X, CONTENT  /  CONTENT, according to X
        for m in _ACCORDING.finditer(text, us, ue):
            if inside(m.start()) or inside_marks(m.start()):
                continue
            np = _np_right(text, m.end(), ue)
            if np is None:
                continue
            cue = (m.start(), m.end() - len(m.group()) + len(m.group().rstrip()))
            rest = text[np.end : ue]
            if re.match(r"\s*,", rest):
                cs, ce = _trim_content(text, np.end, ue)
            elif re.fullmatch(r"[\s.!?;:)\]\"'”’»]*", rest) and re.search(r",\s*$", text[us : m.start()]):
                cs, ce = _trim_content(text, us, m.start())  # "CONTENT, according to X."
            else:
                continue  # "which according to ESA works like ...": not a reported statement
            if ce - cs > 3:
                q = _Quote("indirect", [(cs, ce)], cue, np)
                out.append(q)
                self._absorb(text, marks, q)
        # (media) quoted X as saying (that) CONTENT
        for m in re.finditer(r"\bquoted\s+", text[us:ue]):
            a = us + m.end()
            m2 = re.search(r"\s+as\s+saying\s+(?:that\s+)?", text[a:ue])
            if not m2 or m2.start() > 80:
                continue
            np = _np_right(text, a, a + m2.start())
            if np is None or inside_marks(a):
                continue
            cs, ce = self._clip(text, a + m2.end(), ue)
            if ce - cs > 3:
                q = _Quote("indirect", [(cs, ce)], (a + m2.start() + 1, a + m2.start() + len(m2.group().rstrip().removesuffix("that").rstrip())), np)
                out.append(q)
                self._absorb(text, marks, q)
                used_cues.add(q.cue[0])
        # X's statement that CONTENT
        for m in re.finditer(r"[’']s\s+(\w+)\s+that\s+", text[us:ue]):
            if m.group(1).lower() in _STATEMENT_NOUNS:
                a = us + m.start()
                np = _np_left(text, us, a + 2)
                if np is None:
                    continue
                cs, ce = _trim_content(text, us + m.end(), ue)
                q = _Quote("indirect", [(cs, ce)], (us + m.start(1), us + m.end(1)), np)
                out.append(q)
                self._absorb(text, marks, q)
        # main-clause cues
        k = 0
        last_main: _Quote | None = None
        last_np: tuple[_NP, tuple[int, int]] | None = None  # a reporting clause with no content of its own
        while k < len(toks):
            ts, te, w = toks[k]
            cue = self._cue_at(text, ts, ue, is_title) if (w in _CUES or w.lower() in ("made", "makes", "make", "pointed", "points", "went") or (is_title and w.lower() in _CUES)) else None
            if not cue or cue[0] != ts or cue[0] in used_cues or inside(ts) or inside_marks(ts):
                k += 1
                continue
            prev_tok = toks[k - 1][2] if k > 0 else ""
            if ((w in _PARTICIPLES and prev_tok == ",") or prev_tok.lower() == "and") and last_main is None:
                ds = [q for q in direct if q.cue and us <= q.cue[0] < ts and q.speaker is not None]
                last_main = max(ds, key=lambda q: q.cue[0]) if ds else None
            if w in _PARTICIPLES and prev_tok == "," and last_main is not None:
                cs, ce = self._content_after(text, cue[1], ue, participle=True)
                if ce - cs > 3:
                    q = _Quote("indirect", [(cs, ce)], cue, None, via="participle", inherit=last_main)
                    out.append(q)
                    self._absorb(text, marks, q)
                k += 1
                continue
            if w in _PARTICIPLES and prev_tok == "," and last_np is not None:
                # "Peskov told journalists on Monday, accusing Kyiv of lies."
                cs, ce = self._content_after(text, cue[1], ue, participle=True)
                if ce - cs > 3:
                    q = _Quote("indirect", [(cs, ce)], cue, last_np[0], via="participle")
                    out.append(q)
                    self._absorb(text, marks, q)
                    last_main = q
                k += 1
                continue
            if w in _PARTICIPLES and prev_tok == ",":
                k += 1  # a participle with no reporting clause to hang on is not a cue
                continue
            if prev_tok.lower() == "and" and last_main is not None and w in _CUES:
                cs, ce = self._content_after(text, cue[1], ue)
                bare_ok = w in ("said", "says", "added", "claimed", "insisted", "argued", "stressed", "warned")
                that_follows = re.match(r"\s*(?:that\b|:)", text[cue[1] : ue]) is not None
                if ce - cs > 3 and self._starts_clause(text, cs) and (bare_ok or that_follows):
                    q = _Quote("indirect", [(cs, ce)], cue, None, via="coordination", inherit=last_main)
                    out.append(q)
                    self._absorb(text, marks, q)
                    last_main.content[-1] = self._cut(text, last_main.content[-1], toks[k - 1][0])
                k += 1
                continue
            np = _np_left(text, us, ts)
            via = None
            if np is not None and np.kind == "relative":
                np = self._antecedent(text, us, ts)
                via = "relative"
            if np is None and w.lower() in _CUES_OTHER or (np is None and w.lower() in _CUES and re.match(r"\s*,", text[toks[k - 1][1] if k else us : ts] if k else "")):
                np = None
            q = None
            if np is not None:
                q = self._main_clause(text, us, ue, np, cue, w, marks)
            else:
                # inverted trailing: "CONTENT, said Peskov." / "..., says Medvedev" / "..., заявил Песков"
                if prev_tok in (",", "—", "–") and k >= 2:
                    np2 = _np_right(text, cue[1] + 1, ue)
                    if np2 is not None and np2.kind in ("name", "org", "role", "pronoun", "generic"):
                        cs, ce = _trim_content(text, us, toks[k - 1][0])
                        if ce - cs > 3:
                            q = _Quote("indirect", [(cs, ce)], cue, np2)
            if q is None and np is not None and np.kind != "relative":
                last_np = (np, cue)
            if q is not None:
                q.via = q.via or via
                out.append(q)
                self._absorb(text, marks, q)
                last_main = q
                used_cues.add(cue[0])
                covered.append((q.cstart, q.cend))
                # skip tokens inside the content we just took (it can hold no main cue of its own)
                while k < len(toks) and toks[k][0] < max(q.cend, cue[1]) and not (toks[k][0] >= cue[1] and toks[k][2] == "," ):
                    k += 1
                continue
            k += 1
        return out

    def _main_clause(self, text, us, ue, np: _NP, cue, w, marks) -> _Quote | None:
        # content after the cue (X said that ... / X told journalists that ... / X said the West was ...)
        cs, ce = self._content_after(text, cue[1], ue, obj=w.lower() in _OBJECT_CUES)
        if ce - cs > 3 and self._starts_clause(text, cs):
            return _Quote("indirect", [(cs, ce)], cue, np)
        # trailing / parenthetical: "CONTENT, X said (on Thursday)(, B)"
        lead_s, lead_e = _trim(text, us, np.start)
        if lead_e > lead_s and text[np.start - 1 : np.start].isspace() and text[lead_s:np.start].rstrip().endswith((",", "—", "–")):
            lead_e = len(text[:np.start].rstrip().rstrip(",—–").rstrip())
            lead_s, lead_e = _trim_content(text, lead_s, lead_e)
            if lead_e - lead_s < 3:
                return None
            after_cue = self._skip_object_adverbials(text, cue[1], ue, obj=w.lower() in _OBJECT_CUES)
            m = re.match(r"\s*,\s*", text[after_cue:ue])
            if m:
                nxt = after_cue + m.end()
                nw = re.match(r"(\w+)", text[nxt:ue])
                if nw and nw.group(1)[0].islower() and nw.group(1) not in _PARTICIPLES and nw.group(1) not in ("and", "but", "while"):
                    # parenthetical: A, X said, B
                    b_s, b_e = _trim_content(text, nxt, ue)
                    return _Quote("indirect", [(lead_s, lead_e), (b_s, b_e)], cue, np)
            return _Quote("indirect", [(lead_s, lead_e)], cue, np)
        return None

    _ADVERBIAL = re.compile(
        r"\s*(?:,\s*)?(?:(?:late|early)\s+)?(?:on|in|at|during|after|before|to|via|from|over|through)\s+"
        r"(?:(?:a|an|the|his|her|its|their)\s+)?(?:[\w’'\-]+\s+){0,4}?"
        r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
        r"August|September|October|November|December|statement|interview|briefing|conference|address|speech|"
        r"Telegram|X|Twitter|Facebook|television|TV|radio|reporters|journalists|meeting|talks|summit|session|"
        r"visit|post|call|press|weekend|morning|evening|night|week|month|year|media|agency|news|network|channel)"
        r"(?:\s+\d{1,2})?(?:,\s+\d{4})?\b"
        r"|\s*(?:later|afterwards|earlier|yesterday|today|again|also|separately|publicly|repeatedly|recently|overnight)\b"
    )

    def _skip_object_adverbials(self, text, pos, ue, obj=False) -> int:
        if obj:
            m = re.match(r"\s+((?:[\w’'\-]+\s+){0,12}?)that\b", text[pos:ue])
            if m and "," not in m.group(0):
                return pos + m.end() - 4
            m = re.match(r"\s+[^,.;]+", text[pos:ue])
            if m:
                return pos + m.end()
        while True:
            m = self._ADVERBIAL.match(text, pos, ue)
            if not m or m.end() == pos:
                return pos
            pos = m.end()

    def _content_after(self, text, pos, ue, obj=False, participle=False) -> tuple[int, int]:
        if participle:
            m = re.match(r"\s+(?:that\s+)?", text[pos:ue])
            start = pos + (m.end() if m else 0)
        else:
            m_that = re.match(r"\s+((?:[\w’'\-]+,?\s+){0,12}?)(?:that|что|че|que)\s+", text[pos:ue])
            if m_that and ("," not in m_that.group(1) or not obj):
                start = pos + m_that.end()
            else:
                if obj:
                    # "told journalists the talks had failed": only after a known addressee, and only
                    # when a subject-like word follows (otherwise it is a trailing attribution)
                    m_obj = _ADDRESSEE.match(text, pos, ue)
                    if not m_obj:
                        return (pos, pos)
                    start = self._skip_object_adverbials(text, m_obj.end(), ue)
                    if not _SUBJECT_START.match(text, start, ue):
                        return (pos, pos)
                    return self._clip(text, start, ue)
                start = self._skip_object_adverbials(text, pos, ue)
                m = re.match(r"\s*,?\s*(?:that\s+)?", text[start:ue])
                if text[start:ue].lstrip().startswith(","):
                    return (pos, pos)
                start += m.end() if m else 0
        return self._clip(text, start, ue)

    def _clip(self, text, start, ue) -> tuple[int, int]:
        end = ue
        # stop before a coordinated cue / participle cue / contrast clause
        for m in re.finditer(r",?\s+(?:and|but)\s+(?:\w+\s+)?(\w+)\s*(?:that\b|:)|,\s+(\w+ing)\b|,\s+(?:while|whereas)\s+", text[start:ue]):
            word = m.group(1) or m.group(2)
            if word is None or word in _CUES or word in _PARTICIPLES:
                end = start + m.start()
                break
        return _trim_content(text, start, end)

    @staticmethod
    def _starts_clause(text, cs) -> bool:
        w = re.match(r"[\w’'«“\"„]+", text[cs:])
        if not w:
            return False
        word = w.group().lower().strip("«“\"„")
        if re.match(r"(?:at least|at most|at the (?:same|very))\b", text[cs : cs + 20], re.I):
            return True
        return word not in ("to", "of", "for", "with", "about", "on", "in", "at", "by", "and", "as", "so", "it.")

    @staticmethod
    def _cut(text, part, pos) -> tuple[int, int]:
        s, _ = part
        return _trim_content(text, s, pos)

    @staticmethod
    def _absorb(text: str, marks: list[_QM], q: _Quote) -> None:
        """Quote marks inside an indirect content are fragments of it, not quotes of their own.

        When the marks enclose the whole content (``told radio that "..."``) the quote is direct.
        """
        whole = len(q.content) == 1
        for qm in marks:
            if q.cstart <= qm.open and qm.close < q.cend + 1:
                qm.used = True
                if whole and qm.open == q.cstart and qm.close >= q.cend - 1:
                    q.kind = "direct"
                    q.content = [_trim(text, qm.cstart, qm.cend, " ,")]

    # -- resolution ----------------------------------------------------------------------------
    def _resolve(self, text: str, quotes: list[_Quote], reg: _Registry) -> None:
        speakers: list[tuple[int, str, bool]] = []  # (pos, entity, is_person) of resolved speakers so far
        for q in quotes:
            np = q.speaker
            if q.inherit is not None and np is None:
                q.entity = q.inherit.entity
                q.resolved_by = "continuation" if q.via == "continuation" else q.inherit.resolved_by
                if q.via in ("participle", "coordination"):
                    q.speaker = q.inherit.speaker
                continue
            if np is None:
                continue
            pos = np.start
            if np.kind in ("name", "org"):
                ent = reg.entity_at(np.name_start or np.start, np.name_end or np.end)
                name = ent or (reg.expand(np.name, pos) if np.kind == "name" else np.name)
                if np.kind == "name":
                    p = reg.add_person(name, pos, " ".join(np.role_words))
                    if not p.role_text and np.role_words:
                        p.roles |= reg._roles(" ".join(np.role_words))
                q.entity, q.resolved_by = name, "name"
                speakers.append((pos, name, np.kind == "name"))
            elif np.kind == "pronoun":
                g = PRONOUNS.get(np.pronoun or "")
                if g in ("m", "f"):
                    cand = self._pronoun_antecedent(reg, speakers, pos, g)
                    if cand:
                        q.entity, q.resolved_by = cand, "pronoun"
            elif np.kind == "role":
                words = np.role_words
                head = _role_head(words)
                mods = {_ROLE_SYNONYMS.get(w.lower(), w.lower()) for w in words} - {"the", "a", "an", head}
                best = None
                for p in reg.persons_before(pos):
                    if head and (head in p.roles or (head == "prime minister" and "prime minister" in p.roles)):
                        score = (len(mods & p.roles), p.pos)
                        if best is None or score > best[0]:
                            best = (score, p.name)
                if best is None:
                    persons = [s for s in speakers if s[2] and s[0] < pos]
                    if persons:
                        best = ((0, 0), persons[-1][1])
                if best:
                    q.entity, q.resolved_by = best[1], "role-noun"
                    speakers.append((pos, best[1], True))

    @staticmethod
    def _pronoun_antecedent(reg: _Registry, speakers, pos: int, g: str) -> str | None:
        for spos, name, is_person in reversed(speakers):
            if spos >= pos or not is_person:
                continue
            p = reg.person(name)
            pg = p.gender if p else _gender(name, set())
            if pg in (None, g):
                return name
        for p in reversed(reg.persons_before(pos)):
            if p.gender in (None, g):
                return p.name
        return None

    # -- output --------------------------------------------------------------------------------
    def _emit(self, text: str, quotes: list[_Quote], analysis: Analysis) -> None:
        data: list[dict[str, Any]] = []
        spans = []
        n = 0
        seen: set[tuple[int, int]] = set()
        for q in quotes:
            parts = [(s, e) for s, e in q.content if e > s]
            if not parts or (q.cstart, q.cend) in seen:
                continue
            seen.add((q.cstart, q.cend))
            n += 1
            qid = f"q{n}"
            content = span_dict(text, parts[0][0], parts[-1][1])
            rec: dict[str, Any] = {"id": qid, "kind": q.kind}
            sp = None
            if q.speaker is not None and q.speaker.kind != "relative":
                s_s, s_e = q.speaker.start, q.speaker.end
                if q.speaker.kind == "name" and q.speaker.name_start is not None:
                    s_s, s_e = q.speaker.name_start, q.speaker.name_end
                s_s, s_e = _trim(text, s_s, s_e, " ,")
                sp = span_dict(text, s_s, s_e)
            rec["speaker"] = sp
            rec["speaker_entity"] = q.entity
            rec["resolved_by"] = q.resolved_by
            rec["cue"] = span_dict(text, q.cue[0], q.cue[1]) if q.cue else None
            rec["content"] = content
            if len(parts) > 1:
                rec["content_parts"] = [span_dict(text, s, e) for s, e in parts]
            if q.via:
                rec["via"] = q.via
            data.append(rec)
            for i, (s, e) in enumerate(parts):
                spans.append(analysis.span(s, e, "quote-content", self.name, None, quote_id=qid, kind=q.kind, part=i,
                                           speaker_entity=q.entity))
            if sp:
                spans.append(analysis.span(sp["start"], sp["end"], "quote-speaker", self.name, None, quote_id=qid,
                                           speaker_entity=q.entity, resolved_by=q.resolved_by))
            if q.cue:
                spans.append(analysis.span(q.cue[0], q.cue[1], "quote-cue", self.name, None, quote_id=qid))
        analysis.data["quotes"] = data
        analysis.add_spans(spans)
