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


# -- the declared graph: requires / assigns ---------------------------------------------------------
class ReadsEntities(Analyzer):
    name = "reads-entities"
    requires = ("data.entities",)
    assigns = ("data.reads-entities",)
    version = "1"
    description = "reads the entities"

    def analyze(self, doc, analysis):
        analysis.data[self.name] = len(analysis.data["entities"])


class AlsoLanguage(Analyzer):
    name = "also-language"
    assigns = ("data.language",)
    version = "1"
    description = "writes what the language analyzer writes"

    def analyze(self, doc, analysis):
        analysis.data["language"] = {"language": "xx"}


def test_a_requirement_no_earlier_analyzer_assigns_is_refused_by_name():
    with pytest.raises(ConfigError, match="'reads-entities' reads 'data.entities', which no analyzer before it assigns"):
        Pipeline([create_analyzer("language"), ReadsEntities()])


def test_two_analyzers_assigning_the_same_key_are_refused():
    with pytest.raises(ConfigError, match="'language' and 'also-language' both assign 'data.language'"):
        Pipeline([create_analyzer("language"), AlsoLanguage()])


def test_the_pipeline_stamps_versions_not_the_analyzer():
    class Silent(Analyzer):
        name = "silent"
        assigns = ("data.silent",)
        version = "7"
        description = "does not stamp"

        def analyze(self, doc, analysis):
            analysis.data["silent"] = 1

    docs = [Document.create("one doc"), Document.create("two docs")]
    p = Pipeline([Silent()])
    assert p.analyze(docs[0]).versions == {"silent": "7"}
    assert [a.versions for a in p.pipe(docs)] == [{"silent": "7"}] * 2


def test_registered_graph_has_no_problems_and_names_who_reads_what():
    from narrascope.pipeline import describe_graph

    graph = describe_graph()
    assert graph["problems"] == []
    reads = {n["name"]: {r["key"]: r["from"] for r in n["reads"]} for n in graph["analyzers"]}
    assert reads["claims"]["data.quotes"] == "quotes" and reads["quotes"]["data.entities"] == "entities"
    assert reads["genre"]["features.sentence_p_subj"] == "subjectivity"
    assert reads["frames"]["features.hashed_ngrams"] == "(shared feature)"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"frames": {"max_evidense": 2}}, "analyzer 'frames' has no option 'max_evidense'.*its options: model_dir, max_evidence"),
        ({"frames": {"max_evidence": "3"}}, "option 'max_evidence' of analyzer 'frames' must be int, got '3'"),
        ({"frames": {"max_evidence": 0}}, "max_evidence must be an integer >= 1, got 0"),
        ({"techniques": {"narrow": "yes"}}, "option 'narrow' of analyzer 'techniques' must be bool"),
        ({"language": {"x": 1}}, "analyzer 'language' has no option 'x'.*its options: none"),
        ({"genre": {"max_evidence": 2}}, "options given for \\['genre'\\], which is not in the pipeline"),
    ],
)
def test_options_are_checked_for_every_analyzer_before_any_is_built(options, message):
    names = [n for n in options if n != "genre"] or ["language"]
    with pytest.raises(ConfigError, match=message):
        Pipeline.from_config({"analyzers": names, "options": options})


def test_shared_features_are_computed_once_per_document_for_all_their_readers():
    from narrascope.features import features_of

    pipe = Pipeline.from_config({"analyzers": ["subjectivity", "genre", "frames", "techniques"]})
    text = "Peace talks\n\nThe talks resumed on Monday. Officials said little. \"We want peace,\" one said."
    shared = []
    real = Pipeline._run

    def spy(a, analyses):
        real(a, analyses)
        shared.append(features_of(analyses[0]))

    Pipeline._run = staticmethod(spy)
    try:
        pipe.analyze(Document.create(text, title_in_text=True))
    finally:
        Pipeline._run = staticmethod(real)
    stats = shared[-1].stats
    # sentences hashed once (read by subjectivity, genre, frames, techniques), the document once
    # (genre, frames), paragraphs once (techniques): 3 computations, the rest cache hits
    assert stats["hashed_ngrams"][0] == 3 and stats["hashed_ngrams"][1] >= 3


def test_analyzers_command_prints_who_reads_what_and_the_problems():
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "narrascope", "analyzers"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    claims = r.stdout.split("\nclaims", 1)[1].split("\nsubjectivity", 1)[0]
    assert "data.entities <- entities" in claims and "data.quotes <- quotes" in claims
    assert "assigns: data.claims, spans.claims" in claims
    assert r.stdout.rstrip().endswith("problems: none")
    r = subprocess.run([sys.executable, "-m", "narrascope", "analyzers", "--json"], capture_output=True, text=True, timeout=120)
    graph = json.loads(r.stdout)
    assert [n["name"] for n in graph["analyzers"]][:4] == ["language", "domain", "narratives", "entities"] and graph["problems"] == []
