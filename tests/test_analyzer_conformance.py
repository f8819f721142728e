"""Every registered analyzer honours the contract in narrascope/analyzers/base.py."""

from __future__ import annotations

import json

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers import analyzer_names, get_analyzer_class

from .conftest import assert_spans_exact

SAMPLES = [
    "short.",
    "Peace talks\n\nThe Kyiv regime refuses peace, Peskov said on Monday. \"We want talks,\" he added.",
    "Заголовок\n\nКиевский режим отказывается от мира, заявил Песков в понедельник.",
    "Título\n\nO governo de Kiev recusa a paz, disse o porta-voz do Kremlin.",
]


@pytest.mark.parametrize("name", analyzer_names())
def test_analyzer_follows_the_contract(name, example_text):
    cls = get_analyzer_class(name)
    assert cls.name == name
    assert cls.version and cls.description
    assert set(cls.label_tasks) <= set(cls.produces)
    pipe = Pipeline.from_config({"analyzers": [name]})
    assert pipe.names[-1] == name
    for text in [example_text, *SAMPLES]:
        doc = Document.create(text, title_in_text=True)
        a1 = pipe.analyze(doc)
        a2 = pipe.analyze(doc)
        assert a1.versions.get(name) == cls.version
        own = [s for s in a1.spans if s.analyzer not in pipe.names[:-1]]
        assert all(s.analyzer == name for s in own)
        assert_spans_exact(a1)
        dumped = json.dumps(a1.to_dict(), sort_keys=True)
        assert dumped == json.dumps(a2.to_dict(), sort_keys=True), "output is not deterministic"
