"""Benchmark the entities analyzer: cold start, NER and NER+roles articles/s, peak RSS, CV metrics.

    python bench/entities.py [--data ../shared/data] [--n 60] [--encoder]

``--encoder`` times the analyzer with the optional MiniLM role head (``{"encoder": true}``).

Uses English training articles from ../shared/data when present (only to time them; nothing is
copied), else the example article repeated. CV metrics are the ones stored with the shipped model
by `narrascope train roles` (recomputing them means retraining: see the model card).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=60, help="articles to time")
    ap.add_argument("--encoder", action="store_true", help="use the optional MiniLM role head")
    args = ap.parse_args()

    t0 = time.perf_counter()
    from narrascope import Document, Pipeline

    options = {"entities": {"encoder": True}} if args.encoder else {}
    pipe = Pipeline.from_config({"analyzers": ["entities"], "options": options})
    example = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8")
    pipe.analyze(Document.create(example, title_in_text=True))
    cold = time.perf_counter() - t0
    print(f"cold start (import + load spaCy and role model + first article): {cold:.2f} s")

    folder = Path(args.data) / "semeval2025-t10" / "train" / "EN" / "raw-documents"
    if folder.is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))[: args.n]]
        source = f"{len(texts)} English training articles"
    else:
        texts = [example] * args.n
        source = f"the example article x{args.n}"
    docs = [Document.create(t, title_in_text=True, language="en") for t in texts]
    words = sum(len(d.text.split()) for d in docs)
    print(f"corpus: {source}, {words / len(docs):.0f} words per article")

    analyzer = pipe.analyzers[-1]
    nlp = analyzer.nlp_
    if nlp is not None:
        t = time.perf_counter()
        for _ in nlp.pipe([d.text for d in docs], batch_size=8):
            pass
        dt = time.perf_counter() - t
        print(f"spaCy parse + NER only: {len(docs) / dt:.1f} articles/s")

    tagger_timing(docs, nlp)

    t = time.perf_counter()
    analyses = list(pipe.pipe(docs, batch_size=8)) if hasattr(pipe, "pipe") else [pipe.analyze(d) for d in docs]
    dt = time.perf_counter() - t
    n_ent = sum(len(a.data.get("entities", [])) for a in analyses if hasattr(a, "data"))
    n_framed = sum(1 for a in analyses if hasattr(a, "data") for e in a.data.get("entities", []) if e["main_role"])
    print(f"entities analyzer (NER + grouping + roles): {len(docs) / dt:.1f} articles/s "
          f"({n_ent / max(len(docs), 1):.1f} entities, {n_framed / max(len(docs), 1):.1f} framed per article)")
    print(f"peak RSS: {rss_mb():.0f} MB")

    meta = json.loads((ROOT / "src" / "narrascope" / "models" / "artifacts" / "roles" / "roles.json").read_text())
    print("cross-validated role metrics stored with the shipped model (mean ± std over folds):")
    for lang, r in meta["training"]["cv"].items():
        print(f"  {lang}: exact match {r['exact_match_mean']:.3f} ± {r['exact_match_std']:.3f}, "
              f"main-role accuracy {r['main_role_accuracy_mean']:.3f} ± {r['main_role_accuracy_std']:.3f} (n={r['n']})")
    fr = meta.get("framing") or {}
    if fr:
        print(f"  framed-or-not (English entities): CV F1 {fr['cv_f1']}, NER overlap with gold mentions "
              f"{fr.get('ner_recall_of_gold_mentions')}")
    stance = ROOT / "src" / "narrascope" / "models" / "artifacts" / "roles" / "stance.json"
    if stance.exists():  # issue 13: the stance head's nested CV (the decision the analyzer uses)
        rep = json.loads(stance.read_text())["report"]
        for name in ("stance_train_prior", "stance_target_prior"):
            for lang, r in rep["cv"][name].items():
                w = rep["cv_reweighted"][name][lang]
                print(f"  {name} {lang}: exact match {r['exact_match_mean']:.3f}, main-role accuracy "
                      f"{r['main_role_accuracy_mean']:.3f}; reweighted {w['exact_match']:.3f} / {w['main_role_accuracy']:.3f}")
    enc = ROOT / "src" / "narrascope" / "models" / "artifacts" / "roles" / "encoder.json"
    if enc.exists():
        cv = json.loads(enc.read_text())["cv"]
        for name in ("sparse", "encoder", "mixed"):
            r = cv[name]["EN"]
            print(f"  EN {name}: exact match {r['exact_match_mean']:.3f} ± {r['exact_match_std']:.3f}, "
                  f"main-role accuracy {r['main_role_accuracy_mean']:.3f} ± {r['main_role_accuracy_std']:.3f}")


def tagger_timing(docs, nlp) -> None:
    """The mention tagger (models/mention_tagger.py) against spaCy's NER on the same articles: ms per
    article for the shared encoder pass, the tagger on top of it, and spaCy (parse + NER; NER alone)."""
    from narrascope.models.mention_tagger import shipped_tagger
    from narrascope.models.static_encoder import default_encoder

    enc, tagger = default_encoder(), shipped_tagger()
    encs = [enc.encode_document(d.text, d.sentences) for d in docs[:2]]  # warm up
    t = time.perf_counter()
    encs = [enc.encode_document(d.text, d.sentences) for d in docs]
    t_enc = time.perf_counter() - t
    t = time.perf_counter()
    n = sum(len(tagger.find(d.text, e, "en")) for d, e in zip(docs, encs))
    t_tag = time.perf_counter() - t
    ms = 1000 / len(docs)
    line = (f"mention tagger: {t_tag * ms:.1f} ms/article on top of the encoder pass ({t_enc * ms:.1f} ms/article; "
            f"{n / len(docs):.1f} mentions/article)")
    if nlp is not None:
        t = time.perf_counter()
        for _ in nlp.pipe([d.text for d in docs], batch_size=8):
            pass
        t_sp = time.perf_counter() - t
        with nlp.select_pipes(enable=[p for p in ("tok2vec", "ner") if p in nlp.pipe_names]):
            t = time.perf_counter()
            for _ in nlp.pipe([d.text for d in docs], batch_size=8):
                pass
            t_ner = time.perf_counter() - t
        line += f"; spaCy parse + NER {t_sp * ms:.1f} ms/article, NER alone {t_ner * ms:.1f} ms/article"
    print(line)


if __name__ == "__main__":
    main()
