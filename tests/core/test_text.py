"""Sentence and paragraph splitting on news-like text (offsets into the original string)."""

from __future__ import annotations

import pytest

from narrascope.text import paragraph_spans, sentence_spans


def sentences(text: str) -> list[str]:
    spans = sentence_spans(text)
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and text[s:e]
    return [text[s:e] for s, e in spans]


def test_abbreviated_titles_do_not_end_a_sentence():
    text = "Gen. Valery Gerasimov met Sen. Lindsey Graham and Dr. Smith. They spoke for an hour."
    assert sentences(text) == [
        "Gen. Valery Gerasimov met Sen. Lindsey Graham and Dr. Smith.",
        "They spoke for an hour.",
    ]


def test_dotted_acronym_inside_a_sentence_is_not_a_boundary():
    text = "The U.S. State Department said the U.N. Security Council would meet. It did not."
    assert sentences(text) == [
        "The U.S. State Department said the U.N. Security Council would meet.",
        "It did not.",
    ]


def test_dotted_acronym_followed_by_a_sentence_opener_is_a_boundary():
    text = "Aid keeps flowing from the U.S. The Kremlin called it provocation."
    assert sentences(text) == ["Aid keeps flowing from the U.S.", "The Kremlin called it provocation."]


def test_month_abbreviations_and_numbered_dates_stay_together():
    text = "The talks began on Feb. 24, 2022. On 3. March the delegations met again in Istanbul."
    assert sentences(text) == [
        "The talks began on Feb. 24, 2022.",
        "On 3. March the delegations met again in Istanbul.",
    ]


def test_quotes_close_the_sentence_they_end():
    text = '"We have always been open to dialogue." Peskov said it twice. "Is this peace?" asked a reporter.'
    assert sentences(text) == [
        '"We have always been open to dialogue."',
        "Peskov said it twice.",
        '"Is this peace?" asked a reporter.',
    ]


def test_curly_and_guillemet_quotes():
    text = "«Мы готовы к переговорам», — сказал он. Ответа не было. “It is over.” Nobody believed it."
    assert sentences(text) == [
        "«Мы готовы к переговорам», — сказал он.",
        "Ответа не было.",
        "“It is over.”",
        "Nobody believed it.",
    ]


def test_initials_and_decimals():
    text = "J. R. Smith reported inflation of 7.5 percent. Prices rose 3.2% in May."
    assert sentences(text) == ["J. R. Smith reported inflation of 7.5 percent.", "Prices rose 3.2% in May."]


def test_ellipsis_followed_by_capital_ends_a_sentence_but_lowercase_does_not():
    text = "They waited... and waited. Then... Nothing happened."
    assert sentences(text) == ["They waited... and waited.", "Then...", "Nothing happened."]


def test_devanagari_danda_is_a_boundary():
    text = "यह पहला वाक्य है। यह दूसरा वाक्य है।"
    assert sentences(text) == ["यह पहला वाक्य है।", "यह दूसरा वाक्य है।"]


def test_paragraphs_are_non_blank_lines_trimmed():
    text = "Title line \n\n  First paragraph. Two sentences.\n\n\nSecond.\n"
    spans = paragraph_spans(text)
    assert [text[s:e] for s, e in spans] == ["Title line", "First paragraph. Two sentences.", "Second."]
    assert [text[s:e] for s, e in sentence_spans(text)] == ["Title line", "First paragraph.", "Two sentences.", "Second."]


@pytest.mark.parametrize("text", ["", "   \n\n ", "no terminal punctuation", "!!!", "A."])
def test_degenerate_inputs_never_produce_bad_offsets(text):
    for s, e in sentence_spans(text):
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() == text[s:e]
