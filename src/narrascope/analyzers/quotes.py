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
from dataclasses import dataclass, field
from typing import Any

from ..document import Analysis, Document, span_dict
from .base import Analyzer

# ---------------------------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------------------------
_CUES_EN = """
say says said saying tell tells told telling claims claimed claiming warn warns warned warning
stresses stressed stressing emphasize emphasizes emphasized emphasizing emphasise emphasises
emphasised emphasising add adds added adding insist insists insisted insisting argue argues argued
arguing noted noting stated declare declares declared declaring announce announced
announces explain explains explained explaining confirm confirms confirmed deny denies denied
admit admits admitted assert asserts asserted alleged alleges alleging accuse accuses accused accusing
suggest suggests suggested suggesting write writes wrote replies replied respond responds
responded maintain maintains maintained acknowledge acknowledged complain complained predicted
promised pledged vowed sighed tweeted posted quipped joked retorted countered cautioned
conceded reiterate reiterated repeated recalled observed remarked conceded contended
underlined underscored assured reminded informed revealed threatened boasted lamented reported
""".split()
_CUE_PHRASES_EN = ["made clear", "makes clear", "make clear", "pointed out", "points out", "went on to say"]
_CUES_OTHER = """
заявил заявила заявили сказал сказала сказали сообщил сообщила сообщили отметил отметила отметили
подчеркнул подчеркнула подчеркнули добавил добавила добавили написал написала пояснил пояснила
утверждает утверждал заявляет заяви заявиха каза казаха добави добавиха подчерта подчертаха посочи
отбеляза съобщи disse disseram afirmou afirmaram declarou declararam acrescentou acrescentaram
sublinhou destacou garantiu escreveu alertou
""".split()
_CUES = frozenset(_CUES_EN) | frozenset(_CUES_OTHER)
# cues that take an addressee object before the content ("told journalists that ...")
_OBJECT_CUES = frozenset("tell tells told telling assured reminded informed warned warn warns".split())
_PARTICIPLES = frozenset(
    "adding accusing saying claiming warning stressing insisting noting arguing emphasizing emphasising "
    "explaining alleging suggesting declaring asserting".split()
)
# verbs that name what was said: 'called the plan "a provocation"'
_NAMING = frozenset("called calls branded brands dubbed labelled labeled described describes denounced".split())
_THAT = frozenset(["that", "что", "че", "que"])
_STATEMENT_NOUNS = frozenset(
    "statement statements claim claims assertion assertions remarks remark comments insistence warning "
    "warnings allegation allegations suggestion argument promise pledge".split()
)
_ACCORDING = re.compile(
    r"\b(?:[Aa]ccording to|[Пп]о словам|[Пп]о мнению|[Сс]поред|[Ss]egundo|[Dd]e acordo com)\s+", re.UNICODE
)
PRONOUNS = {"he": "m", "she": "f", "they": "p", "we": "p", "i": "s", "it": "n", "он": "m", "она": "f", "ele": "m", "ela": "f"}
_RELATIVE = frozenset(["who", "который", "которая", "който", "която", "que"])
_AUX = frozenset(
    """has had have also again repeatedly later previously earlier once already then reportedly publicly
    openly recently further was is were are has been had been first subsequently""".split()
)
ROLE_WORDS = frozenset(
    """
    spokesman spokeswoman spokesperson minister president premier chancellor secretary chairman chairwoman
    chair head chief deputy ambassador envoy official officials diplomat diplomats leader leaders general
    commander adviser advisor aide senator governor mayor prosecutor lawyer analyst analysts expert experts
    source sources politician politicians lawmaker lawmakers representative representatives negotiator
    delegation minister's spokesman's officer officers king queen prince pope patriarch director ceo
    founder speaker member members critics critic observers observer correspondent journalist editor
    professor researcher activist activists opposition premier's foreign defence defense interior
    prime general secretary-general vice deputy press ministry's kremlin's military army
    """.split()
)
_ROLE_SYNONYMS = {
    "premier": "prime minister",
    "spokesperson": "spokesman",
    "spokeswoman": "spokesman",
    "chairwoman": "chairman",
    "chair": "chairman",
    "advisor": "adviser",
    "defense": "defence",
}
_NP_ROLE_HEADS = frozenset(
    """spokesman spokeswoman spokesperson minister president premier chancellor secretary chairman chairwoman
    head chief ambassador envoy official diplomat leader general commander adviser advisor aide senator
    governor mayor prosecutor negotiator king queen prince pope patriarch director politician lawmaker""".split()
)
_GENERIC_HEADS = frozenset(
    """officials diplomats leaders sources source analysts experts critics observers politicians lawmakers
    representatives members activists officers delegation side people residents office embassy ministry
    government authorities administration spokesperson's commentators insiders witnesses protesters
    campaigners investors economists scientists researchers voters citizens MPs deputies senators ministers
    bloggers media outlets newspaper channel agency intelligence services command police staff""".split()
)
_TITLES = frozenset(
    """President Prime Minister Foreign Defence Defense Secretary General Chancellor Spokesman Spokeswoman
    Mr Mrs Ms Dr Sen Senator Gov Governor Gen Col Lt Ambassador Envoy Chairman Deputy Vice Chief Head
    Premier King Queen Prince Pope Patriarch Commander Opposition Leader State Interior Economy Finance
    Justice Health Press""".split()
)
_NATIONALITY_WORDS = frozenset(
    """American German Mexican Afghan Moroccan Cuban Israeli Iraqi Pakistani Saudi Emirati Thai Qatari Kuwaiti
    Yemeni Somali Bangladeshi Nepali Azerbaijani Uzbek Kazakh Tajik Turkmen Kyrgyz Czech Slovak Dutch French
    Swiss Greek Danish Western Eastern Northern Southern European Soviet Baltic Arab Nordic Balkan Kurdish
    Latvian Lithuanian Estonian Belarusian""".split()
)
_NOT_NATIONALITY = frozenset("Brian Julian Christian Adrian Damian Fabian Sebastian Kilian Ian Vivian Lillian Gillian".split())


