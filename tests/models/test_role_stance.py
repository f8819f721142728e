"""Issue 13: the article's stance toward an entity (camp, side, speaker), the stance head and the
main-role prior it decides under."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.errors import ModelError
from narrascope.models import role_stance as rs
from narrascope.models.roles import FINE_ROLES, MAIN_ROLES, RoleClassifier


@pytest.mark.parametrize("name,camp", [
    ("Dmitry Peskov", "ru"), ("Kremlin", "ru"), ("Пескова", "ru"), ("Rússia", "ru"), ("पुतिन", "ru"),
    ("Kyiv", "ua"), ("Зеленский", "ua"), ("Ucrânia", "ua"), ("यूक्रेन", "ua"),
    ("NATO", "west"), ("U.S.", "west"), ("САЩ", "west"), ("Ocidente", "west"),
    ("farmers", "people"), ("civilians", "people"), ("Benfica", "other"), ("Samsung Electronics", "other"),
])
def test_entity_camp_reads_names_in_the_five_languages(name, camp):
    assert rs.entity_camp(name) == camp


def test_short_stems_match_whole_words_only():
    assert rs.entity_camp("Usain Bolt") == "other"  # "us" is a stem of the West, only as a whole word
    assert rs.entity_camp("US") == "west"


def test_article_sides_follow_the_narratives_and_cue_words():
    text = "The Kiev regime and its neo-Nazi battalions provoked the special military operation."
    s = rs.article_sides([("URW: Discrediting Ukraine", 0.8), ("URW: Overpraising the West", 0.1)], text)
    assert s[rs.SIDES.index("kremlin")] == pytest.approx(0.8)
    assert s[rs.SIDES.index("west")] == pytest.approx(0.1)
    assert s[rs.SIDES.index("none")] == pytest.approx(0.2)
    assert s[-1] > 0.5  # pro-Kremlin cue words
    neutral = rs.article_sides([("Other", 0.9)], "Trade grew by ten percent.")
    assert neutral[rs.SIDES.index("none")] == 1.0 and neutral[-1] == 0.0


def test_speaker_share_counts_speech_verbs_next_to_the_mention():
    text = "Peskov said talks stalled. Critics mocked Peskov. \"No,\" said Peskov."
    spans = [(i, i + 6) for i in (0, text.index("Peskov.", 10), text.rindex("Peskov"))]
    assert rs.speaks(text, spans) == pytest.approx(2 / 3)
    assert rs.speaks(text, []) == 0.0


def test_prior_shift_moves_decisions_toward_the_target_and_keeps_probabilities():
    p = np.array([[0.3, 0.6, 0.1]])
    train = np.array([0.15, 0.7, 0.15])
    q = rs.prior_shift(p, train, np.array([0.25, 0.5, 0.25]))
    assert q.sum() == pytest.approx(1.0)
    assert q[0, 0] > p[0, 0] and q[0, 1] < p[0, 1]
    assert np.allclose(rs.prior_shift(p, train, train), p)


def test_parse_prior_accepts_train_and_three_shares_and_refuses_the_rest():
    assert rs.parse_prior(None) is None and rs.parse_prior("train") == "train"
    assert rs.parse_prior("0.5,0.25,0.25") == {"Antagonist": 0.5, "Protagonist": 0.25, "Innocent": 0.25}
    for bad in ("0.5,0.5", "a,b,c", "0.5,0,0.5"):
        with pytest.raises(ModelError):
            rs.parse_prior(bad)


def _toy_head():
    rng = np.random.default_rng(0)
    ef = [{"camp": c, "sides": np.array([s, 0, 0, 0, 1 - s, 0.0], np.float32), "speaks": sp, "n": 2}
          for c, s, sp in zip(rng.choice(["ru", "ua", "other"], 300), rng.random(300), rng.random(300))]
    # pro-Kremlin article: Russian camp protagonist, Ukrainian camp antagonist
    y = np.array([0 if f["camp"] == "ru" and f["sides"][0] > 0.5 else 1 if f["camp"] == "ua" else 2 for f in ef])
    langs = ["en"] * 300
    lp = np.log(np.full((300, 3), 1 / 3))
    Z = rs.design(ef, lp, langs)
    return rs.StanceHead.fit(Z, y, langs, C=1.0), ef, Z, y


def test_stance_head_learns_camp_times_side_and_round_trips(tmp_path):
    head, ef, Z, y = _toy_head()
    p = head.decide_proba(Z, ["en"] * len(y), "train")
    assert (p.argmax(1) == y).mean() > 0.9
    head.meta_["second_ratio"] = 0.7
    head.save(tmp_path)
    back = rs.StanceHead.load(tmp_path)
    assert np.allclose(back.decide_proba(Z, ["en"] * len(y), None), head.decide_proba(Z, ["en"] * len(y), None), atol=1e-4)
    assert back.meta_["second_ratio"] == 0.7
    assert rs.StanceHead.load(tmp_path / "nothing") is None
    (tmp_path / rs.FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ModelError):
        rs.StanceHead.load(tmp_path)


def test_decision_is_hierarchical_fine_roles_sit_under_the_main_role():
    head, ef, Z, y = _toy_head()
    clf = RoleClassifier(second_ratio=1.01, mix=0.3)
    n = 5
    pm = np.full((n, 3), 1 / 3)
    pf = np.full((n, 22), 1 / 22)
    out = rs.decide(head, clf, pm, pf, ef[:n], ["en"] * n)
    for main, score, fines in out:
        assert main in MAIN_ROLES and 0 <= score <= 1
        assert fines and all(f in FINE_ROLES[main] for f, _ in fines)
