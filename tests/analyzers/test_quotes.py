"""Quotes analyzer: who said what, with exact spans and resolved speakers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope.analyzers.quotes import QuotesAnalyzer, find_quote_marks
from narrascope.document import Analysis, Document
from narrascope.errors import DataError
from narrascope.evaluation.quotes import evaluate_quotes, load_gold, match_quotes

from tests.conftest import FIXTURES, assert_spans_exact


def run(text: str, *, entities=None, title: str | None = None) -> Analysis:
    doc = Document.create(text, title=title) if title else Document.create(text)
    a = Analysis(document=doc)
    if entities is not None:
        a.data["entities"] = entities
    QuotesAnalyzer().load().analyze(doc, a)
    return a


def quotes_of(text: str, **kw) -> list[dict]:
    return run(text, **kw).data["quotes"]


def find(quotes, fragment):
    hits = [q for q in quotes if fragment in q["content"]["text"]]
    assert hits, f"no quote containing {fragment!r} in {[q['content']['text'] for q in quotes]}"
    return hits[0]


@pytest.fixture(scope="module")
def example(example_text):
    doc = Document.create(example_text, title_in_text=True)
    a = Analysis(document=doc)
    QuotesAnalyzer().analyze(doc, a)
    return a


# -- the example article ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "fragment, speaker_text, entity, cue",
    [
        ("Russia remains the only party genuinely committed to peace", "Dmitry Peskov", "Dmitry Peskov", "told"),
        ("the Kyiv regime of sabotaging negotiations", "Dmitry Peskov", "Dmitry Peskov", "accusing"),
        ("We have always been open to dialogue. It is Kyiv", "Peskov", "Dmitry Peskov", "said"),
        ("the special military operation would continue", "He", "Dmitry Peskov", "added"),
        ("the U.S. and its NATO allies have poured", "the Russian Foreign Ministry", "Russian Foreign Ministry", "According to"),
        ("the West was \"fighting to the last Ukrainian\"", "Maria Zakharova", "Maria Zakharova", "said"),
        ("did not start this war, we are ending it", "Vladimir Putin", "Vladimir Putin", "said"),
        ("any attempt to strike Russian territory", "Vladimir Putin", "Vladimir Putin", "warned"),
        ("are puppets of the military-industrial complex", "Zakharova", "Maria Zakharova", "claimed"),
        ("are the forgotten victims of this conflict", "she", "Maria Zakharova", "said"),
        ("no peace was possible while Russian troops occupied", "Volodymyr Zelensky", "Volodymyr Zelensky", "told"),
        ("is now up to Washington", "Peskov", "Dmitry Peskov", "said"),
    ],
)
def test_every_attributed_statement_in_the_example_is_found(example, fragment, speaker_text, entity, cue):
    q = find(example.data["quotes"], fragment)
    assert q["speaker"]["text"] == speaker_text
    assert q["speaker_entity"] == entity
    assert q["cue"]["text"] == cue
    assert q["content"]["text"].strip()


def test_he_added_is_resolved_to_peskov_by_pronoun(example):
    q = find(example.data["quotes"], "the special military operation would continue")
    assert (q["speaker"]["text"], q["speaker_entity"], q["resolved_by"], q["kind"]) == ("He", "Dmitry Peskov", "pronoun", "indirect")
    # the quoted fragment inside the indirect statement is part of it, not a quote of its own
    assert not [x for x in example.data["quotes"] if x["content"]["text"].startswith("until all of its goals")]


def test_multi_sentence_direct_quote_is_one_quote(example):
    q = find(example.data["quotes"], "We have always been open to dialogue.")
    assert q["kind"] == "direct"
    assert q["content"]["text"] == (
        "We have always been open to dialogue. It is Kyiv and its sponsors in Washington who keep choosing war"
    )


def test_spans_are_exact_and_linked_by_quote_id(example):
    assert_spans_exact(example)
    text = example.document.text
    spans = example.spans_by("quotes")
    ids = {q["id"] for q in example.data["quotes"]}
    assert {s.attrs["quote_id"] for s in spans} == ids
    for q in example.data["quotes"]:
        for key in ("speaker", "cue", "content"):
            if q[key]:
                assert text[q[key]["start"] : q[key]["end"]] == q[key]["text"]
        labels = {s.label for s in spans if s.attrs["quote_id"] == q["id"]}
        assert "quote-content" in labels
        assert set(q) >= {"id", "kind", "speaker", "speaker_entity", "resolved_by", "cue", "content"}
    assert json.dumps(example.to_dict())  # JSON-serialisable


def test_headline_attribution_is_found(example):
    q = find(example.data["quotes"], "Moscow Offers Peace as Kyiv Regime Stalls Talks")
    assert q["speaker_entity"] == "Kremlin" and q["cue"]["text"] == "Says"


# -- forms --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        'Body.\n\n"We want peace," Peskov said.',
        "Body.\n\n“We want peace,” Peskov said.",
        "Body.\n\n«We want peace», Peskov said.",
        "Body.\n\n„We want peace“, Peskov said.",
        "Body.\n\n'We want peace,' Peskov said.",
        "Body.\n\n‘We want peace,’ Peskov said.",
        'Body.\n\n"We want peace," said Peskov.',
        'Body.\n\nPeskov said: "We want peace."',
        'Body.\n\nPeskov told reporters, "We want peace."',
    ],
)
def test_direct_quotes_in_every_quote_style(text):
    qs = quotes_of(text)
    assert len(qs) == 1
    q = qs[0]
    assert q["kind"] == "direct"
    assert q["content"]["text"].rstrip(".,") == "We want peace"
    assert q["speaker"]["text"] == "Peskov" and q["speaker_entity"] == "Peskov"


def test_split_quote_is_one_quote_with_two_parts():
    text = 'Title\n\nKremlin spokesman Dmitry Peskov spoke on Monday. "We want peace," he said, "but not at any price."'
    qs = quotes_of(text)
    assert len(qs) == 1
    q = qs[0]
    assert [p["text"] for p in q["content_parts"]] == ["We want peace", "but not at any price."]
    assert q["content"]["text"] == 'We want peace," he said, "but not at any price.'
    assert (q["speaker"]["text"], q["speaker_entity"], q["resolved_by"]) == ("he", "Dmitry Peskov", "pronoun")


def test_continuation_quote_takes_the_previous_speaker():
    qs = quotes_of('Title\n\n"Nobody will negotiate under threat," Sergei Lavrov said. "We can wait."')
    q = find(qs, "We can wait.")
    assert q["speaker"] is None and q["speaker_entity"] == "Sergei Lavrov" and q["resolved_by"] == "continuation"
    assert q["cue"] is None


@pytest.mark.parametrize(
    "sentence, speaker, cue, content",
    [
        ("Sergei Lavrov said that the talks had failed.", "Sergei Lavrov", "said", "the talks had failed"),
        ("Sergei Lavrov told journalists the talks had failed.", "Sergei Lavrov", "told", "the talks had failed"),
        ("Sergei Lavrov told his hosts the talks had failed.", None, None, None),  # unknown addressee: no guess
        ("Sergei Lavrov told journalists that the talks had failed.", "Sergei Lavrov", "told", "the talks had failed"),
        ("According to Sergei Lavrov, the talks had failed.", "Sergei Lavrov", "According to", "the talks had failed"),
        ("The talks had failed, according to Sergei Lavrov.", "Sergei Lavrov", "According to", "The talks had failed"),
        ("Sergei Lavrov's statement that the talks had failed", "Sergei Lavrov", "statement", "the talks had failed"),
        ("Sergei Lavrov claimed the talks had failed.", "Sergei Lavrov", "claimed", "the talks had failed"),
        ("Sergei Lavrov warned that the talks had failed.", "Sergei Lavrov", "warned", "the talks had failed"),
        ("Sergei Lavrov stressed that the talks had failed.", "Sergei Lavrov", "stressed", "the talks had failed"),
        ("Sergei Lavrov emphasized that the talks had failed.", "Sergei Lavrov", "emphasized", "the talks had failed"),
        ("Sergei Lavrov added that the talks had failed.", "Sergei Lavrov", "added", "the talks had failed"),
        ("Sergei Lavrov accused Kyiv of wrecking the talks.", "Sergei Lavrov", "accused", "Kyiv of wrecking the talks"),
        ("Sergei Lavrov told journalists on Friday, accusing Kyiv of wrecking the talks.", "Sergei Lavrov", "accusing",
         "Kyiv of wrecking the talks"),
        ("The talks had failed, Sergei Lavrov said on Friday.", "Sergei Lavrov", "said", "The talks had failed"),
        ("The talks, Sergei Lavrov said, had failed.", "Sergei Lavrov", "said", "The talks, Sergei Lavrov said, had failed"),
        ("State media quoted Sergei Lavrov as saying the talks had failed.", "Sergei Lavrov", "as saying", "the talks had failed"),
    ],
)
def test_indirect_speech_forms(sentence, speaker, cue, content):
    qs = quotes_of("Title line\n\n" + sentence)
    if speaker is None:
        # "told journalists <clause>" without "that" is ambiguous: we do not guess
        assert all(q["content"]["text"] != "the talks had failed" for q in qs)
        return
    assert len(qs) == 1, qs
    q = qs[0]
    assert q["kind"] == "indirect"
    assert q["speaker"]["text"] == speaker and q["cue"]["text"].lower() == cue.lower()
    assert q["content"]["text"] == content


def test_role_noun_resolves_to_the_person_introduced_with_that_role():
    text = (
        "Title\n\nKremlin spokesman Dmitry Peskov and Foreign Minister Sergei Lavrov met the press. "
        "The spokesman said the West was to blame. The minister added that talks were impossible."
    )
    qs = quotes_of(text)
    a = find(qs, "the West was to blame")
    b = find(qs, "talks were impossible")
    assert (a["speaker_entity"], a["resolved_by"]) == ("Dmitry Peskov", "role-noun")
    assert (b["speaker_entity"], b["resolved_by"]) == ("Sergei Lavrov", "role-noun")


def test_she_skips_a_male_antecedent():
    text = (
        "Title\n\nForeign Ministry spokeswoman Maria Zakharova spoke after President Vladimir Putin. "
        "Putin said the war was over. She said the sanctions had failed."
    )
    q = find(quotes_of(text), "the sanctions had failed")
    assert (q["speaker_entity"], q["resolved_by"]) == ("Maria Zakharova", "pronoun")


def test_unresolved_speakers_say_so():
    qs = quotes_of("Title\n\nOfficials said the talks had failed. She said nothing had changed.")
    assert len(qs) == 2
    for q in qs:
        assert q["speaker"] is not None
        assert q["speaker_entity"] is None and q["resolved_by"] is None


def test_scare_quotes_are_not_quotes():
    assert quotes_of('Title\n\nThe so-called "peace plan" was never published in full.') == []
    assert quotes_of("Title\n\nRutte's remarks drew an angry response.") == []


def test_entities_from_the_entity_analyzer_name_the_speaker():
    text = "Title\n\nThe Kremlin's spokesman Peskov said the talks had failed."
    s = text.index("Peskov")
    ents = [{"id": "e1", "name": "Dmitry Peskov", "type": "PER", "mentions": [{"start": s, "end": s + 6, "text": "Peskov"}]}]
    q = quotes_of(text, entities=ents)[0]
    assert q["speaker_entity"] == "Dmitry Peskov" and q["resolved_by"] == "name"


def test_other_languages_get_quote_marks_and_cue_verbs():
    ru = quotes_of("Заголовок\n\n«Мы готовы к переговорам», — заявил Песков.")
    assert len(ru) == 1 and ru[0]["content"]["text"] == "Мы готовы к переговорам" and ru[0]["speaker_entity"] == "Песков"
    ru2 = quotes_of("Заголовок\n\nКиевский режим отказывается от мира, заявил Песков в понедельник.")
    assert ru2 and ru2[0]["content"]["text"] == "Киевский режим отказывается от мира" and ru2[0]["cue"]["text"] == "заявил"
    pt = quotes_of('Título\n\n"Queremos a paz", disse Lula.')
    assert pt and pt[0]["speaker_entity"] == "Lula"


def test_no_quote_without_content_and_short_documents_are_fine():
    assert quotes_of("short.") == []
    for text in ['""', "Title\n\n“”", "Title\n\nHe said."]:
        for q in quotes_of(text):
            assert q["content"]["text"].strip()


def test_quote_marks_nested_pairs_keep_the_outer_one():
    text = "«Он сказал „нет“ вчера»"
    marks = find_quote_marks(text)
    assert len(marks) == 1 and text[marks[0].cstart : marks[0].cend] == "Он сказал „нет“ вчера"


# -- evaluation ------------------------------------------------------------------------------
GOLD = FIXTURES / "quotes" / "gold.jsonl"


def test_gold_set_is_large_and_valid():
    recs = load_gold(GOLD)
    n = sum(len(r["quotes"]) for r in recs)
    assert n >= 40
    kinds = {q["kind"] for r in recs for q in r["quotes"]}
    assert kinds == {"direct", "indirect"}


def test_gold_set_metrics_stay_above_the_floor():
    """Floors sit below the measured values (docs/quotes.md) to catch regressions, not to flatter:
    the first blind runs on the held-out splits scored overlap F1 0.857 ('blind') and 0.889 ('blind2')."""
    res = evaluate_quotes(load_gold(GOLD))
    assert res["gold_quotes"] >= 40
    assert res["overlap"]["f1"] >= 0.9
    assert res["exact"]["f1"] >= 0.85
    assert res["speaker_accuracy"] >= 0.9


def test_match_quotes_counts_exact_after_trimming_and_overlap():
    text = 'He said: "We want peace," and left.'
    gold = [{"content": {"start": 10, "end": 23}, "speaker_entity": "X"}]
    pred = [{"content": {"start": 10, "end": 24}, "speaker_entity": "x"}, {"content": {"start": 30, "end": 34}, "speaker_entity": None}]
    m = match_quotes(text, gold, pred)
    assert (m["exact_tp"], m["overlap_tp"], m["speaker_ok"], m["n_pred"]) == (1, 1, 1, 2)


def test_bad_gold_offsets_name_the_line(tmp_path: Path):
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps({"text": "abc", "quotes": [{"content": {"start": 0, "end": 2, "text": "xx"}}]}) + "\n")
    with pytest.raises(DataError) as e:
        load_gold(p)
    assert f"{p}:1" in str(e.value)


# -- CLI -----------------------------------------------------------------------------------------
def test_quotes_command_prints_who_said_what():
    from narrascope.cli import main

    ex = Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt"
    r = CliRunner().invoke(main, ["quotes", str(ex), "--width", "110"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("== Moscow Offers Peace")
    assert "SPEAKER" in lines[1] and "CUE" in lines[1] and "QUOTE" in lines[1]
    assert any("He -> Dmitry Peskov" in ln and "added" in ln for ln in lines)
    assert any("she -> Maria Zakharova" in ln for ln in lines)
    assert all(len(ln) <= 110 for ln in lines)
    assert not any(ln.rstrip().endswith("…") for ln in lines)  # quotes are whole: wrapped, never cut
    assert "money that ordinary Americans will never see again" in " ".join(" ".join(ln.split()) for ln in lines)


def test_quotes_command_json_and_evaluate_command():
    from narrascope.cli import main

    ex = Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt"
    r = CliRunner().invoke(main, ["quotes", str(ex), "--json"])
    assert r.exit_code == 0
    rec = json.loads(r.output.splitlines()[0])
    assert len(rec["quotes"]) >= 12
    r2 = CliRunner().invoke(main, ["evaluate", "quotes", "--gold", str(GOLD), "--split", "dev"])
    assert r2.exit_code == 0
    assert json.loads(r2.output)["gold_quotes"] >= 20


def test_a_quote_only_paragraph_continues_the_previous_paragraphs_speaker():
    text = (
        'Title\n\n"I dedicate these medals to Ukraine," said a smiling Dmytro Levin, a native of Kharkiv.\n'
        '"I hope to go home after the Games and see my family again."\n'
        "The ceremony ended at night.\n"
        '"Nobody has claimed this long sentence in quotes at all."'
    )
    qs = quotes_of(text)
    assert qs[0]["speaker"]["text"] == "Dmytro Levin"
    assert (qs[1]["speaker_entity"], qs[1]["resolved_by"]) == ("Dmytro Levin", "continuation")
    # not across an unrelated paragraph: kept, but unresolved
    assert (qs[2]["speaker"], qs[2]["speaker_entity"], qs[2]["resolved_by"]) == (None, None, None)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ['"', "“", "”", "«", "»", "„", "'", "‘", "’", ",", ".", ":", " — ", "\n", " said", " told reporters",
           " according to", " he", " She", " Peskov", " Dmitry Peskov", " the spokesman", " that", " adding",
           " The talks failed", " We want peace", " Kyiv", " and warned", "'s statement", " who", " 2024"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40))
def test_any_mix_of_quote_marks_and_cues_gives_exact_spans(pieces):
    text = "Title\n\n" + "".join(pieces)
    if not text.strip():
        return
    a = run(text)
    assert_spans_exact(a)
    for q in a.data["quotes"]:
        c = q["content"]
        assert c["end"] > c["start"] and a.document.text[c["start"] : c["end"]] == c["text"]
