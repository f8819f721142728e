"""Every registered analyzer honours the contract in narrascope/analyzers/base.py."""

from __future__ import annotations

import json

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers import analyzer_names, create_analyzer, get_analyzer_class
from narrascope.document import Analysis
from narrascope.features import FEATURES, features_of

from tests.conftest import assert_spans_exact

SAMPLES = [
    "short.",
    "Peace talks\n\nThe Kyiv regime refuses peace, Peskov said on Monday. \"We want talks,\" he added.",
    "Заголовок\n\nКиевский режим отказывается от мира, заявил Песков в понедельник.",
    "Título\n\nO governo de Kiev recusa a paz, disse o porta-voz do Kremlin.",
]
KINDS = ("data", "labels", "spans", "features")


@pytest.fixture(scope="module")
def instances():
    """One instance per analyzer for the whole module (models load once)."""
    cache: dict = {}

    def pipeline_for(name: str) -> Pipeline:
        names = Pipeline.from_config({"analyzers": [name]}).names
        for n in names:
            cache.setdefault(n, create_analyzer(n))
        return Pipeline([cache[n] for n in names])

    return pipeline_for


@pytest.fixture(scope="module")
def documents(example_text):
    return [Document.create(t, title_in_text=True) for t in (example_text, *SAMPLES)]


def dumped(a: Analysis) -> str:
    return json.dumps(a.to_dict(), sort_keys=True)


class Recording(dict):
    """A dict that records which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.reads: set[str] = set()

    def __getitem__(self, k):
        self.reads.add(k)
        return super().__getitem__(k)

    def get(self, k, default=None):
        self.reads.add(k)
        return super().get(k, default)

    def __contains__(self, k):
        self.reads.add(k)
        return super().__contains__(k)


def run_watched(pipe: Pipeline, doc: Document) -> tuple[Analysis, dict[str, dict[str, set[str]]]]:
    """Run ``pipe`` analyzer by analyzer, recording what each one read and wrote."""
    a = Analysis(document=doc)
    seen: dict[str, dict[str, set[str]]] = {}
    shared = features_of(a)
    for an in pipe.analyzers:
        before = {"data": set(a.data), "labels": set(a.labels), "spans": len(a.spans),
                  "features": {k for k in shared._cache}, "stats": {k: v[0] + v[1] for k, v in shared.stats.items()}}
        a.data, a.labels = Recording(a.data), Recording(a.labels)
        an.pipe([a])
        reads = {"data": set(a.data.reads), "labels": set(a.labels.reads)}
        a.data, a.labels = dict(a.data), dict(a.labels)
        reads["features"] = {k for k, v in shared.stats.items() if v[0] + v[1] > before["stats"].get(k, 0)}
        writes = {
            "data": set(a.data) - before["data"],
            "labels": set(a.labels) - before["labels"],
            "spans": {s.analyzer for s in a.spans[before["spans"]:]},
            "features": {name for (name, _key) in shared._cache if (name, _key) not in before["features"]
                         and FEATURES.get(name) is not None and FEATURES[name].compute is None},
        }
        a.versions[an.name] = an.version
        seen[an.name] = {"reads": reads, "writes": writes}
    return a, seen


@pytest.mark.parametrize("name", analyzer_names())
def test_analyzer_follows_the_contract(name, instances, documents):
    cls = get_analyzer_class(name)
    assert cls.name == name
    assert cls.version and cls.description
    assert all(k.split(".", 1)[0] in KINDS for k in cls.assigns), cls.assigns
    assert all("." not in k or k.split(".", 1)[0] in KINDS for k in cls.requires), cls.requires
    assert set(cls.label_tasks) <= set(cls.produces)
    pipe = instances(name)
    assert pipe.names[-1] == name
    for doc in documents:
        a1 = pipe.analyze(doc)
        a2 = pipe.analyze(doc)
        assert a1.versions.get(name) == cls.version
        own = [s for s in a1.spans if s.analyzer not in pipe.names[:-1]]
        assert all(s.analyzer == name for s in own)
        assert_spans_exact(a1)
        assert dumped(a1) == dumped(a2), "output is not deterministic"


@pytest.mark.parametrize("name", analyzer_names())
def test_pipe_over_a_batch_equals_analyze_one_by_one(name, instances, documents):
    pipe = instances(name)
    batched = [dumped(a) for a in pipe.pipe(documents, batch_size=len(documents))]
    single = [dumped(pipe.analyze(d)) for d in documents]
    assert batched == single


@pytest.mark.parametrize("name", analyzer_names())
def test_analyzer_writes_only_what_it_assigns_and_reads_only_what_it_requires(name, instances, documents):
    pipe = instances(name)
    cls = get_analyzer_class(name)
    for doc in documents:
        a, seen = run_watched(pipe, doc)
        assert dumped(a) == dumped(pipe.analyze(doc))  # watching changed nothing
        mine = seen[name]
        for kind in ("data", "labels", "features"):
            assert mine["writes"][kind] <= set(cls.keys(kind)), f"{name} writes undeclared {kind}: {mine['writes'][kind]}"
        assert mine["writes"]["spans"] <= {name}
        if mine["writes"]["spans"]:
            assert name in cls.keys("spans"), f"{name} emits spans but does not assign spans.{name}"
        for kind in ("data", "labels", "features"):
            undeclared = mine["reads"][kind] - set(cls.keys(kind, "requires")) - set(cls.keys(kind))
            assert not undeclared, f"{name} reads {kind} {sorted(undeclared)} without declaring them in requires"


def test_an_analyzer_run_alone_gets_the_analyzers_it_reads_from():
    """`--analyzers claims` used to run claims alone: no entity links, no quote ids, same version."""
    assert Pipeline.from_config({"analyzers": ["claims"]}).names == ["language", "domain", "narratives", "entities", "quotes", "claims"]
    assert Pipeline.from_config({"analyzers": ["genre"]}).names == ["language", "subjectivity", "domain", "genre"]
