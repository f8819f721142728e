"""Synthetic English news articles of realistic length (500-1,000 words) for the benchmarks.

Written from templates (people, institutions, places, reporting verbs, quotes, numbers, dates),
so no data is needed; ``--data DIR`` in the benchmarks reads real articles instead.
"""

from __future__ import annotations

import random
from pathlib import Path

PEOPLE = ["Vladimir Putin", "Volodymyr Zelensky", "Joe Biden", "Olaf Scholz", "Emmanuel Macron", "Dmitry Peskov",
          "Antony Blinken", "Jens Stoltenberg", "Sergei Lavrov", "Ursula von der Leyen", "Maria Zakharova",
          "Rishi Sunak", "Greta Thunberg", "Al Gore", "John Kerry", "Kristalina Georgieva", "Mark Rutte"]
ORGS = ["NATO", "the European Union", "the Kremlin", "the United Nations", "the Pentagon", "Gazprom",
        "the IPCC", "the World Bank", "the IMF", "Greenpeace", "the White House", "the Foreign Ministry"]
PLACES = ["Kyiv", "Moscow", "Washington", "Brussels", "Berlin", "Paris", "Donetsk", "Kharkiv", "London",
          "Warsaw", "Geneva", "Odesa", "Crimea", "Texas", "Beijing"]
GROUPS = ["civilians", "residents", "farmers", "workers", "refugees", "children", "taxpayers", "soldiers"]
VERBS = ["said", "told reporters", "claimed", "warned", "insisted", "argued", "stressed", "announced"]
NOUNS = ["sanctions", "the offensive", "the talks", "energy prices", "the aid package", "the ceasefire",
         "emissions targets", "the grain deal", "the referendum", "military spending", "the climate summit"]
ADJ = ["unprecedented", "reckless", "historic", "dangerous", "long-awaited", "controversial", "brutal", "modest"]
FILL = ["According to officials, the situation remained tense throughout the week.",
        "Analysts said the decision could have far-reaching consequences for the region.",
        "The move was widely criticised by opposition lawmakers and several independent experts.",
        "Prices for fuel and food have risen sharply since the beginning of the year.",
        "Local media reported that several buildings were damaged overnight.",
        "Critics argue that the policy benefits a small elite at the expense of ordinary families.",
        "The government has not yet published the full text of the agreement.",
        "Observers noted that the statement contradicted earlier assurances."]


def _sentence(rng: random.Random) -> str:
    p, q = rng.sample(PEOPLE, 2)
    o, pl, g, n = rng.choice(ORGS), rng.choice(PLACES), rng.choice(GROUPS), rng.choice(NOUNS)
    a, v = rng.choice(ADJ), rng.choice(VERBS)
    k = rng.randrange(9)
    if k == 0:
        return f'"We will not accept {n} imposed from {pl}," {p} {v} on {rng.choice(["Monday", "Tuesday", "Friday"])}.'
    if k == 1:
        return f"{p} accused {o} of using {n} to punish {g} in {pl}, calling the plan {a}."
    if k == 2:
        return f"{o} {v} that {n} would cost about ${rng.randrange(2, 90)} billion over {rng.randrange(2, 10)} years."
    if k == 3:
        return f"In {pl}, {rng.randrange(10, 900)} {g} were forced to leave their homes after {a} strikes, officials said."
    if k == 4:
        return f'{q} described {n} as "{a}" and said {p} had misled the public about its real aims.'
    if k == 5:
        return f"Speaking in {pl}, {p} praised {o} for defending {g} and promised more support."
    if k == 6:
        return f"The spokesman for {o}, {q}, {v} that the {a} decision was taken without consulting {pl}."
    if k == 7:
        return f"On {rng.randrange(1, 28)} {rng.choice(['March', 'June', 'October'])} 2024, {o} reported that {rng.randrange(3, 60)}% of {g} supported {n}."
    return rng.choice(FILL)


def synthetic_article(rng: random.Random, words: tuple[int, int] = (500, 1000)) -> str:
    target = rng.randrange(*words)
    title = f"{rng.choice(PEOPLE)} {rng.choice(['warns', 'slams', 'backs', 'rejects'])} {rng.choice(NOUNS)} as {rng.choice(ORGS)} meets in {rng.choice(PLACES)}"
    paras, n = [], len(title.split())
    while n < target:
        para = " ".join(_sentence(rng) for _ in range(rng.randrange(2, 5)))
        paras.append(para)
        n += len(para.split())
    return title + "\n\n" + "\n\n".join(paras) + "\n"


def articles(n: int, seed: int = 0, data: str | None = None) -> list[str]:
    """``n`` article texts: synthetic, or the 500-1,000-word ``*.txt`` files of ``data`` (cycled)."""
    if data:
        files = sorted(Path(data).rglob("*.txt"))
        texts = [t for t in (f.read_text(encoding="utf-8") for f in files) if 500 <= len(t.split()) <= 1000]
        if not texts:
            raise SystemExit(f"no 500-1,000-word .txt articles under {data}")
        return [texts[i % len(texts)] for i in range(n)]
    rng = random.Random(seed)
    return [synthetic_article(rng) for _ in range(n)]
