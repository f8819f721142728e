"""Start-up: importing narrascope and loading the pipeline import no heavy framework.

spaCy's thinc imports torch whenever it can find it (seconds and hundreds of MB). The test puts
a stand-in ``torch`` package on the path that any import would register, so the check can fail
here even though torch is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def run_python(code: str, tmp_path: Path, cwd: Path | None = None) -> str:
    fake = tmp_path / "fake"
    for name in ("torch", "tensorflow", "cupy"):
        (fake / name).mkdir(parents=True, exist_ok=True)
        (fake / name / "__init__.py").write_text("__version__ = '0.0'\nIMPORTED = True\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(fake)]))
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=300,
                       cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_import_and_pipeline_load_leave_torch_unimported_even_when_installed(tmp_path):
    out = run_python("""
        import sys
        import narrascope
        from narrascope import Pipeline
        assert "torch" not in sys.modules
        pipe = Pipeline.from_config().load()
        entities = next(a for a in pipe.analyzers if a.name == "entities")
        print("spacy", entities.nlp_ is not None)
        print("heavy", sorted(m for m in ("torch", "tensorflow", "cupy") if m in sys.modules))
        import torch  # the program's own import still works afterwards
        print("later", torch.IMPORTED)
    """, tmp_path)
    assert "heavy []" in out
    assert "later True" in out


def test_a_program_that_imported_torch_itself_keeps_it(tmp_path):
    out = run_python("""
        import sys
        import torch
        from narrascope.models.nlp import without_modules
        with without_modules():
            import torch as again
        print("same", again is torch)
        try:
            with without_modules():
                import tensorflow
            print("imported")
        except ImportError:
            print("refused")
        import tensorflow
        print("after", tensorflow.IMPORTED)
    """, tmp_path)
    assert out.split() == ["same", "True", "refused", "after", "True"]


def test_analysing_an_article_with_the_default_pipeline_imports_neither_sklearn_nor_scipy_stats(tmp_path):
    # scikit-learn (which imports scipy.stats) costs over a second of start-up: inference hashes
    # with models/hashing.py; scikit-learn is for training and for the tests' reference matrices
    out = run_python("""
        import sys
        from pathlib import Path
        from narrascope import Pipeline
        from narrascope.document import Document
        title, _, body = Path("examples/peace-talks.txt").read_text(encoding="utf-8").partition("\\n\\n")
        a = Pipeline.from_config(None).analyze(Document.create(body, title=title))
        print("ran", " ".join(sorted(a.versions)))
        print("loaded", sorted(m for m in sys.modules if m.split(".")[0] == "sklearn" or m.startswith("scipy.stats")))
    """, tmp_path, cwd=SRC.parent)
    assert "loaded []" in out
    ran = next(line for line in out.splitlines() if line.startswith("ran ")).split()[1:]
    # the analyzers that hash text (claims, narratives and the hashed-linear models) did run
    assert {"claims", "narratives", "techniques", "frames", "genre", "subjectivity", "entities"} <= set(ran)
