"""Word lists of the quotes analyzer: reporting cues, pronouns, role words, titles, nationalities, organisations, first names.

Split out of :mod:`narrascope.analyzers.quotes` (which re-exports every name)."""

from __future__ import annotations

import re



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
