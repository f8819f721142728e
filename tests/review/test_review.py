"""Review corrections: the store table (SQLite and PostgreSQL), the reviewed view, the queue and
progress, Label Studio round trips, shared-task TSVs scored with `evaluate`, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from narrascope.errors import InputError, NotFoundError
from narrascope.review import add_corrections, document_review, review_progress, review_queue
from narrascope.review.labelstudio import export_tasks, import_label_studio, write_tasks
from narrascope.store import open_store

from tests._web_corpus import build_corpus, language_pipeline, peace_analysis

_db_counter = iter(range(1, 1_000_000))
NARR = "URW: Blaming the war on others"
FUTILE = "URW: Talks are futile"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "corpus.db")
    server = request.getfixturevalue("pg_server")
    return server.create_schema(f"r{next(_db_counter)}")


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(language_pipeline())


@pytest.fixture
def store(store_url, corpus):
    s = open_store(store_url)
    s.add_analyses(corpus)
    yield s
    s.close()


def peace_id(store) -> str:
    return store.get(peace_analysis(language_pipeline()).document.id)["id"]


def test_the_review_migration_is_recorded(store):
    assert "0010_review" in [m["name"] for m in store.migrations()]


def test_corrections_are_kept_beside_the_model_output_and_the_view_shows_the_reviewed_value(store):
    doc = peace_id(store)
    before = store.get(doc)
    out = add_corrections(store, doc, [
        {"kind": "label", "task": "narratives", "label": FUTILE, "action": "reject"},
        {"kind": "label", "task": "narratives", "label": NARR, "action": "accept"},
        {"kind": "label", "task": "narratives", "label": "CC: Green policies cost jobs", "action": "add"},
        {"kind": "role", "entity": "the rebels", "action": "set", "label": "Innocent", "fine_roles": ["Victim"]},
        {"kind": "span", "task": "techniques", "label": "Doubt", "start": 0, "end": 7, "action": "add"},
    ], reviewer="ana")
    after = store.get(doc)
    assert after["labels"] == before["labels"] and after["data"] == before["data"]  # never overwritten
    state = out["state"]
    statuses = {i["label"]: i["status"] for i in state["labels"]["narratives"]}
    assert statuses == {NARR: "accepted", FUTILE: "rejected", "CC: Green policies cost jobs": "added"}
    rebels = next(r for r in state["roles"] if r["entity"] == "the rebels")
    assert (rebels["model_main_role"], rebels["main_role"], rebels["fine_roles"], rebels["status"]) == \
        ("Antagonist", "Innocent", ["Victim"], "changed")
    assert state["spans"] == [{"start": 0, "end": 7, "label": "Doubt", "analyzer": "techniques", "text": "Harbour",
                               "score": None, "status": "added", "reviewer": "ana",
                               "reviewed_at": state["spans"][0]["reviewed_at"], "correction": state["spans"][0]["correction"]}]
    rows = {r["label"] or r["entity"]: r for r in out["corrections"]}
    assert rows[FUTILE]["reviewer"] == "ana" and rows[FUTILE]["model_version"] == "narratives vn1"
    assert rows[FUTILE]["model_score"] == pytest.approx(0.41) and rows[FUTILE]["created_at"].endswith("Z")
    assert rows["CC: Green policies cost jobs"]["model_score"] is None
    assert rows["Innocent"]["entity"] == "the rebels" and rows["Innocent"]["value"] == "Victim"


def test_the_latest_correction_wins_and_every_correction_is_kept(store):
    doc = peace_id(store)
    add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": FUTILE, "action": "reject"}], reviewer="ana")
    out = add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": FUTILE, "action": "accept"}], reviewer="bo")
    assert [r["action"] for r in out["corrections"]] == ["reject", "accept"]
    item = next(i for i in out["state"]["labels"]["narratives"] if i["label"] == FUTILE)
    assert (item["status"], item["reviewer"]) == ("accepted", "bo")


def test_an_added_label_can_be_taken_back(store):
    doc = peace_id(store)
    add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": "X: new", "action": "add"}], reviewer="ana")
    out = add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": "X: new", "action": "reject"}], reviewer="ana")
    assert {i["label"]: i["status"] for i in out["state"]["labels"]["narratives"]}["X: new"] == "rejected"


@pytest.mark.parametrize("item, where", [
    ({"kind": "label", "task": "narratives", "label": "never emitted", "action": "reject"}, "target"),
    ({"kind": "span", "task": "techniques", "label": "Doubt", "start": 5, "end": 99999, "action": "add"}, "start/end"),
    ({"kind": "span", "task": "techniques", "label": "Doubt", "start": "a", "end": 3, "action": "add"}, "start/end"),
    ({"kind": "label", "task": "narratives", "label": NARR, "action": "set"}, "action"),
    ({"kind": "frame", "task": "x", "label": "y", "action": "add"}, "kind"),
    ({"kind": "role", "entity": "nobody here", "action": "set", "label": "Innocent"}, "target"),
])
def test_a_correction_that_makes_no_sense_is_refused_and_nothing_is_stored(store, item, where):
    doc = peace_id(store)
    good = {"kind": "label", "task": "narratives", "label": NARR, "action": "accept"}
    with pytest.raises(InputError) as e:
        add_corrections(store, doc, [good, item], reviewer="ana")
    assert e.value.where == f"corrections[1].{where}"
    assert document_review(store, doc)["corrections"] == []


def test_corrections_of_an_unknown_document_or_without_a_reviewer_are_refused(store):
    with pytest.raises(NotFoundError):
        add_corrections(store, "nope", [{"kind": "label", "task": "t", "label": "l", "action": "add"}], reviewer="ana")
    with pytest.raises(InputError):
        add_corrections(store, peace_id(store), [{"kind": "label", "task": "t", "label": "l", "action": "add"}], reviewer=" ")


def test_the_queue_puts_scores_nearest_the_threshold_first_and_leaves_reviewed_documents_out(store):
    rows = review_queue(store, limit=100)
    margins = [r["margin"] for r in rows]
    assert margins == sorted(margins) and len(rows) == len({r["id"] for r in rows})
    doc = peace_id(store)  # labels 0.82 and 0.41: margin 0.09
    assert next(r for r in rows if r["id"] == doc)["margin"] == pytest.approx(0.09)
    add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": NARR, "action": "accept"}], reviewer="ana")
    assert doc not in [r["id"] for r in review_queue(store, limit=100)]
    assert doc in [r["id"] for r in review_queue(store, limit=100, include_reviewed=True)]
    # a per-task threshold changes the order: at 0.82 the peace article is certain of nothing less
    th = review_queue(store, limit=100, thresholds={"narratives": 0.82}, include_reviewed=True)
    assert th[0]["id"] == doc and th[0]["margin"] == 0.0


def test_progress_counts_reviewed_documents_per_source(store):
    doc = peace_id(store)
    add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": NARR, "action": "accept"},
                                 {"kind": "label", "task": "narratives", "label": FUTILE, "action": "reject"}], reviewer="ana")
    p = review_progress(store)
    herald = next(r for r in p["sources"] if r["source"] == "Harbour Herald")
    assert (herald["reviewed"], herald["corrections"], herald["reviewers"]) == (1, 2, 1)
    assert herald["share"] == round(1 / herald["documents"], 4)
    assert p["total"]["documents"] == store.count_documents() and p["total"]["reviewed"] == 1


def _review_some(store) -> str:
    doc = peace_id(store)
    add_corrections(store, doc, [
        {"kind": "label", "task": "narratives", "label": FUTILE, "action": "reject"},
        {"kind": "label", "task": "narratives", "label": "CC: Green policies cost jobs", "action": "add"},
        {"kind": "role", "entity": "the rebels", "action": "set", "label": "Innocent", "fine_roles": ["Victim"]},
        {"kind": "span", "task": "techniques", "label": "Doubt", "start": 0, "end": 7, "action": "add"},
        {"kind": "span", "task": "techniques", "label": "Name_Calling", "start": 83, "end": 98, "action": "reject"},
    ], reviewer="ana")
    add_corrections(store, doc, [{"kind": "label", "task": "narratives", "label": NARR, "action": "accept", "note": "clear"}],
                    reviewer="bo")
    return doc


def test_label_studio_round_trip_is_lossless(store, tmp_path):
    doc = _review_some(store)
    first = tmp_path / "ls.json"
    with open(first, "w", encoding="utf-8") as fh:
        write_tasks(export_tasks(store), fh)
    tasks = json.loads(first.read_text())
    assert len(tasks) == 1 and [a["created_username"] for a in tasks[0]["annotations"]] == ["ana", "bo"]
    with open_store(str(tmp_path / "elsewhere.db")) as other:  # a store that has never seen the article
        stats = import_label_studio(other, first)
        assert stats["documents_added"] == 1 and stats["corrections_added"] == 6 and stats["derived_annotations"] == 0
        assert other.get(doc)["labels"] == store.get(doc)["labels"]
        assert document_review(other, doc)["corrections"] == document_review(store, doc)["corrections"]
        second = tmp_path / "ls2.json"
        with open(second, "w", encoding="utf-8") as fh:
            write_tasks(export_tasks(other), fh)
        assert second.read_bytes() == first.read_bytes()
        again = import_label_studio(other, second)  # idempotent
        assert again["corrections_added"] == 0 and again["documents_added"] == 0


def test_an_annotation_edited_in_label_studio_becomes_corrections_from_its_result(store, tmp_path):
    doc = _review_some(store)
    tasks = export_tasks(store)
    ann = tasks[0]["annotations"][0]
    # in Label Studio the reviewer keeps only "Talks are futile" and drops every other narrative
    for item in ann["result"]:
        if item["from_name"] == "narratives":
            item["value"]["choices"] = [FUTILE]
    del ann["narrascope"]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with open_store(str(tmp_path / "b.db")) as other:
        stats = import_label_studio(other, path)
        assert stats["derived_annotations"] == 1
        state = document_review(other, doc)["state"]
        by = {i["label"]: (i["status"], i.get("reviewer")) for i in state["labels"]["narratives"]}
        assert by[FUTILE][0] == "accepted" and by[NARR][0] == "accepted"  # bo's carried log still accepts NARR
        rows = [r for r in document_review(other, doc)["corrections"] if r["reviewer"] == "ana" and r["task"] == "narratives"]
        assert {(r["label"], r["action"]) for r in rows} == {(FUTILE, "accept"), (NARR, "reject")}
        assert import_label_studio(other, path)["corrections_added"] == 0  # derived ids are stable


def test_a_carried_correction_that_does_not_fit_the_document_is_refused(store, tmp_path):
    _review_some(store)
    tasks = export_tasks(store)
    for c in tasks[0]["annotations"][0]["narrascope"]["corrections"]:
        if c["kind"] == "span":
            c["span_end"] = 10 ** 6
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with open_store(str(tmp_path / "c.db")) as other:
        with pytest.raises(InputError, match="inside the text"):
            import_label_studio(other, path)


def test_a_label_studio_file_that_is_not_tasks_is_refused(tmp_path, store):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    with pytest.raises(InputError):
        import_label_studio(store, bad)
    bad.write_text(json.dumps([{"data": {}}]), encoding="utf-8")
    with pytest.raises(InputError, match="data.text"):
        import_label_studio(store, bad)


# -- the CLI -----------------------------------------------------------------------------------
def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "narrascope", *args], capture_output=True, text=True, timeout=120)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture
def db(tmp_path, corpus) -> str:
    path = str(tmp_path / "cli.db")
    with open_store(path) as s:
        s.add_analyses(corpus)
    return path


def test_cli_review_add_show_queue_progress(db):
    doc = peace_analysis(language_pipeline()).document.id
    r = cli("review", "add", "--db", db, "--doc", doc, "--kind", "label", "--task", "narratives", "--label", FUTILE,
            "--action", "reject", "--reviewer", "ana")
    assert json.loads(r.stdout)["action"] == "reject"
    shown = json.loads(cli("review", "show", "--db", db, "--doc", doc).stdout)
    assert {i["label"]: i["status"] for i in shown["state"]["labels"]["narratives"]}[FUTILE] == "rejected"
    assert doc not in cli("review", "queue", "--db", db).stdout
    progress = json.loads(cli("review", "progress", "--db", db, "--json").stdout)
    assert progress["total"]["reviewed"] == 1
    bad = cli("review", "add", "--db", db, "--doc", doc, "--kind", "label", "--task", "narratives", "--label", "zzz",
              "--action", "reject", ok=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "use action 'add'" in bad.stderr


def test_cli_export_label_studio_then_import_review_elsewhere(db, tmp_path):
    with open_store(db) as s:
        doc = _review_some(s)
    out = tmp_path / "review.json"
    cli("export", "--db", db, "--what", "review", "--format", "label-studio", "-o", str(out))
    other = str(tmp_path / "other.db")
    r = cli("import-review", str(out), "--db", other)
    assert "6 new correction(s) of 6" in r.stderr
    again = tmp_path / "again.json"
    cli("export", "--db", other, "--what", "review", "--format", "label-studio", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()
    rows = cli("export", "--db", other, "--what", "review", "--format", "jsonl").stdout.splitlines()
    assert len(rows) == 6 and all(json.loads(x)["doc_id"] == doc for x in rows)
    bad = cli("export", "--db", db, "--what", "documents", "--format", "label-studio", ok=False)
    assert bad.returncode == 1 and "--what review" in bad.stderr


def test_reviewed_data_in_the_shared_task_formats_is_scored_by_evaluate(db, tmp_path):
    with open_store(db) as s:
        doc = _review_some(s)
        add_corrections(s, doc, [{"kind": "label", "task": "narratives", "label": "CC: Amplifying Climate Fears", "action": "add"}],
                        reviewer="ana")
    gold, pred = tmp_path / "gold.tsv", tmp_path / "pred.tsv"
    cli("export", "--db", db, "--what", "review", "--format", "semeval2025-narratives", "-o", str(gold))
    cli("export", "--db", db, "--what", "review", "--format", "semeval2025-narratives", "--model-output", "-o", str(pred))
    line = gold.read_text().strip().split("\t")
    assert line[1].split(";") == [NARR, "CC: Green policies cost jobs", "CC: Amplifying Climate Fears"]
    assert pred.read_text().strip().split("\t")[1].split(";") == [NARR, FUTILE]
    same = json.loads(cli("evaluate", "semeval2025-narratives", "--gold", str(gold), "--pred", str(gold), "--json").stdout)
    model = json.loads(cli("evaluate", "semeval2025-narratives", "--gold", str(gold), "--pred", str(pred), "--json").stdout)
    assert same["f1_coarse"] == 1.0 and model["f1_coarse"] < 1.0
    rgold, rpred = tmp_path / "roles-gold.tsv", tmp_path / "roles-pred.tsv"
    cli("export", "--db", db, "--what", "review", "--format", "semeval2025-roles", "-o", str(rgold))
    cli("export", "--db", db, "--what", "review", "--format", "semeval2025-roles", "--model-output", "-o", str(rpred))
    cols = rgold.read_text().strip().split("\t")
    assert cols[1:] == ["the rebels", cols[2], cols[3], "Innocent", "Victim"]
    text = peace_analysis(language_pipeline()).document.text
    assert text[int(cols[2]) : int(cols[3]) + 1] == "the rebels"  # end inclusive, as in the task files
    scored = json.loads(cli("evaluate", "semeval2025-roles", "--gold", str(rgold), "--pred", str(rpred), "--json").stdout)
    assert scored["n"] == 1 and scored["main_role_accuracy"] == 0.0
