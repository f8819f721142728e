"""Prediction files are written atomically: a failed or interrupted run leaves no partial file."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.formats import atomic_output

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_output_keeps_the_old_file_and_removes_the_partial_one_on_error(tmp_path):
    out = tmp_path / "pred.txt"
    out.write_text("previous run\n", encoding="utf-8")
    for exc in (OSError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with atomic_output(out) as fh:
                fh.write("half a line")
                fh.flush()
                raise exc
        assert out.read_text(encoding="utf-8") == "previous run\n"
        assert _leftovers(tmp_path) == ["pred.txt"]
    with atomic_output(out) as fh:
        fh.write("new\n")
    assert out.read_text(encoding="utf-8") == "new\n" and _leftovers(tmp_path) == ["pred.txt"]


@pytest.mark.parametrize("exc", [RuntimeError("model crashed"), KeyboardInterrupt()])
def test_predict_semeval2023_failing_after_the_first_batch_leaves_no_partial_file(tmp_path, monkeypatch, exc):
    from narrascope.analyzers.genre import GenreAnalyzer
    from narrascope.commands.techniques import predict_task

    real_pipe = GenreAnalyzer.pipe
    calls = []

    def pipe(self, analyses):
        calls.append(len(analyses))
        if len(calls) == 2:  # the first batch's rows are already written by now
            raise exc
        return real_pipe(self, analyses)

    monkeypatch.setattr(GenreAnalyzer, "pipe", pipe)
    out = tmp_path / "out" / "genre.txt"
    with pytest.raises(type(exc)):
        predict_task("semeval2023-genre", FIX / "semeval2023" / "articles", out, batch_size=1)
    assert len(calls) == 2
    assert _leftovers(out.parent) == []
    monkeypatch.setattr(GenreAnalyzer, "pipe", real_pipe)
    res = predict_task("semeval2023-genre", FIX / "semeval2023" / "articles", out, batch_size=1)
    assert res["rows"] == 3 and len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert _leftovers(out.parent) == ["genre.txt"]


def test_predict_roles_failing_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    from narrascope.formats import semeval2025_roles

    real_write = semeval2025_roles.write_predictions

    def write_some_then_fail(fh, rows):
        real_write(fh, list(rows)[:1])
        fh.flush()
        raise OSError("No space left on device")

    monkeypatch.setattr(semeval2025_roles, "write_predictions", write_some_then_fail)
    out = tmp_path / "roles.txt"
    out.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        semeval2025_roles.predict_mention_file(FIX / "entities" / "docs", FIX / "entities" / "mentions.txt", out,
                                               use_spacy=False)
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert _leftovers(tmp_path) == ["roles.txt"]
