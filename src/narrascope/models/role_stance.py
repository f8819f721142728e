"""The article's stance toward an entity, and the main-role decision that reads it (issue 13).

A role is a relation between the side an article takes and the camp an actor belongs to: a
pro-Kremlin piece casts the Kremlin's spokesman as the peacemaker and Kyiv as the villain; a piece
sympathetic to Ukraine the other way round. The hashed role classifier (:mod:`.roles`) sees the
words around a mention; it learns the article's side only weakly and answers the majority role.
This module adds, per entity:

- its **camp** (:func:`entity_camp`): Russia, Ukraine, the West, the climate movement, ordinary
  people, or other -- from a small multilingual name list (English, Cyrillic, Portuguese and
  Devanagari stems);
- the **article's side** (:func:`article_sides`): how strongly its narratives (the narratives
  analyzer's output, read through the entities analyzer's ``requires``) take the pro-Kremlin,
  pro-Western, climate-sceptic or alarmist side, plus a multilingual cue-word balance;
- whether the entity **speaks** in the article (a speech verb next to a mention) -- an actor the
  article quotes at length is usually the one whose view it carries;

and a small multinomial logistic regression, the **stance head**, over those features crossed
with each other, the role classifier's calibrated main-role log-probabilities and the language
(:class:`StanceHead`). It is trained on out-of-fold role-classifier scores (stacking), so it learns
how much to trust the classifier. Its output is then shifted to a stated **target prior** of main
roles per language (Bayes prior shift, default Antagonist 0.5 / Protagonist 0.25 / Innocent 0.25):
the training data are 46-70% Antagonist depending on the language, real feeds are not.

Weights: ``stance.json`` next to the role model (a few hundred floats).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError

MAIN = ("Protagonist", "Antagonist", "Innocent")  # the order of models.roles.MAIN_ROLES
CAMPS = ("ru", "ua", "west", "climate", "people", "other")
LANGS = ("en", "bg", "hi", "pt", "ru")
TARGET_PRIOR = {"Protagonist": 0.25, "Antagonist": 0.5, "Innocent": 0.25}
FILE = "stance.json"

# Camp stems (lower case; a token that starts with a stem belongs to the camp; stems of <= 3
# characters must match the whole token). Written for this project from common news names.
_CAMP_STEMS: dict[str, tuple[str, ...]] = {
    "ru": (
        "russia", "russian", "putin", "kremlin", "moscow", "lavrov", "peskov", "zakharova", "shoigu", "medvedev",
        "wagner", "prigozhin", "kadyrov", "lukashenk", "belarus", "gazprom", "rf", "nebenzia", "belousov",
        "росси", "русия", "руски", "руска", "русн", "путин", "кремл", "москв", "лавров", "песков", "захаров",
        "шойгу", "медведев", "вагнер", "пригожин", "кадыров", "лукашенк", "беларус", "газпром", "рф",
        "rússia", "russo", "russa", "moscou", "moscovo", "kremlin",
        "रूस", "पुतिन", "क्रेमलिन", "मास्को", "लावरोव",
    ),
    "ua": (
        "ukrain", "zelensk", "kyiv", "kiev", "kuleba", "azov", "zaluzhn", "syrsk", "poroshenk", "klitschk",
        "podolyak", "yermak", "umerov", "afu", "zsu",
        "украин", "україн", "зеленск", "зеленськ", "киев", "київ", "кулеба", "азов", "залужн", "порошенк",
        "кличк", "подоляк", "ермак", "всу",
        "ucrân", "ucran", "zelenski",
        "यूक्रेन", "युक्रेन", "ज़ेलेंस्की", "जेलेंस्की", "ज़ेलेन्स्की", "जेलेन्स्की", "कीव",
    ),
    "west": (
        "nato", "us", "usa", "america", "washington", "biden", "blinken", "eu", "europe", "uk", "britain",
        "british", "london", "macron", "france", "french", "german", "scholz", "pentagon", "west", "stoltenberg",
        "leyen", "baerbock", "poland", "polish", "cia", "harris", "nuland", "obama", "clinton", "g7", "brussels",
        "rutte", "sunak", "starmer", "borrell",
        "нато", "сша", "сащ", "америк", "вашингтон", "байден", "байдън", "блинкен", "евросоюз", "ес", "европ",
        "запад", "британ", "лондон", "макрон", "франц", "герман", "шольц", "пентагон", "столтенберг",
        "польш", "полш", "брюксел", "брюссел",
        "otan", "eua", "americano", "europa", "europeu", "ocidente", "ocidental", "alemanha", "frança",
        "नाटो", "अमेरिका", "अमेरिकी", "यूरोप", "यूरोपीय", "पश्चिम", "पश्चिमी", "बाइडेन", "ब्रिटेन",
    ),
    "climate": (
        "ipcc", "greta", "thunberg", "gore", "gates", "wef", "davos", "schwab", "un", "kerry", "scientist",
        "activist", "alarmist", "greenpeace", "guterres", "environmentalist", "climate", "green", "net",
        "cientista", "ativista", "ambientalista", "onu", "clima", "учен", "активист", "климат", "оон", "грета",
        "वैज्ञानिक", "कार्यकर्ता", "जलवायु", "ग्रेटा",
    ),
    "people": (
        "people", "civilian", "children", "resident", "famil", "citizen", "farmer", "worker", "taxpayer",
        "population", "refugee", "women", "pensioner", "consumer", "household", "voter",
        "хора", "граждан", "жител", "деца", "дети", "цивил", "мирн", "фермер", "беженц", "бежанц", "населени",
        "пенсионер", "людей", "люди", "потребител",
        "pessoas", "civis", "crianças", "morador", "famílias", "cidadã", "agricultor", "trabalhador",
        "população", "refugiad", "consumidor",
        "लोग", "नागरिक", "बच्चे", "किसान", "परिवार", "शरणार्थी", "जनता",
    ),
}
_EXACT = {c: frozenset(s for s in stems if len(s) <= 3) for c, stems in _CAMP_STEMS.items()}
_PREFIX = {c: tuple(s for s in stems if len(s) > 3) for c, stems in _CAMP_STEMS.items()}
_WORD = re.compile(r"[\w\u0900-\u097F]+", re.UNICODE)

# Narratives by the side they take (SemEval-2025 Task 10 taxonomy; "URW"/"CC" prefixes).
PRO_KREMLIN = ("Blaming the war on others", "Discrediting Ukraine", "Discrediting the West", "Praise of Russia",
               "Russia is the Victim", "Negative Consequences for the West", "URW: Hidden plots")
PRO_WEST = ("Overpraising the West",)
CLIMATE_SCEPTIC = ("Climate change is beneficial", "Controversy about green technologies",
                   "Criticism of climate movement", "Criticism of climate policies",
                   "Criticism of institutions", "Downplaying climate change", "Green policies are geopolitical",
                   "CC: Hidden plots", "Questioning the measurements")
ALARMIST = ("Amplifying Climate Fears",)
SIDES = ("kremlin", "west", "sceptic", "alarmist", "none")

# Article cue words by side (stems, lower case), English + Cyrillic + Portuguese + Hindi.
_PRO_RU_CUES = ("kiev regime", "neo-nazi", "nazis", "russophob", "special military operation", "junta",
                "denazif", "collective west", "киевск", "неонацис", "нацист", "русофоб", "спецоперац", "сво",
                "хунт", "коллективн", "колективния", "regime de kiev", "nazista", "russofob", "नाज़ी", "नाजी")
_PRO_UA_CUES = ("invasion", "invaded", "unprovoked", "aggression", "occupier", "atrocit", "war crime", "invader",
                "full-scale", "вторжени", "нашестви", "агресси", "агресия", "окупант", "оккупант", "invasão",
                "agressão", "ocupante", "आक्रमण")
_SPEECH = re.compile(
    r"^[^\w.!?]{0,3}(?:\w+[^\w.!?]+){0,2}?(said|says|told|added|stated|stressed|noted|explained|insisted|warned|declared|"
    r"заяви|каза|казва|посочи|отбеляза|подчерта|сказал|заявил|сообщил|отметил|подчеркнул|"
    r"disse|afirmou|declarou|explicou|sublinhou|ressaltou)", re.IGNORECASE)
_SPEECH_BEFORE = re.compile(r"(said|according to|told by|заяви|каза|по думите на|по словам|segundo|disse)\W{0,3}$",
                            re.IGNORECASE)
_HI_SPEECH = ("ने कहा", "ने बताया", "के अनुसार", "का कहना")


_WHOLE = {"u.s.": "west", "u.s": "west", "u.s.a.": "west", "united states": "west", "united kingdom": "west",
          "u.k.": "west", "european union": "west", "white house": "west", "united nations": "climate",
          "u.n.": "climate", "estados unidos": "west", "união europeia": "west"}


def entity_camp(name: str) -> str:
    """The camp of an actor from its name (see the module docstring); ``"other"`` when none fits."""
    low = " ".join(name.lower().split()).strip(" .,;:\"'")
    low = low[4:] if low.startswith("the ") else low
    if low in _WHOLE or low + "." in _WHOLE:
        return _WHOLE.get(low) or _WHOLE[low + "."]
    for t in _WORD.findall(low):
        for camp in CAMPS[:-1]:
            if t in _EXACT[camp] or t.startswith(_PREFIX[camp]):
                return camp
    return "other"


def article_sides(narratives: Sequence[tuple[str, float]] | None, text: str) -> np.ndarray:
    """Strength of each side in :data:`SIDES` (the max probability of its narratives), and the
    cue-word balance (pro-Kremlin minus pro-Ukrainian cues, squashed to -1..1) as a last element."""
    out = np.zeros(len(SIDES) + 1, np.float32)
    for name, p in narratives or ():
        p = 1.0 if p is None else float(p)
        for k, group in enumerate((PRO_KREMLIN, PRO_WEST, CLIMATE_SCEPTIC, ALARMIST)):
            if any(g in name for g in group):
                out[k] = max(out[k], p)
    out[4] = 1.0 - out[:4].max()
    low = text[:20000].lower()
    ru = sum(low.count(c) for c in _PRO_RU_CUES)
    ua = sum(low.count(c) for c in _PRO_UA_CUES)
    out[5] = (ru - ua) / (ru + ua + 2.0)
    return out


def speaks(text: str, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the entity's mentions (at most 12) next to a speech verb ("Peskov said", "said Peskov")."""
    n = hit = 0
    for s, e in spans[:12]:
        n += 1
        after = text[e : e + 40]
        before = text[max(0, s - 25) : s]
        if _SPEECH.search(after) or _SPEECH_BEFORE.search(before) or any(h in after[:15] for h in _HI_SPEECH):
            hit += 1
    return hit / n if n else 0.0


