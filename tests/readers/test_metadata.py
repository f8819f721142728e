"""Metadata for inputs that lack it: --source/--published, a manifest, sidecars, datelines."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from narrascope.errors import InputError
from narrascope.readers import ReadOptions, read_documents
from narrascope.readers.metadata import Metadata, apply_metadata, dateline_date, load_manifest
from narrascope.store import open_store


@pytest.mark.parametrize("text, expected", [
    ("KYIV, March 3, 2024 (Reuters) - The bridge reopened.", "2024-03-03"),
    ("LONDON, 14 March 2024 - Ministers met.", "2024-03-14"),
    ("Sept. 5, 2023 - A storm.", "2023-09-05"),
    ("2024-03-14 - Markets fell.", "2024-03-14"),
    ("MOSCOW, March 14 (wire) - no year, no date.", None),
    ("Nothing here. " * 30 + "March 3, 2024", None),  # past the dateline
    ("PARIS, February 30, 2024 - impossible.", None),
])
def test_dateline_dates_need_a_year_and_a_real_day(text, expected):
    assert dateline_date(text) == expected


def write_corpus(tmp_path):
    d = tmp_path / "articles"
    d.mkdir()
    (d / "a.txt").write_text("Alpha title\n\nThe council met on Tuesday about the ferry.", encoding="utf-8")
    (d / "b.txt").write_text("Beta title\n\nKYIV, March 3, 2024 - The bridge reopened.", encoding="utf-8")
    (d / "c.txt").write_text("Gamma title\n\nThe orchard harvest was late.", encoding="utf-8")
    (d / "c.txt.meta.json").write_text(json.dumps({"source": "Sidecar Times", "published": "2024-05-01"}), encoding="utf-8")
    with open(tmp_path / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "source", "published"])
        w.writerow(["articles/a.txt", "Manifest Daily", "2024-01-02"])
    return d


def by_title(docs):
    return {d.title: d for d in docs}


def test_manifest_sidecar_dateline_and_defaults_fill_only_what_is_missing(tmp_path):
    d = write_corpus(tmp_path)
    meta = Metadata.build(source="Default Wire", manifest=tmp_path / "manifest.csv")
    docs = by_title(read_documents([str(d)], ReadOptions(metadata=meta)))
    assert (docs["Alpha title"].source, docs["Alpha title"].published) == ("Manifest Daily", "2024-01-02")
    assert (docs["Beta title"].source, docs["Beta title"].published) == ("Default Wire", "2024-03-03")  # dateline
    assert (docs["Gamma title"].source, docs["Gamma title"].published) == ("Sidecar Times", "2024-05-01")
    plain = by_title(read_documents([str(d)]))
    assert plain["Alpha title"].source is None and plain["Beta title"].published is None  # only when asked
    assert docs["Alpha title"].id == plain["Alpha title"].id  # same text, same id


def test_a_reader_value_wins_over_the_defaults(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps({"text": "Some text here.", "source": "Own", "published": "2023-01-01"}) + "\n", encoding="utf-8")
    (doc,) = read_documents([str(p)], ReadOptions(metadata=Metadata.build(source="Default", published="2024-01-01")))
    assert (doc.source, doc.published) == ("Own", "2023-01-01")
    assert apply_metadata(doc, None) is doc


def test_bad_manifests_and_dates_are_user_errors(tmp_path):
    with pytest.raises(InputError, match="manifest not found"):
        load_manifest(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,source\nx.txt,S\n", encoding="utf-8")
    with pytest.raises(InputError, match="'file' column"):
        load_manifest(bad)
    bad.write_text("file,published\nx.txt,2024-13-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        load_manifest(bad)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        Metadata.build(published="yesterday")
    jl = tmp_path / "m.jsonl"
    jl.write_text(json.dumps({"file": "x.txt", "source": "J"}) + "\n", encoding="utf-8")
    assert load_manifest(jl)["x.txt"] == {"source": "J"}


def test_ingest_with_a_manifest_gives_the_charts_their_sources_and_dates(tmp_path):
    d = write_corpus(tmp_path)
    db = tmp_path / "c.db"
    r = subprocess.run([sys.executable, "-m", "narrascope", "ingest", str(d), "--db", str(db), "-a", "language",
                        "--manifest", str(tmp_path / "manifest.csv"), "--source", "Default Wire"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with open_store(str(db)) as store:
        got = {s["source"]: s["documents"] for s in store.sources()}
    assert got == {"Manifest Daily": 1, "Default Wire": 1, "Sidecar Times": 1}
    r = subprocess.run([sys.executable, "-m", "narrascope", "analyze", str(d), "-a", "language", "--published", "2024-02-30"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr
