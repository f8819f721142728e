"""Cue features for sentence subjectivity that bags of n-grams see too rarely to learn.

Small hand-written word lists (English first; a few German, Italian, Bulgarian and Arabic cues)
grouped by what they signal: loaded or insulting words ("cult", "disgrace"), evaluative adjectives,
intensifiers, hedges and opinion verbs, obligation modals, first and second person, plus
punctuation (``!``, ``?``, quotation marks) and all-caps words. Each group is one column
(log count), so the weights stay readable and transfer across topics.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp

GROUPS: dict[str, tuple[str, ...]] = {
    "loaded": (
        "cult", "cultist", "fanatic", "zealot", "propaganda", "disgrace", "disgraceful", "shameful", "shame",
        "idiot", "idiotic", "stupid", "moron", "lunatic", "insane", "crazy", "absurd", "ridiculous", "pathetic",
        "outrageous", "scandalous", "evil", "corrupt", "traitor", "treason", "puppet", "regime", "thug", "thugs",
        "elite", "elites", "globalist", "globalists", "woke", "hysteria", "hysterical", "alarmist", "alarmists",
        "scam", "hoax", "lies", "liar", "liars", "lying", "brainwashed", "tyranny", "tyrant", "nazi", "nazis",
        "fascist", "fascists", "criminal", "criminals", "disaster", "catastrophe", "catastrophic", "nightmare",
        "betrayal", "betray", "betrayed", "destroy", "destroying", "ruin", "ruined", "mob", "radical", "radicals",
        "extremist", "extremists", "apocalypse", "doom", "doomsday", "agenda", "sheep", "clown", "clowns",
        "sekte", "schande", "lüge", "lügen", "setta", "vergogna", "bugie", "секта", "позор", "лъжа", "лъжи",
        "режим", "марионетка", "предател", "فضيحة", "كذب", "عار",
    ),
    "evaluative": (
        "good", "bad", "great", "terrible", "awful", "horrible", "wonderful", "excellent", "best", "worst",
        "beautiful", "ugly", "brilliant", "amazing", "fantastic", "poor", "wrong", "right", "fair", "unfair",
        "important", "dangerous", "reckless", "foolish", "wise", "sad", "tragic", "shocking", "remarkable",
        "impressive", "disappointing", "unacceptable", "acceptable", "incredible", "unbelievable", "obvious",
        "obviously", "clearly", "sadly", "unfortunately", "fortunately", "hopefully", "frankly", "honestly",
        "gut", "schlecht", "schrecklich", "buono", "cattivo", "terribile", "добър", "лош", "ужасен",
    ),
    "intensifier": (
        "very", "extremely", "incredibly", "totally", "completely", "absolutely", "utterly", "really", "so",
        "truly", "deeply", "highly", "simply", "just", "even", "never", "always", "everyone", "nobody",
        "nothing", "everything", "sehr", "molto", "много", "изключително", "جدا",
    ),
    "hedge_opinion": (
        "think", "believe", "feel", "seems", "seem", "apparently", "perhaps", "maybe", "probably", "arguably",
        "opinion", "view", "guess", "suppose", "doubt", "hope", "wish", "fear", "glaube", "meine", "penso",
        "credo", "мисля", "смятам", "أعتقد", "أرى",
    ),
    "modal": ("should", "must", "ought", "need", "needs", "have to", "has to", "sollte", "muss", "dovrebbe",
              "deve", "трябва", "يجب"),
    "first_person": ("i", "me", "my", "mine", "we", "us", "our", "ours", "ich", "wir", "io", "noi", "аз", "ние"),
    "second_person": ("you", "your", "yours", "du", "ihr", "tu", "voi", "ти", "вие"),
}
NAMES = list(GROUPS) + ["exclaim", "question", "quote", "caps"]
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LOOKUP = {w: i for i, (g, ws) in enumerate(GROUPS.items()) for w in ws if " " not in w}
_PHRASES = [(i, w) for i, (g, ws) in enumerate(GROUPS.items()) for w in ws if " " in w]


def cue_features(texts: Sequence[str]) -> sp.csr_matrix:
    F = np.zeros((len(texts), len(NAMES)), dtype=np.float32)
    g = len(GROUPS)
    for r, t in enumerate(texts):
        low = t.lower()
        for w in _WORD.findall(low):
            i = _LOOKUP.get(w)
            if i is not None:
                F[r, i] += 1
        for i, p in _PHRASES:
            F[r, i] += low.count(p)
        F[r, g] = t.count("!")
        F[r, g + 1] = t.count("?")
        F[r, g + 2] = sum(t.count(q) for q in "\"\u201c\u201d\u00ab\u00bb\u201e")
        F[r, g + 3] = sum(1 for w in t.split() if len(w) > 2 and w.isupper())
    return sp.csr_matrix(np.log1p(F))
