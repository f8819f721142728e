"""Readers for local files: txt, folders/globs, JSONL/JSON/CSV/TSV, HTML, RSS/Atom; encodings, limits.

Fixtures in tests/fixtures/readers/ are articles written for these tests. Every bad input of
issue 2 has a test asserting exactly what is yielded and which failure / error names which place.
"""

from __future__ import annotations

import json
import os
import random

import pytest

from narrascope.document import Document
from narrascope.errors import EmptyDocumentError, InputError, InputTooLargeError
from narrascope.errors import Failure
from narrascope.readers import (
    EXTENSIONS,
    REGISTRY,
    ReadOptions,
    choose_reader,
    expand_sources,
    iter_documents,
    read_documents,
    read_source,
)
from narrascope.readers._common import decode_bytes, html_to_text, normalise_date

from tests.readers.readers_helpers import FIX, assert_offsets_consistent, html_page, read_all

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


# -- registry ------------------------------------------------------------------------------------


def test_every_registered_format_resolves_to_a_reader_function():
    import importlib

    for fmt, target in REGISTRY.items():
        module, _, func = target.partition(":")
        assert callable(getattr(importlib.import_module(module), func)), fmt
    assert set(EXTENSIONS.values()) <= set(REGISTRY)


@pytest.mark.parametrize(
    "name, expected",
    [("a.txt", "txt"), ("a.JSONL", "jsonl"), ("a.ndjson", "jsonl"), ("a.json", "json"), ("a.csv", "csv"),
     ("a.tsv", "tsv"), ("a.html", "html"), ("a.htm", "html"), ("a.rss", "feed"), ("a.xml", "feed"),
     ("a.warc", "warc"), ("a.warc.gz", "warc")],
)
def test_format_is_chosen_by_extension(tmp_path, name, expected):
    p = tmp_path / name
    p.write_bytes(b"x")
    assert choose_reader(p, ReadOptions()) == expected


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "feed"),
        (b'{"text": "one"}\n{"text": "two"}\n', "json"),
        (b"Just a line of text.\n", "txt"),
        (b"WARC/1.0\r\n", "warc"),
    ],
)
def test_format_of_a_file_without_extension_is_sniffed(tmp_path, content, expected):
    p = tmp_path / "download"
    p.write_bytes(content)
    assert choose_reader(p, ReadOptions()) == expected


def test_a_gzip_file_that_is_not_a_warc_is_refused_with_advice(tmp_path):
    import gzip

    p = tmp_path / "dump"
    p.write_bytes(gzip.compress(b'{"text": "x"}\n'))
    with pytest.raises(InputError, match="gzip-compressed file that is not a WARC") as e:
        choose_reader(p, ReadOptions())
    assert e.value.where == str(p) and "gunzip" in e.value.hint