def entity_features(text: str, spans: Sequence[tuple[int, int]], name: str,
                    narratives: Sequence[tuple[str, float]] | None, sides: np.ndarray | None = None) -> dict:
    """The raw stance inputs of one entity: camp, article sides, speaker share, mention count."""
    if sides is None:
        sides = article_sides(narratives, text)
    return {"camp": entity_camp(name), "sides": sides, "speaks": speaks(text, spans), "n": len(spans)}


def design(ef: Sequence[dict], log_pm: np.ndarray, langs: Sequence[str]) -> np.ndarray:
    """The stance head's input rows: role-classifier main log-probs (3, also per language), camp one-hot,
    sides, camp x side, camp x speaker, language one-hot, prominence."""
    rows = []
    for f, lp, L in zip(ef, log_pm, langs):
        camp = np.zeros(len(CAMPS), np.float32)
        camp[CAMPS.index(f["camp"])] = 1.0
        lang = np.zeros(len(LANGS), np.float32)
        if L.lower() in LANGS:
            lang[LANGS.index(L.lower())] = 1.0
        sides = np.asarray(f["sides"], np.float32)
        rows.append(np.concatenate([
            lp, np.outer(lang, lp).ravel(), camp, sides, np.outer(camp, sides).ravel(),
            camp * f["speaks"], [f["speaks"]], lang, [np.log1p(f["n"])],
        ]).astype(np.float32))
    return np.array(rows, np.float32).reshape(len(rows), -1)


