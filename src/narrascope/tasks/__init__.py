"""The shared tasks Narrascope is measured on, one home each: the task's file formats (readers and
writers), its official metric (re-implemented, tested on hand-computed cases), the loaders of its
training data and its predict entry points.

- :mod:`.semeval2025` -- SemEval-2025 Task 10: narratives (subtask 2: ``narratives_metric``, ``data``)
  and entity framing (subtask 1: ``roles_files`` -- files and ``predict_mention_file``, ``roles_metric``);
- :mod:`.semeval2023` -- SemEval-2023 Task 3: genre, frames, persuasion techniques (``metric``;
  ``data``, which also reads the CheckThat! subjectivity data the same trainer uses);
- :mod:`.checkthat2024` -- CheckThat! 2024 Task 3, persuasion techniques as spans (``files``,
  ``spans_metric``);
- :mod:`.checkthat2025` -- CheckThat! 2025 Task 1, subjectivity (``subjectivity``: format and metric);
- :mod:`.tsv` -- the one reader of the tasks' tab-separated files.

The old import paths (``formats/``, ``evaluation/``, ``training/*_data.py``) are aliases of these
modules. The CLAIMS data (ClaimBuster, CLEF 2020 CheckThat! Task 1/5) is still read by
:mod:`narrascope.training.claims`.
"""