def test_forcing_an_unknown_format_names_the_choices(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("x")
    with pytest.raises(InputError, match="unknown input format 'pdf'") as e:
        list(read_source(p, ReadOptions(format="pdf")))
    assert "txt" in e.value.hint and "warc" in e.value.hint


def test_forcing_a_format_overrides_the_extension(tmp_path):
    p = tmp_path / "articles.txt"
    p.write_text('{"text": "Forced JSON lines reading works."}\n', encoding="utf-8")
    docs = read_documents(str(p), ReadOptions(format="jsonl"))
    assert [d.text for d in docs] == ["Forced JSON lines reading works."]


# -- txt -----------------------------------------------------------------------------------------


def test_txt_shared_task_layout_keeps_the_file_text_and_takes_the_first_line_as_title():
    (doc,) = read_documents(str(FIX / "article.txt"))
    raw = (FIX / "article.txt").read_text(encoding="utf-8")
    assert doc.text == raw
    assert doc.title == "Harbour city council approves emergency water levy"
    assert doc.id == "article"
    assert doc.paragraphs[0] == (0, len(doc.title))
    assert len(doc.paragraphs) == 4
    assert doc.meta["where"] == str(FIX / "article.txt")
    assert_offsets_consistent(doc)


def test_plain_txt_without_blank_second_line_has_no_title():
    (doc,) = read_documents(str(FIX / "plain.txt"))
    assert doc.title is None
    assert doc.text.startswith("The regional rail operator")
    assert len(doc.sentences) == 2
    assert_offsets_consistent(doc)


def test_txt_line_endings_are_normalised_and_offsets_follow(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"Title here\r\n\r\nFirst sentence. Second sentence.\r\n")
    (doc,) = read_documents(str(p))
    assert doc.text == "Title here\n\nFirst sentence. Second sentence.\n"
    assert [doc.text[s:e] for s, e in doc.sentences] == ["Title here", "First sentence.", "Second sentence."]


# -- encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, encoding, needle",
    [
        ("utf8-bom.txt", None, "café reopened"),
        ("utf16.txt", "utf-16", "Stadtrat beschließt höhere Wassergebühren"),
        ("cp1251.txt", "cp1251", "Депутаты городского совета"),
        ("latin1.txt", "cp1252", "a voté mardi"),
    ],
)
def test_wrong_but_decodable_encodings_are_detected_and_decoded(name, encoding, needle):
    (doc,) = read_documents(str(FIX / name))
    assert needle in doc.text
    assert not doc.text.startswith("\ufeff")
    assert doc.meta.get("encoding") == encoding
    assert_offsets_consistent(doc)


def test_cp1251_title_is_decoded_too():
    (doc,) = read_documents(str(FIX / "cp1251.txt"))
    assert doc.title == "Городской совет утвердил новый тариф на воду"


def test_utf16_without_bom_is_recognised(tmp_path):
    p = tmp_path / "le.txt"
    p.write_bytes("Council meets on Monday. Résumé of the agenda follows.".encode("utf-16-le"))
    (doc,) = read_documents(str(p))
    assert doc.text == "Council meets on Monday. Résumé of the agenda follows."


def test_mostly_utf8_with_a_stray_byte_is_decoded_with_a_replacement_character(tmp_path):
    text = "Die Bürger äußerten Kritik an der Gebührenerhöhung. " * 5
    p = tmp_path / "damaged.txt"
    p.write_bytes(text.encode("utf-8") + b"\xff end.")
    (doc,) = read_documents(str(p))
    assert doc.text.startswith("Die Bürger äußerten")
    assert "\ufffd" in doc.text
    assert doc.meta["encoding"] == "utf-8 (invalid bytes replaced)"


def test_undecodable_bytes_are_refused_with_advice(tmp_path):
    rng = random.Random(7)
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes(rng.randrange(128, 256) for _ in range(3000)))
    docs, failures = read_all(p)
    assert docs == []
    assert [(f.where, f.message) for f in failures] == [
        (str(p), "text encoding could not be recognised (not UTF-8, and no other encoding fits) (re-save the file as UTF-8)")
    ]


@pytest.mark.parametrize(
    "content",
    [PNG, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"PK\x03\x04\x14\x00\x06\x00", b"some text\x00\x01\x02\x03 with NULs"],
    ids=["png", "pdf", "zip", "nul-bytes"],
)
def test_binary_files_are_refused(tmp_path, content):
    p = tmp_path / "article.txt"
    p.write_bytes(content)
    docs, failures = read_all(p)
    assert docs == []
    assert len(failures) == 1
    assert failures[0].where == str(p)
    assert failures[0].message.startswith("this is a binary file, not text")


def test_decode_bytes_raises_input_error_naming_the_place():
    with pytest.raises(InputError) as e:
        decode_bytes(PNG, "x.txt")
    assert e.value.where == "x.txt"


# -- empty and oversized -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "blank.txt"])
def test_empty_document_is_a_failure_naming_the_file(name):
    docs, failures = read_all(FIX / name, FIX / "plain.txt")
    assert [d.id for d in docs] == ["plain"]
    assert [(f.where, f.message, f.stage) for f in failures] == [
        (str(FIX / name), "the document has no text (give it a body or drop it from the input)", "read")
    ]