def prior_shift(p: np.ndarray, train_prior: np.ndarray, target_prior: np.ndarray) -> np.ndarray:
    """Bayes prior shift of calibrated probabilities from the training prior to the target prior."""
    q = p * (np.asarray(target_prior) / np.clip(np.asarray(train_prior), 1e-6, None))
    return q / q.sum(axis=1, keepdims=True)


class StanceHead:
    """Multinomial LR over :func:`design` rows -> main-role probabilities; per-language priors."""

    def __init__(self, coef: np.ndarray, bias: np.ndarray, priors: dict[str, list[float]],
                 target: dict[str, float] | None = None, meta: dict | None = None) -> None:
        self.coef_ = np.asarray(coef, np.float32)
        self.bias_ = np.asarray(bias, np.float32)
        self.priors_ = priors  # language -> training prior of the main roles (MAIN order)
        self.target_ = dict(target or TARGET_PRIOR)
        self.meta_ = meta or {}

    @classmethod
    def fit(cls, Z: np.ndarray, y: np.ndarray, langs: Sequence[str], C: float = 0.1, target=None) -> "StanceHead":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=C, max_iter=1000).fit(Z, y)
        coef = np.zeros((len(MAIN), Z.shape[1]), np.float32)
        bias = np.full(len(MAIN), -30.0, np.float32)
        for k, c in enumerate(lr.classes_):
            coef[c], bias[c] = lr.coef_[k], lr.intercept_[k]
        priors = {}
        langs = np.asarray([l.lower() for l in langs])
        for L in sorted(set(langs.tolist())):
            cnt = np.bincount(y[langs == L], minlength=len(MAIN)).astype(float) + 1.0
            priors[L] = [round(float(v), 4) for v in cnt / cnt.sum()]
        return cls(coef, bias, priors, target, {"C": C})

    def proba(self, Z: np.ndarray) -> np.ndarray:
        z = Z @ self.coef_.T + self.bias_
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def decide_proba(self, Z: np.ndarray, langs: Sequence[str], target: dict[str, float] | str | None = None) -> np.ndarray:
        """Main-role probabilities under the target prior (``"train"``: the language's training prior,
        i.e. no shift; a dict: that prior; ``None``: the head's own target)."""
        p = self.proba(Z)
        target = self.target_ if target is None else target
        if target == "train":
            return p
        tgt = np.array([float(target[m]) for m in MAIN])
        tgt = tgt / tgt.sum()
        out = np.empty_like(p)
        for i, L in enumerate(langs):
            prior = np.array(self.priors_.get(L.lower(), tgt), float)
            out[i] = prior_shift(p[i : i + 1], prior, tgt)[0]
        return out

    def save(self, folder: str | Path) -> None:
        doc = {"format": 1, "main_roles": list(MAIN), "camps": list(CAMPS), "sides": list(SIDES),
               "languages": list(LANGS), "coef": np.round(self.coef_, 5).tolist(),
               "bias": np.round(self.bias_, 5).tolist(), "train_prior": self.priors_, "target_prior": self.target_,
               **self.meta_}
        (Path(folder) / FILE).write_text(json.dumps(doc, indent=0, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> "StanceHead | None":
        path = Path(folder) / FILE
        if not path.exists():
            return None
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            meta = {k: v for k, v in d.items() if k not in ("coef", "bias", "train_prior", "target_prior")}
            return cls(np.array(d["coef"]), np.array(d["bias"]), d["train_prior"], d["target_prior"], meta)
        except (ValueError, KeyError, OSError) as e:
            raise ModelError(f"stance head is corrupt: {e}", where=str(path),
                             hint="reinstall narrascope or run `narrascope train roles-stance`") from None


def parse_prior(value: str | None) -> dict[str, float] | str | None:
    """``"train"``, ``"0.5,0.25,0.25"`` (Antagonist, Protagonist, Innocent) or None -> a target for
    :meth:`StanceHead.decide_proba`."""
    if value is None or value == "":
        return None
    if value == "train":
        return "train"
    try:
        a, p, i = (float(x) for x in value.split(","))
    except ValueError:
        raise ModelError(f"main-role prior must be 'train' or three numbers 'A,P,I'; got {value!r}",
                         hint="e.g. --main-prior 0.5,0.25,0.25 (Antagonist, Protagonist, Innocent)") from None
    if min(a, p, i) <= 0:
        raise ModelError(f"main-role prior must be positive; got {value!r}", hint="e.g. 0.5,0.25,0.25")
    return {"Antagonist": a, "Protagonist": p, "Innocent": i}


def head_input(clf, pm: np.ndarray, pf: np.ndarray) -> np.ndarray:
    """The role classifier's main-role log-probabilities as its own decision sees them (mixed with
    the fine head's mass per main role, ``clf.mix``): the stance head's first inputs."""
    mix = getattr(clf, "mix", 0.0)
    if mix:
        from .roles import ALL_FINE, FINE_ROLES, MAIN_ROLES

        mass = np.stack([pf[:, [ALL_FINE.index(f) for f in FINE_ROLES[m]]].sum(axis=1) for m in MAIN_ROLES], axis=1)
        pm = (1 - mix) * pm + mix * mass
    return np.log(np.clip(pm, 1e-4, 1.0))  # clipped: bounded inputs for the head


def decide(head: StanceHead, clf, pm: np.ndarray, pf: np.ndarray, ef: Sequence[dict], langs: Sequence[str],
           target=None) -> list:
    """Main role from the stance head (under the target prior), then fine roles under it (the role
    classifier's hierarchical decision with the head's main-role probabilities)."""
    from .roles import RoleClassifier

    p = head.decide_proba(design(ef, head_input(clf, pm, pf), langs), langs, target)
    return RoleClassifier(second_ratio=head.meta_.get("second_ratio", clf.second_ratio), mix=0.0).decide(p, pf)


def given_entity_features(text: str, start: int, end: int, narratives, sides: np.ndarray | None = None) -> dict:
    """:func:`entity_features` for a given mention (no recogniser): its entity is every occurrence of
    the same string in the article -- how the training rows are built (as ``stance.given_mention_features``)."""
    m = text[start:end]
    spans = [(r.start(), r.end()) for r in re.finditer(re.escape(m), text)] if m.strip() else []
    return entity_features(text, spans or [(start, end)], m, narratives, sides)


def decide_mentions(clf, pm: np.ndarray, pf: np.ndarray, contexts, narratives_of: dict, model_dir,
                    main_prior: str | None = None) -> list:
    """Decisions for given mentions (``predict semeval2025-roles``): with the model folder's stance
    head when it has one (under ``main_prior``, see :func:`parse_prior`), else the role classifier's
    decision with its per-language bias (models trained before the head)."""
    from . import stance

    head = StanceHead.load(model_dir)
    if head is None:
        pm = stance.adjust_main(pm, stance.language_bias(getattr(clf, "meta_", {}).get("language_bias"),
                                                         [c.language for c in contexts]))
        return clf.decide(pm, pf)
    sides: dict[int, np.ndarray] = {}
    feats = []
    for c in contexts:
        nar = narratives_of.get(c.text, [])
        if id(c.text) not in sides:
            sides[id(c.text)] = article_sides(nar, c.text)
        feats.append(given_entity_features(c.text, c.start, c.end, nar, sides[id(c.text)]))
    return decide(head, clf, pm, pf, feats, [c.language for c in contexts], parse_prior(main_prior))
