"""Pipeline construction, ordering by requirements, and failure isolation in batches."""

from __future__ import annotations

import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers import create_analyzer
from narrascope.analyzers.base import Analyzer
from narrascope.errors import ConfigError


class Exploding(Analyzer):
    name = "exploding"
    version = "1"
    description = "fails on documents containing BOOM"

    def analyze(self, doc, analysis):
        if "BOOM" in doc.text:
            raise RuntimeError("boom")
        analysis.data["exploding"] = "fine"
        self.stamp(analysis)


class NeedsLanguage(Analyzer):
    name = "needs-language"
    requires = ("language",)
    version = "1"
    description = "reads the language"

    def analyze(self, doc, analysis):
        analysis.data[self.name] = analysis.data["language"]["language"]
        self.stamp(analysis)


def test_default_pipeline_runs_every_registered_analyzer():
    from narrascope.analyzers import analyzer_names

    assert Pipeline.from_config().names == analyzer_names()


def test_requirements_are_added_before_the_analyzers_that_need_them():
    with pytest.raises(ConfigError, match="needs \\['language'\\]"):
        Pipeline([NeedsLanguage()])
    p = Pipeline([create_analyzer("language"), NeedsLanguage()])
    assert p.analyze(Document.create("The war and the peace of the people.")).data["needs-language"] == "en"


def test_unknown_analyzer_names_list_the_choices():
    with pytest.raises(ConfigError, match="unknown analyzer 'nope'.*language"):
        Pipeline.from_config({"analyzers": ["nope"]})


def test_unknown_config_keys_are_refused():
    with pytest.raises(ConfigError, match="unknown pipeline config keys"):
        Pipeline.from_config({"analysers": ["language"]})


def test_a_failing_document_is_reported_and_the_batch_goes_on():
    docs = [Document.create(t, id=f"d{i}") for i, t in enumerate(["fine one", "BOOM here", "fine two"])]
    failures = []
    out = list(Pipeline([Exploding()]).pipe(docs, batch_size=8, on_failure=failures.append))
    assert [a.document.id for a in out] == ["d0", "d2"]
    assert len(failures) == 1 and failures[0].where == "d1" and "boom" in failures[0].message


def test_pipe_reports_progress_per_batch():
    class Bar:
        n = 0

        def update(self, k):
            self.n += k

    bar = Bar()
    docs = [Document.create(f"doc {i}") for i in range(5)]
    assert len(list(Pipeline.from_config({"analyzers": ["language"]}).pipe(docs, batch_size=2, progress=bar))) == 5
    assert bar.n == 5


def test_pipeline_config_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "pipe.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="pipe.json.*not valid JSON"):
        Pipeline.from_file(bad)
