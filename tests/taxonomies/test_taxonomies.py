"""Taxonomies are data: shipped files validate, user files load, bad files say what is wrong."""

from __future__ import annotations

import pytest

from narrascope.errors import TaxonomyError
from narrascope.taxonomies import load_taxonomy, parse_taxonomy, shipped_taxonomies


@pytest.mark.parametrize("tid", shipped_taxonomies() or ["<none shipped yet>"])
def test_every_shipped_taxonomy_validates(tid):
    if tid.startswith("<"):
        pytest.skip("no shipped taxonomy yet")
    t = load_taxonomy(tid)
    assert t.id == tid and len(t) > 0
    assert all(lab.definition for lab in t.labels)


def test_a_user_taxonomy_file_loads_with_its_hierarchy(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text(
        "id: energy\nversion: '1'\nkind: narratives\nlabels:\n"
        "  - id: 'EN: Energy blackmail'\n    definition: Gas supplies are used as a weapon.\n"
        "  - id: 'EN: Energy blackmail: Winter threat'\n    parent: 'EN: Energy blackmail'\n"
        "    definition: Europe will freeze without our gas.\n",
        encoding="utf-8",
    )
    t = load_taxonomy(p)
    assert t.ids == ["EN: Energy blackmail", "EN: Energy blackmail: Winter threat"]
    assert [c.id for c in t.children("EN: Energy blackmail")] == ["EN: Energy blackmail: Winter threat"]


@pytest.mark.parametrize(
    "raw, message",
    [
        ([], "expected a mapping"),
        ({"id": "x", "version": 1, "kind": "narratives"}, "missing required key 'labels'"),
        ({"id": "x", "version": 1, "kind": "cats", "labels": [{"id": "a", "definition": "d"}]}, "kind must be one of"),
        ({"id": "x", "version": 1, "kind": "frames", "labels": [{"id": "a"}]}, "has no definition"),
        (
            {"id": "x", "version": 1, "kind": "frames", "labels": [{"id": "a", "definition": "d"}] * 2},
            "duplicate label id 'a'",
        ),
        (
            {"id": "x", "version": 1, "kind": "frames", "labels": [{"id": "a", "definition": "d", "parent": "b"}]},
            "not defined before it",
        ),
    ],
)
def test_invalid_taxonomies_say_what_is_wrong(raw, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(raw, where="t.yaml")


def test_unknown_shipped_name_lists_the_choices():
    with pytest.raises(TaxonomyError, match="no shipped taxonomy named 'nope'"):
        load_taxonomy("nope")