class _NationalityMatcher:
    _SUFFIX = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ese|ish)$")

    def match(self, w: str) -> bool:
        return w in _NATIONALITY_WORDS or (w not in _NOT_NATIONALITY and bool(self._SUFFIX.match(w)))


_NATIONALITY = _NationalityMatcher()
_ORG_WORDS = frozenset(
    """Ministry Department Office Kremlin Council Commission Union NATO Government Embassy Parliament Duma
    Rada Senate Congress Committee Agency Service Bank Fund Organization Organisation Alliance Army Navy
    Forces Staff Court Party House Cabinet Administration Presidency Secretariat Assembly UN EU OSCE IAEA
    WHO Pentagon Bundestag Élysée Elysee Commission Delegation Institute Centre Center Company Corporation""".split()
)
_PLACES_AS_ACTORS = frozenset(
    """Moscow Kyiv Kiev Washington Beijing Brussels London Paris Berlin Ankara Warsaw Budapest Minsk Tehran
    Tokyo Delhi Riga Vilnius Tallinn Rome Madrid Vienna Ottawa Canberra Pyongyang Seoul Tbilisi""".split()
)
_FEMALE_NAMES = frozenset(
    """Maria Mariya Yulia Julia Ursula Kaja Annalena Giorgia Kamala Hillary Marine Angela Olena Iryna Irina
    Natalia Natalya Olga Elena Yelena Anna Ekaterina Yekaterina Svetlana Tatiana Tatyana Valentina Lyudmila
    Kristalina Nancy Liz Theresa Mette Sanna Roberta Sahra Alice Ella Elizabeth Victoria Emma Sophie
    Jacinda Maia Salome Zuzana Viktoria Oksana Halyna Larysa Veronika Ivanna Raquel Dilma Ana Beatriz Sofia""".split()
)
_MALE_NAMES = frozenset(
    """Dmitry Dmitri Vladimir Sergei Sergey Volodymyr Mark Viktor Zoltan Peter Petr Joe Donald Emmanuel Olaf
    Friedrich Boris Rishi Keir Antony Jake Lloyd Jens Xi Recep Alexander Alexei Aleksei Alexey Andriy Andrii
    Dmytro Rustem Heorhiy Oleksiy Mykhailo Igor Ivan Nikolai Nikolay Yuri Yury Vyacheslav Radoslaw Andrzej
    Gitanas Edgars Alar Kaja Luiz Jair Narendra Jaishankar Antonio Pedro Giorgi Mikheil Ramzan Yevgeny
    Evgeny Valery Valeriy Oleg Pavel Pyotr Mikhail Konstantin Grigory Anatoly Anton Maxim Maksim John
    David Michael Robert William James Richard Charles Thomas Francis Benjamin Ali Abbas Hassan Kim""".split()
)

# ---------------------------------------------------------------------------------------------
# Quote marks
# ---------------------------------------------------------------------------------------------
_LETTER = re.compile(r"\w", re.UNICODE)
_QUOTE_PATTERNS = [
    # (regex with group 'c' = content); order matters: the first match claims the characters
    re.compile(r"«(?P<c>[^«»\n]+)»"),
    re.compile(r"„(?P<c>[^„“”\n]+)[“”]"),
    re.compile(r"“(?P<c>[^“”\n]+)”"),
    re.compile(r'"(?P<c>[^"\n]+)"'),
    re.compile(r"(?<!\w)‘(?P<c>[^‘\n]+?)’(?!\w)"),
    re.compile(r"(?<![\w'])'(?=\S)(?P<c>[^'\n]*?(?:\w'\w[^'\n]*?)*?\S)'(?!\w)"),
]
_QUOTE_CHARS = "\"'“”‘’«»„‹›"
_TRIM = " \t\n.,;:!?" + _QUOTE_CHARS
_TOKEN = re.compile(r"\w+(?:[’'\-.]\w+)*|[^\w\s]", re.UNICODE)
_DASHES = "—–-"
_HEADLINE_LABELS = frozenset(
    """Opinion Analysis Editorial Comment Explainer Exclusive Update Live Breaking Watch Video Factbox Review
    Interview Column Podcast Photos Timeline Q&A Letters Briefing""".split()
)
_ADDRESSEE = re.compile(
    r"\s+(?:(?:the|a|an|local|state|foreign|Russian|Ukrainian|Western)\s+)*(?:journalists|reporters|the press|press|media|"
    r"parliament|lawmakers|legislators|MPs|senators|students|soldiers|troops|supporters|voters|delegates|diplomats|"
    r"television|TV|radio|broadcaster|news agency|newspaper|CNN|BBC|Reuters|AFP|AP|TASS|RIA Novosti|Interfax)\b"
)
_SUBJECT_START = re.compile(
    r"\s*(?:(?i:the|a|an|he|she|it|they|we|i|his|her|its|their|our|no|there|this|these|those|all|most|some)\b|"
    r"(?!(?:After|Before|During|While|On|In|At|For|With|About)\b)[A-Z][\w’'\-]+\b)(?!\s*,)"
)
_PARTICLES = frozenset("von van der de da dos du la le bin al ibn".split())
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’\- ]{2,40}(?:,\s+[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s+\d{4})?)?(?:\s+\([^)]{1,60}\))?\s+[—–-]{1,2}\s+"
)
_DISCOURSE = re.compile(
    r"(?:Meanwhile|However|Moreover|Still|Yet|Instead|Nevertheless|Indeed|In fact|At the same time|Furthermore|"
    r"Besides|Also|Now|Then|But|And)\s*,?\s+"
)


@dataclass
class _QM:
    """A pair of quote marks: ``open`` .. ``close`` (the close mark's index), content between."""

    open: int
    close: int
    used: bool = False

    @property
    def cstart(self) -> int:
        return self.open + 1

    @property
    def cend(self) -> int:
        return self.close


def find_quote_marks(text: str, start: int = 0, end: int | None = None) -> list[_QM]:
    """Outermost quote-mark pairs in ``text[start:end]`` (nested pairs are dropped)."""
    end = len(text) if end is None else end
    seg = text[start:end]
    taken = [False] * len(seg)
    found: list[_QM] = []
    for pat in _QUOTE_PATTERNS:
        for m in pat.finditer(seg):
            a, b = m.start(), m.end()
            if any(taken[a:b]):
                continue
            if not m.group("c").strip():
                continue
            found.append(_QM(start + a, start + b - 1))
            for i in range(a, b):
                taken[i] = True
    found.sort(key=lambda q: q.open)
    out: list[_QM] = []
    for q in found:
        if out and q.open < out[-1].close:
            continue
        out.append(q)
    return out


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group()) for m in _TOKEN.finditer(text[start:end])]


def _trim(text: str, s: int, e: int, chars: str = " \t\n,;:—–-") -> tuple[int, int]:
    while s < e and text[s] in chars:
        s += 1
    while e > s and text[e - 1] in chars:
        e -= 1
    return s, e