def test_empty_document_raises_in_library_mode():
    with pytest.raises(EmptyDocumentError) as e:
        read_documents(str(FIX / "empty.txt"))
    assert e.value.where == str(FIX / "empty.txt")


def test_file_over_max_bytes_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("word " * 400, encoding="utf-8")
    with pytest.raises(InputTooLargeError) as e:
        read_documents(str(p), ReadOptions(max_bytes=1000))
    assert e.value.where == str(p)
    assert "2,000 bytes, over the 1,000-byte limit" in e.value.message
    assert "--max-bytes" in e.value.hint


def test_document_over_max_chars_is_refused(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("A sentence. " * 100, encoding="utf-8")
    docs, failures = read_all(p, max_document_chars=500)
    assert docs == []
    assert failures[0].where == str(p)
    assert "1,200 characters, over the 500-character limit" in failures[0].message
    assert "--max-chars" in failures[0].message


# -- folders, globs, missing -------------------------------------------------------------------


def test_folder_is_read_recursively_in_sorted_order_skipping_hidden_and_unknown_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Second article text.")
    (tmp_path / "a.txt").write_text("First article text.")
    (tmp_path / "c.html").write_text(html_page("Third", ["Third article text in a page body."]))
    (tmp_path / ".hidden.txt").write_text("Hidden.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("Hidden too.")
    (tmp_path / "photo.png").write_bytes(PNG)
    assert [p.relative_to(tmp_path).as_posix() for p in expand_sources([str(tmp_path)])] == ["a.txt", "b/2.txt", "c.html"]
    seen = []
    docs, failures = read_all(tmp_path)
    assert failures == []
    assert [d.text.splitlines()[-1] for d in docs] == ["First article text.", "Second article text.", "Third article text in a page body."]
    list(iter_documents([str(tmp_path)], progress=seen.append))
    assert seen == [3]


def test_directory_without_readable_files_is_an_error_naming_it(tmp_path):
    (tmp_path / "photo.png").write_bytes(PNG)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError) as e:
        list(expand_sources([str(tmp_path)]))
    assert e.value.where == str(tmp_path)
    assert e.value.message == "directory has no readable files (2 other file(s): photo.png, scan.pdf)"
    assert ".txt" in e.value.hint


def test_empty_directory_is_a_failure_and_the_batch_goes_on(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    docs, failures = read_all(empty, FIX / "plain.txt")
    assert len(docs) == 1
    assert [(f.where, f.message) for f in failures] == [
        (str(empty), "directory has no files to read (point at a folder of articles)")
    ]


def test_glob_is_expanded_sorted(tmp_path):
    for name in ["b.txt", "a.txt", "c.md"]:
        (tmp_path / name).write_text(f"Text of {name}.")
    got = [p.name for p in expand_sources([str(tmp_path / "*.txt")])]
    assert got == ["a.txt", "b.txt"]
    with pytest.raises(InputError, match="no files match this pattern"):
        list(expand_sources([str(tmp_path / "*.csv")]))


def test_missing_file_is_a_failure_naming_it_and_the_batch_goes_on(tmp_path):
    missing = tmp_path / "nope.txt"
    docs, failures = read_all(missing, FIX / "plain.txt")
    assert [d.id for d in docs] == ["plain"]
    assert [(f.where, f.message) for f in failures] == [(str(missing), "no such file or directory (check the path)")]
    with pytest.raises(InputError, match="no such file"):
        read_documents(str(missing))


# -- JSON Lines ----------------------------------------------------------------------------------


def test_jsonl_reads_good_records_and_reports_bad_lines_by_number():
    path = FIX / "articles.jsonl"
    docs, failures = read_all(path)
    assert [d.id for d in docs] == ["a1", "a2", "a5"]
    a1, a2, a5 = docs
    assert a1.title == "Fishermen block the northern port"
    assert a1.text.startswith("Fishermen block the northern port\n\nDozens of trawlers")
    assert a1.url == "https://coastal.example/news/port-blockade"
    assert a1.source == "Coastal Herald"
    assert a1.published == "2024-05-10T04:15:00Z"
    assert a1.language == "en"
    assert a2.published == "2024-05-10T11:00:00Z"
    assert a5.title is None and a5.id == "a5"
    assert a5.meta["where"] == f"{path}:5"
    assert [(f.where, f.message) for f in failures] == [
        (f"{path}:3", "malformed JSON (Invalid control character at column 69); fix or remove this line"),
        (f"{path}:4", "empty document: field 'text' has no text (give the record a text or drop it from the input)"),
    ]
    for d in docs:
        assert_offsets_consistent(d)


def test_jsonl_id_defaults_to_a_content_hash(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "Same words."}\n{"text": "Same words."}\n{"text": "Other words."}\n')
    docs = read_documents(str(p))
    assert docs[0].id == docs[1].id != docs[2].id
    assert len(docs[0].id) == 24


def test_jsonl_without_the_text_field_is_refused_naming_fields_and_option(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"headline": "H", "body": "B"}\n{"headline": "H2", "body": "B2"}\n')
    with pytest.raises(InputError) as e:
        read_documents(str(p))
    assert e.value.where == str(p)
    assert e.value.message == "no 'text' field; fields found: 'headline', 'body'"
    assert e.value.hint == "name the text field with --text-field"


def test_jsonl_with_custom_field_names(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps({"headline": "Port reopens", "body": "The port reopened on Sunday.", "link": "https://x.example/p",
                             "outlet": "X News", "ts": 1714000000, "key": 17, "lang": "PT"}) + "\n")
    opts = ReadOptions(text_field="body", title_field="headline", url_field="link", source_field="outlet",
                       published_field="ts", id_field="key", language_field="lang")
    (doc,) = read_documents(str(p), opts)
    assert (doc.id, doc.title, doc.url, doc.source, doc.published, doc.language) == (
        "17", "Port reopens", "https://x.example/p", "X News", "2024-04-24T23:06:40Z", "pt")
    assert doc.text == "Port reopens\n\nThe port reopened on Sunday."


def test_jsonl_non_object_lines_and_non_string_text_are_record_failures(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "Good one."}\n[1, 2]\n{"text": 42}\n\n{"text": ["Para one.", "Para two."]}\n')
    docs, failures = read_all(p)
    assert [d.text for d in docs] == ["Good one.", "Para one.\nPara two."]
    assert [(f.where, f.message) for f in failures] == [
        (f"{p}:2", "expected a JSON object, got an array"),
        (f"{p}:3", "field 'text' must be a string, got int (point --text-field at the field with the article text)"),
    ]


def test_jsonl_line_over_the_byte_limit_fails_alone(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "Short one."}\n' + json.dumps({"text": "long " * 500}) + '\n{"text": "After the long one."}\n')
    docs, failures = read_all(p, max_bytes=300)
    assert [d.text for d in docs] == ["Short one.", "After the long one."]
    assert [(f.where, f.message) for f in failures] == [
        (f"{p}:2", "line is over the 300-byte limit (raise it with --max-bytes)")
    ]


def test_jsonl_is_streamed_not_loaded_whole(tmp_path):
    """The first document arrives before the reader has looked at the end of the file."""
    p = tmp_path / "x.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        f.write('{"text": "First article."}\n')
        for i in range(2000):
            f.write(json.dumps({"text": f"Article number {i} with some words in it."}) + "\n")
        f.write("{broken\n")
    gen = read_source(p, ReadOptions())
    first = next(gen)
    assert isinstance(first, Document) and first.text == "First article."
    rest = list(gen)
    assert isinstance(rest[-1], Failure) and rest[-1].where == f"{p}:2002"


def test_jsonl_in_a_legacy_encoding(tmp_path):
    p = tmp_path / "ru.jsonl"
    line = json.dumps({"text": "Депутаты городского совета утвердили повышение тарифа на воду."}, ensure_ascii=False)
    p.write_bytes((line + "\n").encode("cp1251"))
    (doc,) = read_documents(str(p))
    assert doc.text.startswith("Депутаты")


# -- JSON ------------------------------------------------------------------------------------------


def test_json_array_of_objects():
    path = FIX / "articles.json"
    docs, failures = read_all(path)
    assert failures == []
    assert [d.id for d in docs] == ["j1", "j2"]
    assert docs[0].published == "2024-02-01"
    assert docs[1].meta["where"] == f"{path} item 2"


def test_json_object_with_a_list_under_articles_and_dotted_field_names():
    opts = dict(text_field="body.content", title_field="body.headline", url_field="link")
    docs, failures = read_all(FIX / "wrapped.json", **opts)
    assert failures == []
    (doc,) = docs
    assert doc.title == "Bridge inspection finds cracks"
    assert doc.url == "https://daily.example/bridge"
    assert doc.text.endswith("lorries must take the ring road.")


def test_json_without_the_text_field_names_the_fields_found():
    docs, failures = read_all(FIX / "wrapped.json")
    assert docs == []
    assert [(f.where, f.message) for f in failures] == [
        (str(FIX / "wrapped.json"), "no 'text' field; fields found: 'body', 'link' (name the text field with --text-field)")
    ]


def test_json_single_object_and_json_lines_in_a_json_file(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"title": "One", "text": "A single article object."}')
    assert [d.title for d in read_documents(str(one))] == ["One"]
    lines = tmp_path / "lines.json"
    lines.write_text('{"text": "First."}\n{"text": "Second."}\n{oops\n')
    docs, failures = read_all(lines)
    assert [d.text for d in docs] == ["First.", "Second."]
    assert [f.where for f in failures] == [f"{lines}:3"]


@pytest.mark.parametrize(
    "content, message, where_suffix",
    [
        ('[{"text": "a"},\n {"text": "b"\n', "malformed JSON: Expecting ',' delimiter at line 3, column 1", ":3"),
        ("[]", "the JSON array is empty", ""),
        ('"just a string"', "expected a JSON array or object, got a string", ""),
        ('{"meta": {"n": 1}}', "expected an array of objects, an object with a list under documents/articles/items, "
         "or one object with a 'text' field; found an object with keys 'meta'", ""),
    ],
)
def test_malformed_or_misshapen_json_is_refused_with_the_place(tmp_path, content, message, where_suffix):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(InputError) as e:
        read_documents(str(p))
    assert e.value.message == message
    assert e.value.where == f"{p}{where_suffix}"


def test_json_over_max_bytes_is_refused(tmp_path):
    p = tmp_path / "big.json"
    p.write_text(json.dumps([{"text": "word " * 100}] * 10))
    with pytest.raises(InputTooLargeError, match="over the 1,000-byte limit"):
        read_documents(str(p), ReadOptions(max_bytes=1000))


# -- CSV / TSV -----------------------------------------------------------------------------------


def test_csv_rows_with_quoted_multiline_text_and_row_line_numbers():
    path = FIX / "articles.csv"
    docs, failures = read_all(path)
    assert [d.id for d in docs] == ["c1", "c3"]
    c1, c3 = docs
    assert c1.text == (
        "Bus drivers vote to strike\n\nBus drivers in the capital voted to strike for two days next week.\n"
        'Union leaders said talks had failed after the operator "refused to move an inch" on pay.'
    )
    assert c1.url == "https://metro.example/strike" and c1.source == "Metro Daily"
    assert c1.published == "2024-06-03T09:00:00Z"
    assert c1.meta["where"] == f"{path}:2"
    assert c3.meta["where"] == f"{path}:5"
    assert c3.url is None and c3.published is None
    assert [(f.where, f.message) for f in failures] == [
        (f"{path}:4", "empty document: field 'text' has no text (give the record a text or drop it from the input)")
    ]
    for d in docs:
        assert_offsets_consistent(d)


def test_tsv():
    (doc,) = read_documents(str(FIX / "articles.tsv"))
    assert doc.id == "t1" and doc.title == "Ferry timetable changes"
    assert doc.published == "2024-10-01T07:00:00Z"


def test_csv_with_custom_fields_and_a_semicolon_delimiter():
    opts = ReadOptions(text_field="body", title_field="headline", id_field="doc_id", source_field="outlet", published_field="date")
    (doc,) = read_documents(str(FIX / "custom-fields.csv"), opts)
    assert (doc.id, doc.title, doc.source, doc.published) == ("k1", "Farmers warn of poor harvest", "Valley Post", "2024-08-20")


def test_csv_without_the_text_column_names_the_columns_and_the_option():
    path = FIX / "no-text-column.csv"
    with pytest.raises(InputError) as e:
        read_documents(str(path))
    assert e.value.where == str(path)
    assert e.value.message == "no 'text' column; columns found: 'id', 'headline', 'content'"
    assert e.value.hint == "name the text column with --text-field"
    assert str(e.value) == f"{path}: no 'text' column; columns found: 'id', 'headline', 'content' (name the text column with --text-field)"


def test_csv_row_with_the_wrong_number_of_fields_is_a_record_failure(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("id,text\n1,First article.\n2,Second,extra\n3,Third article.\n")
    docs, failures = read_all(p)
    assert [d.id for d in docs] == ["1", "3"]
    assert [(f.where, f.message) for f in failures] == [
        (f"{p}:3", "row has 3 fields, the header has 2; check the quoting and the delimiter")
    ]


def test_csv_text_longer_than_the_csv_module_default_limit(tmp_path):
    long_text = "All work and no play makes a long article.\n" * 4000  # ~172k characters in one field
    p = tmp_path / "long.csv"
    p.write_text("text\n\"" + long_text + "\"\n", encoding="utf-8")
    (doc,) = read_documents(str(p))
    assert doc.text == long_text


def test_csv_in_cp1251_with_bom_free_header(tmp_path):
    p = tmp_path / "ru.csv"
    p.write_bytes('id,text\n1,"Министр заявил во вторник, что переговоры зашли в тупик."\n'.encode("cp1251"))
    (doc,) = read_documents(str(p))
    assert doc.text == "Министр заявил во вторник, что переговоры зашли в тупик."


def test_empty_csv_is_refused(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("")
    with pytest.raises(InputError, match="the file is empty"):
        read_documents(str(p))


# -- HTML ------------------------------------------------------------------------------------------


def test_html_main_text_without_boilerplate_with_metadata():
    (doc,) = read_documents(str(FIX / "page.html"))
    assert doc.title == "Tenants say landlord ignored mould for years"
    assert doc.source == "The Riverside Courier"
    assert doc.url == "https://riverside-courier.example/housing/mould-complaints"
    assert doc.published == "2024-03-05T12:30:00Z"
    assert doc.text.startswith("Tenants say landlord ignored mould for years\n\nResidents of the Larkspur estate")
    assert "“all affected flats”" in doc.text
    assert "scrutiny hearing on Thursday" in doc.text
    for boilerplate in ["Subscribe now", "Most read", "All rights reserved", "Privacy", "tracking", "injected advert",
                        "font-family", "Cup final"]:
        assert boilerplate not in doc.text, boilerplate
    assert "<" not in doc.text and ">" not in doc.text and "&" not in doc.text
    assert doc.meta["declared_language"] == "en"
    assert_offsets_consistent(doc)


def test_html_date_only_and_relative_canonical(tmp_path):
    p = tmp_path / "p.html"
    p.write_text(html_page("Storm closes schools", ["Schools across the district closed on Wednesday as the storm arrived."] * 2,
                           extra_head='<meta name="date" content="2024-01-17"><link rel="canonical" href="/weather/storm">'))
    (doc,) = read_documents(str(p))
    assert doc.published == "2024-01-17"
    assert doc.url is None  # a relative canonical link without a base is not a URL
    assert "Home" not in doc.text and "Copyright" not in doc.text


def test_html_in_a_legacy_charset_declared_in_meta(tmp_path):
    p = tmp_path / "ru.html"
    html = html_page("Совет утвердил тариф", ["Депутаты городского совета во вторник утвердили повышение тарифа на воду на двенадцать процентов."] * 3,
                     charset="windows-1251")
    p.write_bytes(html.encode("cp1251"))
    (doc,) = read_documents(str(p))
    assert doc.title == "Совет утвердил тариф"
    assert "Депутаты городского совета" in doc.text


def test_html_fragment_falls_back_to_visible_text(tmp_path):
    p = tmp_path / "frag.htm"
    p.write_text("<p>Only one short paragraph &amp; nothing else.</p>")
    (doc,) = read_documents(str(p))
    assert doc.text == "Only one short paragraph & nothing else."


def test_html_without_any_text_is_an_empty_document(tmp_path):
    p = tmp_path / "blank.html"
    p.write_text("<html><head><title></title><script>var a = 1;</script></head><body><nav><a href='/'>Home</a></nav></body></html>")
    docs, failures = read_all(p)
    assert docs == []
    assert [(f.where, f.message) for f in failures] == [
        (str(p), "no article text found in the HTML page (give it a body or drop it from the input)")
    ]


def test_html_to_text_strips_markup_and_keeps_paragraphs():
    got = html_to_text("<div><p>One &amp; <b>two</b></p><script>x()</script><ul><li>three</li><li>four</li></ul>five<!-- c --></div>")
    assert got == "One & two\nthree\nfour\nfive"


# -- feeds -----------------------------------------------------------------------------------------


def test_rss_entries_with_content_stripped_to_text_and_utc_dates():
    path = FIX / "feed-rss.xml"
    docs, failures = read_all(path)
    assert [d.title for d in docs] == ["Budget row deepens as minister walks out", "Hospital waiting lists fall for the first time in a year"]
    first, second = docs
    assert first.text == (
        "Budget row deepens as minister walks out\n\n"
        "The finance minister walked out of a cabinet meeting on Tuesday after colleagues rejected her plan to freeze public sector pay.\n"
        "Allies of the minister described the meeting as an ambush. Her critics said she had “lost the room” weeks ago."
    )
    assert first.published == "2024-03-05T12:30:00Z"
    assert first.url == "https://northern-ledger.example/politics/budget-row"
    assert first.source == "Northern Ledger - Politics"
    assert second.published == "2024-03-04T08:00:00Z"
    assert second.text.endswith("Waiting lists for planned operations fell slightly in February, according to figures published on Monday.\n"
                                "The health secretary called it a turning point.")
    assert first.meta["where"] == f"{path} entry 1"
    assert [(f.where, f.message) for f in failures] == [
        (f"{path} entry 3", "empty document: the entry has no content or summary (the feed carries titles only; fetch the linked pages instead)")
    ]
    for d in docs:
        assert_offsets_consistent(d)


def test_atom_entries_prefer_published_and_fall_back_to_updated():
    docs, failures = read_all(FIX / "feed-atom.xml")
    assert failures == []
    assert [(d.title, d.published, d.url) for d in docs] == [
        ("Cruise ships to pay new berth fee", "2024-07-02T01:45:00Z", "https://harbour-watch.example/berth-fee"),
        ("Dredging work delayed", "2024-06-30T11:00:00Z", "https://harbour-watch.example/dredging"),
    ]
    assert docs[0].text.endswith("The harbour board says the money will fund cleaner air projects.")
    assert docs[0].source == "Harbour Watch"


def test_feed_that_is_not_xml_is_refused_saying_so():
    path = FIX / "not-a-feed.xml"
    with pytest.raises(InputError) as e:
        read_documents(str(path))
    assert e.value.where == str(path)
    assert e.value.message.startswith("not an RSS or Atom feed: the file is not well-formed XML")


def test_xml_that_is_not_a_feed_is_refused_naming_the_root_element():
    with pytest.raises(InputError) as e:
        read_documents(str(FIX / "xml-not-feed.xml"))
    assert e.value.message == "this is XML but not an RSS or Atom feed (root element <catalogue>)"


def test_truncated_feed_keeps_the_entries_before_the_break(tmp_path):
    data = (FIX / "feed-rss.xml").read_bytes()
    cut = data.index(b"<item>", data.index(b"<item>") + 1) + 40
    p = tmp_path / "cut.rss"
    p.write_bytes(data[:cut])
    docs, failures = read_all(p)
    assert [d.title for d in docs] == ["Budget row deepens as minister walks out"]
    assert failures[-1].where.startswith(f"{p} entry ")
    assert "not well-formed XML" in failures[-1].message and "truncated" in failures[-1].message


def test_feed_without_entries_is_refused(tmp_path):
    p = tmp_path / "empty.rss"
    p.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Nothing</title></channel></rss>')
    with pytest.raises(InputError, match="the feed has no entries"):
        read_documents(str(p))


# -- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-05T14:30:00+02:00", "2024-03-05T12:30:00Z"),
        ("2024-03-05T14:30:00Z", "2024-03-05T14:30:00Z"),
        ("2024-03-05 14:30", "2024-03-05T14:30:00"),
        ("2024-03-05", "2024-03-05"),
        ("Tue, 05 Mar 2024 14:30:00 +0200", "2024-03-05T12:30:00Z"),
        ("Tue, 05 Mar 2024 14:30:00 GMT", "2024-03-05T14:30:00Z"),
        (1709649000, "2024-03-05T14:30:00Z"),
        (1709649000000, "2024-03-05T14:30:00Z"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_are_normalised_to_iso_utc(value, expected):
    assert normalise_date(value) == expected


def test_fixture_files_are_our_own_and_small():
    total = sum(os.path.getsize(p) for p in FIX.iterdir())
    assert total < 64 * 1024


def test_feed_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    p = tmp_path / "xxe.rss"
    p.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>T</title><item><title>Entry</title>'
        "<description>Visible text of the entry. &xxe;</description></item></channel></rss>"
    )
    docs, failures = read_all(p)
    assert all("TOP-SECRET" not in d.text for d in docs)
    assert docs and docs[0].text.startswith("Entry\n\nVisible text of the entry.")


def test_utf16_jsonl_and_csv_are_streamed_too(tmp_path):
    jl = tmp_path / "u16.jsonl"
    jl.write_bytes('{"text": "Größe eins."}\n{"text": "Zwei."}\n{bad\n'.encode("utf-16"))
    docs, failures = read_all(jl)
    assert [d.text for d in docs] == ["Größe eins.", "Zwei."]
    assert [f.where for f in failures] == [f"{jl}:3"]
    c = tmp_path / "u16.csv"
    c.write_bytes('id,text\n1,"Größe, zwei."\n'.encode("utf-16"))
    assert [d.text for d in read_documents(str(c))] == ["Größe, zwei."]


def test_an_unexpected_reader_crash_becomes_a_failure_for_that_source(tmp_path, monkeypatch):
    import narrascope.readers.txt as txt_reader

    def boom(path, options):
        raise RuntimeError("simulated bug")
        yield  # pragma: no cover

    monkeypatch.setattr(txt_reader, "read", boom)
    docs, failures = read_all(FIX / "plain.txt", FIX / "articles.json")
    assert [d.id for d in docs] == ["j1", "j2"]
    assert [(f.where, f.message) for f in failures] == [
        (str(FIX / "plain.txt"), "could not be read (RuntimeError: simulated bug)")
    ]
    with pytest.raises(RuntimeError):  # library mode does not hide bugs
        read_documents(str(FIX / "plain.txt"))


def test_files_without_extension_in_a_folder_are_sniffed(tmp_path):
    (tmp_path / "page").write_text(html_page("Sniffed page", ["A page saved without an extension, read as HTML."] * 2))
    (tmp_path / "records").write_text('{"text": "First record."}\n{"text": "Second record."}\n')
    docs, failures = read_all(tmp_path)
    assert failures == []
    assert [d.title or d.text for d in docs] == ["Sniffed page", "First record.", "Second record."]
