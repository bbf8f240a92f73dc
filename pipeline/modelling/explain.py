"""Why a model suggested a category or theme: the words and phrases that pushed it there.

A linear model's score is a sum of weight times feature value, so each TF-IDF feature's
contribution is exact. Word and two-word features map straight to phrases; character n-gram
contributions are shared out among the words that contain them. Contributions are computed on the
masked text, so an explanation never names a person, phone number or address.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from spacy.lang.en.stop_words import STOP_WORDS

from pipeline.language import lemma_tokens
from pipeline.modelling.features import WORD_CACHE_SIZE, CharWbNgrams, ngram_columns
from pipeline.modelling.model import base_head, linear_weights, predict_proba

PLACEHOLDER_PREFIX = "xx"


@dataclass(frozen=True)
class Term:
    text: str  # as written in the (masked) complaint
    weight: float  # contribution to the score; positive pushes towards the output


@dataclass(frozen=True)
class Reading:
    """One pass of a model over a batch of texts: what both scoring and explaining need."""

    masked: list[str]  # per text, identifiers and names replaced by placeholders
    tokens: list[list[tuple[str, str]]]  # per text: (word as written after masking, normalised form)
    tfidf: sparse.csr_matrix  # per text: the TF-IDF row the linear head sees
    probabilities: np.ndarray  # texts x outputs, exactly as model.predict_proba gives them


class Explainer:
    """Built once per fitted model (text features -> linear head).

    :meth:`read` runs the model's own steps once per batch (mask, lemmatise, vectorise, classify),
    keeping the tokens and TF-IDF rows; :meth:`explain_batch` then explains any outputs from them
    without reading the texts again.
    """

    def __init__(self, model: Any):
        self.model = model
        features = model.named_steps["features"]
        text_pipeline = features.named_transformers_["text"]
        self.masker = text_pipeline.named_steps["mask"]
        self.normaliser = text_pipeline.named_steps["normalise"]
        self.vectorisers = text_pipeline.named_steps["tfidf"]
        self.tfidf_only = list(features.named_transformers_) == ["text"]
        word, char = (vectoriser for _, vectoriser in self.vectorisers.transformer_list)
        self.word_names = word.get_feature_names_out()
        self._vocabulary = word.vocabulary_
        self.char_vocabulary = char.vocabulary_
        # Models saved before the cached analyser carry sklearn's "char_wb", which splits the same way.
        self.char_ngrams = char.analyzer if callable(char.analyzer) else CharWbNgrams(char.ngram_range)
        self._word_features: dict[str, np.ndarray] = {}
        # Only the TF-IDF columns (first in the matrix) map to words; embedding columns, when
        # switched on, also move the score but name no word, so explanations leave them out.
        n_tfidf = len(self.word_names) + len(self.char_vocabulary)
        self.weights = linear_weights(model.named_steps["classifier"])[:, :n_tfidf]

    def read(self, texts: Sequence[str]) -> Reading:
        """Mask, lemmatise, vectorise and classify ``texts`` once, keeping what explanations need."""
        masked = self.masker.transform(list(texts)).tolist()
        tokens = [lemma_tokens(text, self.normaliser.lemmatize) for text in masked]
        tfidf = self.vectorisers.transform([" ".join(lemma for _, lemma in found) for found in tokens]).tocsr()
        tfidf.sort_indices()  # explanations search each row's column indices
        if self.tfidf_only:
            matrix = tfidf
        else:  # embeddings follow the TF-IDF columns; they come from the model's own step
            matrix = self.model.named_steps["features"].transform(pd.DataFrame({"description": list(texts)}))
        return Reading(masked, tokens, tfidf, predict_proba(self.model.named_steps["classifier"], matrix))

    def shares_text_features_with(self, other: Explainer) -> bool:
        """True when ``other`` turns text into exactly the same TF-IDF matrix (same masking, vocabulary
        and weights), as the category and theme models do when trained on the same rows and params;
        one :meth:`read` then serves both."""
        mine, theirs = self.vectorisers.transformer_list, other.vectorisers.transformer_list
        return (
            self.tfidf_only
            and other.tfidf_only
            and self.masker.get_params() == other.masker.get_params()
            and getattr(self.masker, "lowercase_words_", None) == getattr(other.masker, "lowercase_words_", None)
            and self.normaliser.get_params() == other.normaliser.get_params()
            and len(mine) == len(theirs)
            and all(_same_vectoriser(a, b) for (_, a), (_, b) in zip(mine, theirs, strict=True))
        )

    def known_share(self, reading: Reading) -> np.ndarray:
        """Per text, the share of its words that the training texts also used (1.0 for no words)."""
        vocabulary = self._vocabulary
        return np.array(
            [np.mean([lemma in vocabulary for _, lemma in found]) if found else 1.0 for found in reading.tokens]
        )

    def reread(self, reading: Reading) -> Reading:
        """This model's probabilities for the texts of another model's ``reading`` (shared features)."""
        return Reading(
            reading.masked,
            reading.tokens,
            reading.tfidf,
            predict_proba(self.model.named_steps["classifier"], reading.tfidf),
        )

    def explain(self, text: str, output: int, top_n: int = 5) -> list[Term]:
        """The ``top_n`` terms of ``text`` that most raise output ``output`` (a category or theme index)."""
        return self.explain_batch(self.read([text]), [[output]], top_n)[0][0]

    def explain_batch(
        self, reading: Reading, outputs: Sequence[Sequence[int]], top_n: int = 5
    ) -> list[list[list[Term]]]:
        """For each text of ``reading``, the ``top_n`` terms behind each of its ``outputs``."""
        tfidf = reading.tfidf
        return [
            self._explain_row(
                tfidf.indices[tfidf.indptr[position] : tfidf.indptr[position + 1]],
                tfidf.data[tfidf.indptr[position] : tfidf.indptr[position + 1]],
                found,
                wanted,
                top_n,
            )
            for position, (found, wanted) in enumerate(zip(reading.tokens, outputs, strict=True))
        ]

    def _explain_row(
        self, indices: np.ndarray, values: np.ndarray, tokens: list[tuple[str, str]], outputs: Sequence[int], top_n: int
    ) -> list[list[Term]]:
        if not tokens or not len(outputs) or not len(indices):
            return [[] for _ in outputs]
        terms, owners, shares = self._attribution(indices, tokens)
        # Contribution of each present feature to each output: weight times TF-IDF value.
        by_feature = values[:, None] * self.weights[np.asarray(outputs)][:, indices].T
        surface = _SurfaceForms(tokens)
        explained = []
        for column in range(len(outputs)):
            # Each feature's contribution, shared among the terms that own it, summed per term.
            totals = np.bincount(owners[0], by_feature[owners[1], column] * shares, minlength=len(terms))
            found = []
            for term in np.argsort(-totals, kind="stable"):
                if totals[term] <= 0 or len(found) == top_n:
                    break
                if terms[term] in surface and _readable(terms[term]):
                    found.append(Term(surface[terms[term]], float(totals[term])))
            explained.append(found)
        return explained

    def _char_features(self, lemma: str) -> np.ndarray:
        """Column indices of the character n-grams of one word that are in the vocabulary (cached)."""
        found = self._word_features.get(lemma)
        if found is None:
            columns = ngram_columns(lemma, self.char_ngrams, self.char_vocabulary)
            found = np.unique(columns) + len(self.word_names)  # char columns follow the word columns
            if len(self._word_features) < WORD_CACHE_SIZE:  # a service may see endless new words
                self._word_features[lemma] = found
        return found

    def _attribution(
        self, indices: np.ndarray, tokens: list[tuple[str, str]]
    ) -> tuple[list[str], tuple[np.ndarray, np.ndarray], np.ndarray]:
        """Which words or phrases own each present feature: (terms, (term, feature position) pairs, shares).

        A word or two-word feature belongs to its phrase. A char_wb n-gram is taken from each word
        padded with spaces, so it is shared equally among the word occurrences that hold it (a word
        written twice holds two shares).
        """
        term_ids: dict[str, int] = {}
        occurrence_terms = np.array([term_ids.setdefault(lemma, len(term_ids)) for _, lemma in tokens])
        per_occurrence = [self._char_features(lemma) for _, lemma in tokens]
        features = np.concatenate(per_occurrence)
        owners = np.repeat(occurrence_terms, [len(found) for found in per_occurrence])
        columns = np.searchsorted(indices, features).clip(max=len(indices) - 1)
        present = indices[columns] == features
        columns, owners = columns[present], owners[present]
        holders = np.bincount(columns, minlength=len(indices))
        word_columns = np.flatnonzero(indices < len(self.word_names))
        word_terms = [
            term_ids.setdefault(name, len(term_ids)) for name in self.word_names[indices[word_columns]].tolist()
        ]
        pairs = (np.concatenate([owners, word_terms]).astype(np.int64), np.concatenate([columns, word_columns]))
        shares = np.concatenate([1.0 / holders[columns], np.ones(len(word_columns))])
        return list(term_ids), pairs, shares


_EXPLAINERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fitted_state(model: Any) -> tuple[Any, ...]:
    """The fitted parts an Explainer reads; refitting the model replaces them with new objects."""
    classifier = base_head(model.named_steps["classifier"])
    head = getattr(classifier, "estimators_", None) or getattr(classifier, "calibrated_classifiers_", None)
    tfidf = model.named_steps["features"].named_transformers_["text"].named_steps["tfidf"]
    return (head, *(getattr(vectoriser, "vocabulary_", None) for _, vectoriser in tfidf.transformer_list))


def explainer_for(model: Any) -> Explainer:
    """The :class:`Explainer` of a fitted model, built once (it indexes the whole vocabulary) and
    built again only if the model has been refitted since."""
    state = _fitted_state(model)
    cached = _EXPLAINERS.get(model)
    if cached is None or any(old is not new for old, new in zip(cached[0], state, strict=True)):
        cached = _EXPLAINERS[model] = (state, Explainer(model))
    return cached[1]


def _same_vectoriser(a: Any, b: Any) -> bool:
    """Two fitted TF-IDF vectorisers that give the same matrix for any text."""
    settings = ("ngram_range", "token_pattern", "lowercase", "binary", "norm", "use_idf", "smooth_idf", "sublinear_tf")
    analysers = [v.analyzer.ngram_range if callable(v.analyzer) else (v.analyzer, v.ngram_range) for v in (a, b)]
    return (
        all(getattr(a, key) == getattr(b, key) for key in settings)
        and analysers[0] == analysers[1]
        and a.vocabulary_ == b.vocabulary_
        and np.array_equal(a.idf_, b.idf_)
    )


def _readable(lemma: str) -> bool:
    """Worth showing: no stop word at either end ("and her", "the social"), no masked identifier."""
    parts = lemma.split()
    return (
        parts[0] not in STOP_WORDS
        and parts[-1] not in STOP_WORDS
        and not any(part.startswith(PLACEHOLDER_PREFIX) for part in parts)
    )


class _SurfaceForms:
    """Normalised word or two-word phrase -> how the text writes it (first occurrence), looked up
    only for the few terms an explanation shows."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.first: dict[str, int] = {}
        for index, (_, lemma) in enumerate(tokens):
            self.first.setdefault(lemma, index)

    def __contains__(self, term: str) -> bool:
        return self._position(term) is not None

    def __getitem__(self, term: str) -> str:
        start, length = self._position(term)
        return " ".join(written for written, _ in self.tokens[start : start + length])

    def _position(self, term: str) -> tuple[int, int] | None:
        parts = term.split(" ")
        if len(parts) == 1:
            return (self.first[term], 1) if term in self.first else None
        start = self.first.get(parts[0])
        if start is None:
            return None
        for index in range(start, len(self.tokens) - len(parts) + 1):
            if all(self.tokens[index + k][1] == part for k, part in enumerate(parts)):
                return index, len(parts)
        return None