def _trim_content(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop surrounding spaces/commas/dashes, a leading discourse adverb ("Meanwhile,") and a
    sentence-final period outside quote marks."""
    s, e = _trim(text, s, e)
    m = _DISCOURSE.match(text, s, e)
    if m and m.end() < e:
        s = m.end()
    while e > s and text[e - 1] in ".,;:" and not _inside_marks(text, s, e - 1):
        e -= 1
        s, e = _trim(text, s, e)
    return s, e


def _inside_marks(text: str, s: int, i: int) -> bool:
    seg = text[s:i]
    return seg.count('"') % 2 == 1 or seg.count("“") > seg.count("”") or seg.count("«") > seg.count("»")


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _gender(name: str, roles: set[str]) -> str | None:
    if {"spokeswoman", "chairwoman", "queen", "mrs", "ms"} & roles:
        return "f"
    if {"spokesman", "chairman", "king", "prince", "mr"} & roles:
        return "m"
    parts = name.split()
    if parts and parts[0] in _FEMALE_NAMES:
        return "f"
    if parts and parts[0] in _MALE_NAMES:
        return "m"
    last = parts[-1].lower() if parts else ""
    if re.search(r"(?:ova|eva|ina|aya|skaya|ska|ská|yna)$", last):
        return "f"
    if re.search(r"(?:ov|ev|in|sky|skiy|ski|yn|ich)$", last):
        return "m"
    return None


def _role_head(words: list[str]) -> str | None:
    for w in reversed(words):
        lw = w.lower().rstrip("’'s") if w.lower().endswith(("’s", "'s")) else w.lower()
        if lw in _NP_ROLE_HEADS:
            return _ROLE_SYNONYMS.get(lw, lw)
    return None


def _norm_role(words: list[str]) -> str:
    ws = [_ROLE_SYNONYMS.get(w.lower(), w.lower()) for w in words if w.lower() not in ("the", "a", "an", "his", "her", "its", "their")]
    return " ".join(ws)


# ---------------------------------------------------------------------------------------------
# Speaker phrases
# ---------------------------------------------------------------------------------------------
@dataclass
class _NP:
    start: int
    end: int
    kind: str  # "name", "org", "pronoun", "role", "generic", "relative"
    name: str | None = None  # the name part (person or organisation), if any
    role_words: list[str] = field(default_factory=list)
    name_start: int | None = None
    name_end: int | None = None
    pronoun: str | None = None


def _classify_np(text: str, toks: list[tuple[int, int, str]]) -> _NP | None:
    """Turn a run of tokens (left to right) into a speaker phrase, or None when it is not one."""
    while toks and toks[0][2].lower() in ("of", "in", "at", "from", "and", "for", "'s", "’s"):
        toks = toks[1:]
    while toks and toks[-1][2].lower() in ("of", "in", "at", "from", "the", "and", "for"):
        toks = toks[:-1]
    if not toks:
        return None
    words = [t[2] for t in toks]
    s, e = toks[0][0], toks[-1][1]
    # "The deputy chairman of the Security Council", "Diplomats in Brussels": the head is on the left
    for k, w in enumerate(words):
        if k > 0 and w.lower() in ("of", "in", "from", "at"):
            left = _classify_np(text, toks[:k])
            if left is not None and left.kind in ("role", "generic"):
                left.end = e
                left.role_words = words
                return left
            break
    if len(toks) == 1 and words[0].lower() in PRONOUNS:
        return _NP(s, e, "pronoun", pronoun=words[0].lower())
    if len(toks) == 1 and words[0].lower() in _RELATIVE:
        return _NP(s, e, "relative")
    if words[-1].islower() and (words[-1] in _NP_ROLE_HEADS or words[-1] in _GENERIC_HEADS):
        # "the Kremlin spokesman", "a government source", "One senior European official"
        indefinite = words[0].lower() in ("a", "an", "one", "another", "some", "several", "two", "three")
        if words[-1].lower() in _GENERIC_HEADS or indefinite:
            return _NP(s, e, "generic", role_words=words)
        return _NP(s, e, "role", role_words=words)
    # the name part: the last run of capitalised tokens that are not titles/nationalities/role words
    i = len(toks)
    while i > 1 and words[i - 1] in _PARTICLES and _is_cap(words[i - 2]) and i < len(toks):
        i -= 1
    while i > 0 and (_is_cap(words[i - 1]) or (words[i - 1] in _PARTICLES and i > 1 and i < len(toks) and (_is_cap(words[i - 2]) or words[i - 2] in _PARTICLES))) and words[i - 1].lower() not in ROLE_WORDS and words[i - 1] not in _TITLES and not _NATIONALITY.match(words[i - 1]) and words[i - 1].lower() not in ("the", "a", "an", "one"):
        i -= 1
    name_toks = toks[i:]
    # allow an org word run that includes nationality adjectives: "Russian Foreign Ministry"
    lead = [w for w in words if w.lower() not in ("the", "a", "an")]
    person_run = [t[2] for t in name_toks]
    is_person = bool(person_run) and not any(w in _ORG_WORDS or w.rstrip("’'s") in _ORG_WORDS or w in _PLACES_AS_ACTORS for w in person_run)
    if is_person and i > 0 and words[i - 1].lower() in ("of", "for", "and"):
        is_person = False  # "Institute for the Study of War": the tail of an organisation name
    if not is_person and any(w in _ORG_WORDS or w.rstrip("’'s") in _ORG_WORDS for w in words) or (
        len(lead) == 1 and lead[0] in _PLACES_AS_ACTORS
    ):
        cap = [t for t in toks if _is_cap(t[2]) and t[2].lower() not in ("the", "a", "an")]
        if cap:
            ns, ne = cap[0][0], cap[-1][1]
            name = text[ns:ne]
            name = re.sub(r"[’']s$", "", name)
            return _NP(s, e, "org", name=name, name_start=ns, name_end=ne, role_words=[w for w in words if w.lower() in ROLE_WORDS])
    if name_toks and (i == len(toks) or True):
        ns, ne = name_toks[0][0], name_toks[-1][1]
        name = text[ns:ne]
        if name.endswith(("’s", "'s")):
            name = name[:-2]
            ne -= 2
        if name and name_toks[-1] == toks[-1] or (name and toks[-1][2] in ("’s", "'s")):
            return _NP(s, e, "name", name=name, name_start=ns, name_end=ne, role_words=words[:i])
    role = _role_head(words)
    if role:
        return _NP(s, e, "role", role_words=words)
    if words[-1].lower() in _GENERIC_HEADS:
        return _NP(s, e, "generic", role_words=words)
    return None


def _np_left(text: str, lo: int, hi: int, *, allow_parenthetical: bool = True) -> _NP | None:
    """The speaker phrase that ends just before ``hi`` (a cue), not reaching before ``lo``."""
    toks = _tokens(text, lo, hi)
    j = len(toks)
    while j > 0 and toks[j - 1][2].lower() in _AUX:
        j -= 1
    # ", for his part," / ", who led the delegation," / ", speaking on condition of anonymity,"
    if allow_parenthetical and j > 0 and toks[j - 1][2] == ",":
        k = j - 2
        while k >= 0 and toks[k][2] != "," and j - k < 14:
            k -= 1
        if k >= 0 and toks[k][2] == "," and k + 1 < j - 1:
            inner = toks[k + 1][2]
            if inner[:1].islower() or inner.lower() in ("who", "for", "in"):
                np = _np_left(text, lo, toks[k][0], allow_parenthetical=False)
                if np is not None:
                    return np
        return None
    run: list[tuple[int, int, str]] = []
    k = j - 1
    while k >= 0:
        w = toks[k][2]
        lw = w.lower()
        if w in ("’s", "'s") or (lw.endswith(("’s", "'s")) and run):
            run.insert(0, toks[k])
        elif lw in PRONOUNS or lw in _RELATIVE:
            if not run:
                return _classify_np(text, [toks[k]])
            break
        elif w in _FUNCTION_WORDS and w not in ("The", "A", "An", "His", "Her", "Its", "Their"):
            break
        elif _is_cap(w) or lw in ROLE_WORDS or lw in _GENERIC_HEADS or lw in ("of", "for", "the", "a", "an", "one", "in", "from", "senior", "top", "his", "her", "its", "their", "government", "former", "european", "western", "russian", "ukrainian") or w in ("-",):
            if lw in ("the", "a", "an", "one", "his", "her", "its", "their"):
                run.insert(0, toks[k])
                if k > 0 and toks[k - 1][2].lower() in ("of", "in", "from", "at", "for"):
                    k -= 1
                    continue
                break
            run.insert(0, toks[k])
        else:
            break
        k -= 1
    if not run:
        return None
    return _classify_np(text, run)


def _np_right(text: str, lo: int, hi: int) -> _NP | None:
    """The speaker phrase starting at ``lo`` (after an inverted cue: ``said Maria Zakharova``)."""
    toks = _tokens(text, lo, hi)
    run = []
    skipped = 0
    for i, t in enumerate(toks):
        w, lw = t[2], t[2].lower()
        if not run and lw in PRONOUNS:
            return _classify_np(text, [t])
        if (
            len(run) == 1 and run[0][2].lower() in ("a", "an", "the") and w.islower() and skipped < 2
            and lw not in ROLE_WORDS and lw not in _GENERIC_HEADS
            and any(_is_cap(x[2]) for x in toks[i + 1 : i + 3])
        ):
            skipped += 1  # "said a smiling Dmytro Levin"
            continue
        if _is_cap(w) or lw in ROLE_WORDS or lw in _GENERIC_HEADS or lw in ("the", "of", "a", "an", "one", "his", "her", "its", "their") or w in ("’s", "'s") or (run and w in _PARTICLES):
            run.append(t)
        else:
            break
    np = _classify_np(text, run)
    if np is not None and np.kind in ("role", "generic"):
        # "the ministry's spokeswoman, Maria Zakharova" -> apposition with the name
        rest = text[np.end:hi]
        m = re.match(r"\s*,\s*", rest)
        if m:
            app = _np_right_simple(text, np.end + m.end(), hi)
            if app is not None and app.kind == "name":
                app.role_words = np.role_words + app.role_words
                return app
    return np


def _np_right_simple(text: str, lo: int, hi: int) -> _NP | None:
    run = []
    for t in _tokens(text, lo, hi):
        if _is_cap(t[2]) or t[2].lower() in ROLE_WORDS or (run and t[2] in _PARTICLES):
            run.append(t)
        else:
            break
    return _classify_np(text, run)


_GEO_WORDS = frozenset(
    """Sea Ocean River Mountains Square Street Avenue Island Islands Gulf Strait Bay Lake Peninsula Region Oblast
    Republic Kingdom States Union Day Week War Summit Plan Deal Treaty Accords Agreement Bridge Canal Airport
    Station Plant Power Nuclear""".split()
)
_FUNCTION_WORDS = frozenset(
    """When If As After Before While Although Though Since Because But And So Then The A An In On At For With
    Of To From By According Asked Meanwhile However Yet Still Now Later Earlier Only Even Also This That
    These Those It He She They We I His Her Their Its Our My""".split()
)


def _plain_name_word(w: str) -> bool:
    return not (
        w in _TITLES or w.lower() in ROLE_WORDS or _NATIONALITY.match(w) or w in _ORG_WORDS
        or w in _PLACES_AS_ACTORS or w in _FUNCTION_WORDS or w in _GEO_WORDS or w.endswith(("’s", "'s")) or not w[:1].isupper()
    )


# ---------------------------------------------------------------------------------------------
# Article-level person registry (for expansion of surnames, role nouns and pronouns)
# ---------------------------------------------------------------------------------------------
@dataclass
class _Person:
    name: str
    pos: int
    roles: set[str] = field(default_factory=set)
    role_text: str = ""
    gender: str | None = None
    is_org: bool = False


_NAME_SEQ = re.compile(r"(?<![\w’'])([A-Z][\w’'\-]+(?:[ ]+(?:[A-Z][\w’'\-]+|bin|al|de|da|van|von|der|le|la))*[ ]+[A-Z][\w’'\-]+)")


class _Registry:
    def __init__(self, text: str, entities: list[dict] | None, skip: int = 0):
        self.text = text
        self.skip = skip
        self.people: list[_Person] = []  # in order of first appearance (pos)
        self.mentions: list[tuple[int, int, str, bool]] = []  # (start, end, canonical, is_person)
        self.ent_mentions: list[tuple[int, int, str, str]] = []
        if entities:
            for ent in entities:
                etype = str(ent.get("type") or "").lower()
                for m in ent.get("mentions") or []:
                    try:
                        self.ent_mentions.append((int(m["start"]), int(m["end"]), str(ent.get("name")), etype))
                    except (KeyError, TypeError, ValueError):
                        continue
            self.ent_mentions.sort()
        self._scan()
        for ent in entities or []:
            if str(ent.get("type") or "").lower() in ("person", "per") and ent.get("mentions"):
                try:
                    first = min(int(m["start"]) for m in ent["mentions"])
                except (KeyError, TypeError, ValueError):
                    continue
                self.add_person(str(ent.get("name")), first)

    def _scan(self) -> None:
        """Person names: the trailing run of >= 2 capitalised words of a capitalised sequence that
        are not titles, role words, nationalities, organisations or places ("Russian Foreign
        Minister Sergei Lavrov" -> "Sergei Lavrov", role "Russian Foreign Minister")."""
        text = self.text
        for m in _NAME_SEQ.finditer(text, self.skip):
            toks = [(m.start(1) + t.start(), m.start(1) + t.end(), t.group()) for t in re.finditer(r"\S+", m.group(1))]
            i = len(toks)
            while i > 0 and _plain_name_word(toks[i - 1][2]):
                i -= 1
            rest = toks[i:]
            if len(rest) < 2 or len(rest) > 4:
                continue
            off, name_end = rest[0][0], rest[-1][1]
            name = text[off:name_end]
            title_words = [t[2] for t in toks[:i] if t[2] not in _FUNCTION_WORDS]
            role_text = " ".join(title_words) if title_words else ""
            role_text = (self._role_before(toks[0][0]) + " " + role_text).strip() if not title_words or title_words[0] in _ORG_WORDS or _NATIONALITY.match(title_words[0]) else role_text
            role_text = (role_text + " " + self._apposition_after(name_end)).strip()
            self.add_person(name, off, role_text)

    def _role_before(self, off: int) -> str:
        # "Kremlin spokesman Dmitry Peskov": lower-case role words right before the name sequence
        before = self.text[max(0, off - 60) : off]
        m = re.search(r"((?:[A-Z][\w’']+\s+){0,3}(?:[a-z’'\-]+\s+){1,2})$", before)
        words = (m.group(1) if m else "").split()
        if not any(w.lower() in _NP_ROLE_HEADS for w in words):
            return ""
        return " ".join(w for w in words if w.lower() in ROLE_WORDS or w[:1].isupper())

    def _apposition_after(self, end: int) -> str:
        m = re.match(r",\s+((?:the|a)\s+)?([\w’'\s]{3,60}?),", self.text[end : end + 80])
        if m and _role_head(m.group(2).split()):
            return m.group(2)
        return ""

    def add_person(self, name: str, pos: int, role_text: str = "", is_org: bool = False) -> _Person:
        for p in self.people:
            if p.name == name:
                if role_text and not p.role_text:
                    p.role_text = role_text
                    p.roles = self._roles(role_text)
                    p.gender = p.gender or _gender(name, self._raw(role_text))
                return p
        roles = self._roles(role_text)
        p = _Person(name, pos, roles, role_text, _gender(name, self._raw(role_text)), is_org)
        self.people.append(p)
        self.people.sort(key=lambda q: q.pos)
        return p

    @staticmethod
    def _raw(role_text: str) -> set[str]:
        return {w.lower().strip(".,") for w in role_text.split()}

    @staticmethod
    def _roles(role_text: str) -> set[str]:
        words = [w.lower().rstrip("’'s") if w.lower().endswith(("’s", "'s")) else w.lower() for w in role_text.split()]
        out = set()
        for w in words:
            w2 = _ROLE_SYNONYMS.get(w, w)
            out.add(w2)
            out.update(w2.split())
        if "prime" in words and "minister" in words:
            out.add("prime minister")
        return out

    def entity_at(self, s: int, e: int) -> str | None:
        """The entity whose mention covers most of [s, e) (at least half of it), if any."""
        best, best_ov = None, 0
        for ms, me, name, etype in self.ent_mentions:
            ov = min(e, me) - max(s, ms)
            if ov > best_ov and ov * 2 >= (e - s) and etype not in ("gpe", "loc", "location", "place"):
                best, best_ov = name, ov
        return best

    def expand(self, name: str, pos: int) -> str:
        """'Peskov' -> 'Dmitry Peskov' when a fuller form of the same name appears in the article."""
        parts = name.split()
        best = None
        for p in self.people:
            pp = p.name.split()
            if len(pp) > len(parts) and pp[-len(parts) :] == parts:
                if best is None or p.pos < pos <= best.pos or (p.pos <= pos and (best.pos > pos or p.pos > best.pos)):
                    best = p
        return best.name if best else name

    def person(self, name: str) -> _Person | None:
        for p in self.people:
            if p.name == name:
                return p
        return None

    def persons_before(self, pos: int) -> list[_Person]:
        return [p for p in self.people if p.pos < pos and not p.is_org]


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
