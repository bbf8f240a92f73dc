"""Why a model suggested a category or theme: the words and phrases that pushed it there.

A linear model's score is a sum of weight times feature value, so each TF-IDF feature's
contribution is exact. Word and two-word features map straight to phrases; character n-gram
contributions are shared out among the words that contain them. Contributions are computed on the
masked text, so an explanation never names a person, phone number or address.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from spacy.lang.en.stop_words import STOP_WORDS

from pipeline.language import lemma_tokens
from pipeline.modelling.features import WORD_CACHE_SIZE, CharWbNgrams, ngram_columns
from pipeline.modelling.model import base_head, linear_weights

PLACEHOLDER_PREFIX = "xx"


@dataclass(frozen=True)
class Term:
    text: str  # as written in the (masked) complaint
    weight: float  # contribution to the score; positive pushes towards the output


@dataclass(frozen=True)
class Reading:
    """One pass over a batch of texts: what scoring, the theme model and explanations all need."""

    masked: list[str]  # per text, identifiers and names replaced by placeholders
    tokens: list[list[tuple[str, str]]]  # per text: (word as written after masking, normalised form)
    tfidf: sparse.csr_matrix  # per text: the TF-IDF row of the model's text features


class TextReader:
    """The text features of a fitted pipeline (mask, lemmatise, TF-IDF), run once per batch.

    Built once per fitted model. :meth:`read` keeps the tokens and TF-IDF rows, so the head's
    probabilities, the "unlike the training texts" check and the explanations all come from one pass.
    """

    def __init__(self, estimator: Any):
        self.features = estimator.named_steps["features"]
        text_pipeline = self.features.named_transformers_["text"]
        self.masker = text_pipeline.named_steps["mask"]
        self.normaliser = text_pipeline.named_steps["normalise"]
        self.vectorisers = text_pipeline.named_steps["tfidf"]
        self.tfidf_only = [name for name in self.features.named_transformers_ if name != "remainder"] == ["text"]
        word, char = (vectoriser for _, vectoriser in self.vectorisers.transformer_list)
        self.word_names = word.get_feature_names_out()
        self.vocabulary = word.vocabulary_
        self.char_vocabulary = char.vocabulary_
        # Models saved before the cached analyser carry sklearn's "char_wb", which splits the same way.
        self.char_ngrams = char.analyzer if callable(char.analyzer) else CharWbNgrams(char.ngram_range)

    @property
    def n_tfidf(self) -> int:
        """TF-IDF columns, first in the feature matrix (embeddings and the team follow them)."""
        return len(self.word_names) + len(self.char_vocabulary)

    def read(self, texts: Sequence[str]) -> Reading:
        """Mask, lemmatise and vectorise ``texts`` once."""
        masked = self.masker.transform(list(texts)).tolist()
        tokens = [lemma_tokens(text, self.normaliser.lemmatize) for text in masked]
        tfidf = self.vectorisers.transform([" ".join(lemma for _, lemma in found) for found in tokens]).tocsr()
        tfidf.sort_indices()  # explanations search each row's column indices
        return Reading(masked, tokens, tfidf)

    def matrix(self, reading: Reading, inputs: pd.DataFrame) -> Any:
        """The feature matrix the head takes: the reading's TF-IDF, or (with embeddings or the team
        switched on) the model's whole feature step on ``inputs``."""
        return reading.tfidf if self.tfidf_only else self.features.transform(inputs)

    def known_share(self, reading: Reading) -> np.ndarray:
        """Per text, the share of its words that the training texts also used (1.0 for no words)."""
        vocabulary = self.vocabulary
        return np.array(
            [np.mean([lemma in vocabulary for _, lemma in found]) if found else 1.0 for found in reading.tokens]
        )

    def reads_like(self, other: TextReader) -> bool:
        """True when ``other`` turns text into exactly the same TF-IDF matrix (same masking, vocabulary
        and weights), as the category and theme models do when trained on the same rows and params;
        one :meth:`read` then serves both."""
        mine, theirs = self.vectorisers.transformer_list, other.vectorisers.transformer_list
        return (
            self.masker.get_params() == other.masker.get_params()
            and getattr(self.masker, "lowercase_words_", None) == getattr(other.masker, "lowercase_words_", None)
            and self.normaliser.get_params() == other.normaliser.get_params()
            and len(mine) == len(theirs)
            and all(_same_vectoriser(a, b) for (_, a), (_, b) in zip(mine, theirs, strict=True))
        )


class LinearExplainer:
    """The words behind a linear head's outputs, from a :class:`TextReader`'s reading."""

    def __init__(self, reader: TextReader, head: Any):
        self.reader = reader
        self._word_features: dict[str, np.ndarray] = {}
        # Only the TF-IDF columns (first in the matrix) map to words; embedding and team columns,
        # when switched on, also move the score but name no word, so explanations leave them out.
        self.weights = linear_weights(head)[:, : reader.n_tfidf]

    def explain(self, text: str, output: int, top_n: int = 5) -> list[Term]:
        """The ``top_n`` terms of ``text`` that most raise output ``output`` (a category or theme index)."""
        return self.explain_batch(self.reader.read([text]), [[output]], top_n)[0][0]

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
            columns = ngram_columns(lemma, self.reader.char_ngrams, self.reader.char_vocabulary)
            found = np.unique(columns) + len(self.reader.word_names)  # char columns follow the word columns
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
        word_columns = np.flatnonzero(indices < len(self.reader.word_names))
        word_terms = [
            term_ids.setdefault(name, len(term_ids)) for name in self.reader.word_names[indices[word_columns]].tolist()
        ]
        pairs = (np.concatenate([owners, word_terms]).astype(np.int64), np.concatenate([columns, word_columns]))
        shares = np.concatenate([1.0 / holders[columns], np.ones(len(word_columns))])
        return list(term_ids), pairs, shares


_READERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fitted_state(estimator: Any) -> tuple[Any, ...]:
    """The fitted parts a reader and an explainer use; refitting the model replaces them with new objects."""
    classifier = base_head(estimator.steps[-1][1])
    head = getattr(classifier, "estimators_", None)
    if head is None:
        head = getattr(classifier, "calibrated_classifiers_", None)
    features = estimator.steps[0][1]
    try:
        tfidf = features.named_transformers_["text"].named_steps["tfidf"].transformer_list
    except (AttributeError, KeyError):
        return (head, features)
    return (head, *(getattr(vectoriser, "vocabulary_", None) for _, vectoriser in tfidf))


def _cached(estimator: Any) -> tuple[TextReader | None, LinearExplainer | None]:
    state = _fitted_state(estimator)
    cached = _READERS.get(estimator)
    if cached is None or any(old is not new for old, new in zip(cached[0], state, strict=True)):
        reader = explainer = None
        with suppress(AttributeError, KeyError, TypeError, ValueError):  # not this project's text features
            reader = TextReader(estimator)
        if reader is not None:
            with suppress(AttributeError, TypeError):  # not a linear head: no exact word contributions
                explainer = LinearExplainer(reader, estimator.steps[-1][1])
        cached = _READERS[estimator] = (state, (reader, explainer))
    return cached[1]


def reader_for(estimator: Any) -> TextReader | None:
    """The :class:`TextReader` of a fitted pipeline (built once, it indexes the whole vocabulary), or
    None when its features are not this project's text features."""
    return _cached(estimator)[0]


def explainer_for(estimator: Any) -> LinearExplainer | None:
    """The explainer of a fitted pipeline whose head is linear, or None for any other head: its
    suggestions are scored all the same, but no words can be named behind them."""
    return _cached(estimator)[1]


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
