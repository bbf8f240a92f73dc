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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.imports import STOP_WORDS
from pipeline.language import lemma_tokens
from pipeline.modelling.features import WORD_CACHE_SIZE, CharWbNgrams, ngram_columns
from pipeline.modelling.model import base_head, linear_weights

PLACEHOLDER_PREFIX = "xx"
EXPLAIN_ROWS = 500  # texts explained together (their tables take about 0.1 MB a text)


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
    # What explanations derive from the reading alone (which words hold which columns), worked out
    # once for the category and theme explanations that share it.
    derived: dict = field(default_factory=dict, compare=False, repr=False)


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
    """The words behind a linear head's outputs, from a :class:`TextReader`'s reading.

    Generic over any head :func:`pipeline.modelling.model.linear_weights` reads (one weight row per
    output). A whole batch is explained by sparse products, not a loop per row: each (row, output)
    pair's feature contributions are the row's TF-IDF values times that output's weights; character
    n-gram contributions are shared out among the words holding them through a word-by-n-gram table,
    and word n-gram columns are words or phrases already (their names, precomputed once per model).
    """

    def __init__(self, reader: TextReader, head: Any):
        self.reader = reader
        self._word_features: dict[str, np.ndarray] = {}
        # Only the TF-IDF columns (first in the matrix) map to words; embedding and team columns,
        # when switched on, also move the score but name no word, so explanations leave them out.
        self.weights = np.asarray(linear_weights(head)[:, : reader.n_tfidf], dtype=np.float64)
        n_words = len(reader.word_names)
        self._word_weights = np.ascontiguousarray(self.weights[:, :n_words])
        self._char_weights_by_output = np.ascontiguousarray(self.weights[:, n_words:].T)
        # The n-gram-to-word table of the word columns: worth showing, and a phrase (checked in the text).
        self._names = reader.word_names.tolist()
        self._readable = np.array([_readable(name) for name in self._names], dtype=bool)
        self._phrase = np.array([" " in name for name in self._names], dtype=bool)

    def explain(self, text: str, output: int, top_n: int = 5) -> list[Term]:
        """The ``top_n`` terms of ``text`` that most raise output ``output`` (a category or theme index)."""
        return self.explain_batch(self.reader.read([text]), [[output]], top_n)[0][0]

    def explain_batch(
        self, reading: Reading, outputs: Sequence[Sequence[int]], top_n: int = 5
    ) -> list[list[list[Term]]]:
        """For each text of ``reading``, the ``top_n`` terms behind each of its ``outputs``.

        A term's contribution is weight times TF-IDF value summed over its features: its share of each
        character n-gram column (shared equally among the word occurrences of the text that hold it, so
        a word written twice holds two shares) and its own word or phrase column. Terms are ranked by
        contribution, ties in the order the text first uses them, then phrases by column.
        """
        if len(reading.tokens) > EXPLAIN_ROWS:
            # A slice of texts at a time: the tables hold several numbers per character column of each
            # text, so memory stays bounded however large the chunk (each text is explained alone anyway).
            return [
                row
                for start in range(0, len(reading.tokens), EXPLAIN_ROWS)
                for row in self.explain_batch(
                    _slice(reading, start, start + EXPLAIN_ROWS), outputs[start : start + EXPLAIN_ROWS], top_n
                )
            ]
        explained: list[list[list[Term]]] = [[[] for _ in wanted] for wanted in outputs]
        pair_rows = np.fromiter((row for row, wanted in enumerate(outputs) for _ in wanted), dtype=np.int64)
        if not len(pair_rows) or not reading.tfidf.nnz:
            return explained
        pair_outputs = np.fromiter((output for wanted in outputs for output in wanted), dtype=np.int64)
        # A reading is shared only by models that read alike (same vocabularies): the same holdings.
        key = ("holdings", len(self._names), len(self.reader.char_vocabulary))
        table = reading.derived.get(key)
        if table is None:
            table = reading.derived[key] = _Holdings(reading, self)
        pairs, terms, values, first = table.contributions(pair_rows, pair_outputs, self)
        readable = np.concatenate([self._readable, [_readable(lemma) for lemma in table.lemmas]]).astype(bool)
        keep = (values > 0) & readable[terms]  # raises the output; no stop word or placeholder at either end
        pairs, terms, values, first = pairs[keep], terms[keep], values[keep], first[keep]
        # Ties in the order the text first uses the words, then phrases by column.
        order = np.lexsort((np.where(first >= 0, first, len(readable) + terms), -values, pairs))
        pairs, terms, values, first = pairs[order], terms[order], values[order], first[order]
        bounds = np.searchsorted(pairs, np.arange(len(pair_rows) + 1)).tolist()
        flat = [terms_of_output for row in explained for terms_of_output in row]
        names, n_words = self._names, len(self._names)
        terms, values, first = terms.tolist(), values.tolist(), first.tolist()
        for pair in np.flatnonzero(np.diff(bounds)).tolist():
            tokens = reading.tokens[pair_rows[pair]]
            surface: _SurfaceForms | None = None
            found = flat[pair]
            for at in range(bounds[pair], bounds[pair + 1]):
                if first[at] >= 0:  # a word of the text, written as it first appears
                    found.append(Term(tokens[first[at]][0], values[at]))
                else:  # a phrase column: shown if the text's words spell it
                    surface = surface or _SurfaceForms(tokens)
                    name = names[terms[at]] if terms[at] < n_words else table.lemmas[terms[at] - n_words]
                    if name not in surface:
                        continue
                    found.append(Term(surface[name], values[at]))
                if len(found) == top_n:
                    break
        return explained

    def _char_features(self, lemma: str) -> np.ndarray:
        """Column indices (within the character block) of one word's character n-grams in the vocabulary (cached)."""
        found = self._word_features.get(lemma)
        if found is None:
            found = np.unique(ngram_columns(lemma, self.reader.char_ngrams, self.reader.char_vocabulary))
            if len(self._word_features) < WORD_CACHE_SIZE:  # a service may see endless new words
                self._word_features[lemma] = found
        return found


def _slice(reading: Reading, start: int, end: int) -> Reading:
    """Texts ``start:end`` of ``reading``, one object per slice, so the theme explanations reuse the
    category explanations' tables for it."""
    key = ("slice", start, end)
    found = reading.derived.get(key)
    if found is None:
        found = reading.derived[key] = Reading(
            reading.masked[start:end], reading.tokens[start:end], reading.tfidf[start:end]
        )
    return found


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices ``starts[k] .. starts[k] + lengths[k] - 1`` for every k, one after another."""
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(int(lengths.sum()), dtype=np.int64)


class _Holdings:
    """Which word occurrences of each text hold which of its TF-IDF columns, for one reading.

    Independent of the outputs explained: per text, one entry per (distinct word, character n-gram
    column of that word) with the column's value, its share (1 / occurrences holding it) and the word's
    count; and the text's word columns (words and phrases) with their values.
    """

    def __init__(self, reading: Reading, explainer: LinearExplainer):
        vocabulary = explainer.reader.vocabulary
        n_words, n_texts = len(explainer._names), len(reading.tokens)
        word_ids: dict[str, int] = {}
        self.lemmas: list[str] = []  # the batch's words that are no word column: terms n_words, n_words + 1...
        term_of: list[int] = []
        occurrences = []
        for found in reading.tokens:
            ids = []
            for _, lemma in found:
                word = word_ids.get(lemma)
                if word is None:
                    word = word_ids[lemma] = len(term_of)
                    column = vocabulary.get(lemma)
                    if column is None:
                        column = n_words + len(self.lemmas)
                        self.lemmas.append(lemma)
                    term_of.append(column)
                ids.append(word)
            occurrences.append(ids)
        self.n_terms = n_words + len(self.lemmas)
        per_text = np.fromiter(map(len, occurrences), dtype=np.int64, count=n_texts)
        rows = np.repeat(np.arange(n_texts, dtype=np.int64), per_text)
        words = np.fromiter((word for ids in occurrences for word in ids), dtype=np.int64, count=int(per_text.sum()))
        positions = np.arange(len(words), dtype=np.int64) - np.repeat(np.cumsum(per_text) - per_text, per_text)
        # Distinct (text, word): how often, and where first (np.unique keeps the first index).
        keys, first, count = np.unique(rows * (len(term_of) + 1) + words, return_index=True, return_counts=True)
        self.word_row, self.word_term = rows[first], np.asarray(term_of, dtype=np.int64)[words[first]]
        self.word_first, self.word_count = positions[first], count.astype(np.float64)
        self.text_words = np.bincount(self.word_row, minlength=n_texts)
        # Expand each distinct (text, word) into the character columns the word holds.
        per_word = [explainer._char_features(lemma) for lemma in word_ids]
        char_count = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        all_chars = np.concatenate(per_word) if per_word else np.zeros(0, dtype=np.int64)
        held = char_count[words[first]]
        entry_word = np.repeat(np.arange(len(keys), dtype=np.int64), held)
        char_column = all_chars[_ranges((np.cumsum(char_count) - char_count)[words[first]], held)]
        tfidf = reading.tfidf
        width = tfidf.shape[1]
        stored = np.repeat(np.arange(n_texts, dtype=np.int64), np.diff(tfidf.indptr)) * width + tfidf.indices
        # Every column a word holds is in its text's row (the row is made of its words' n-grams).
        at = np.searchsorted(stored, self.word_row[entry_word] * width + n_words + char_column)
        holders = np.bincount(at, weights=self.word_count[entry_word], minlength=len(stored))
        # (text, word) x character columns: the column's value times the word's share of it (its
        # occurrences over all the occurrences holding the column).
        self.shares = sparse.csr_matrix(
            (
                tfidf.data[at].astype(np.float64) * (self.word_count[entry_word] / holders[at]),
                char_column,
                np.concatenate([[0], np.cumsum(held)]),
            ),
            shape=(len(keys), len(explainer.reader.char_vocabulary)),
        )
        # Each text's word columns come first in its row (column indices are sorted).
        row_of_stored = np.repeat(np.arange(n_texts), np.diff(tfidf.indptr))
        self.column_start = tfidf.indptr[:-1].astype(np.int64)
        self.column_count = np.bincount(row_of_stored[tfidf.indices < n_words], minlength=n_texts)
        self.tfidf = tfidf

    def contributions(
        self, pair_rows: np.ndarray, pair_outputs: np.ndarray, explainer: LinearExplainer
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(pair, term, contribution, first use in the text or -1 for a phrase) for each term of each pair."""
        n_pairs = len(pair_rows)
        # Every (text, word) against every output at once: one sparse-dense product.
        by_word = self.shares @ explainer._char_weights_by_output
        words = _ranges((np.cumsum(self.text_words) - self.text_words)[pair_rows], self.text_words[pair_rows])
        pairs = np.repeat(np.arange(n_pairs, dtype=np.int64), self.text_words[pair_rows])
        totals = by_word[words, pair_outputs[pairs]]
        terms, first = self.word_term[words], self.word_first[words]
        # The pairs' word columns: a word adds to that word's total, a phrase is a term of its own.
        lengths = self.column_count[pair_rows]
        columns = _ranges(self.column_start[pair_rows], lengths)
        column_pair = np.repeat(np.arange(n_pairs, dtype=np.int64), lengths)
        column = self.tfidf.indices[columns].astype(np.int64)
        weights = explainer._word_weights[pair_outputs[column_pair], column]
        column_value = self.tfidf.data[columns].astype(np.float64) * weights
        key_width = self.n_terms + 1
        keys = pairs * key_width + terms
        wanted = column_pair * key_width + column
        order = np.argsort(keys, kind="stable")
        at = order[np.searchsorted(keys, wanted, sorter=order).clip(max=len(keys) - 1)] if len(keys) else wanted
        hit = keys[at] == wanted if len(keys) else np.zeros(len(wanted), dtype=bool)
        totals[at[hit]] += column_value[hit]  # one word column per word of a pair: no repeats
        phrase = ~hit & explainer._phrase[column]  # a single word the text does not use names nothing
        return (
            np.concatenate([pairs, column_pair[phrase]]),
            np.concatenate([terms, column[phrase]]),
            np.concatenate([totals, column_value[phrase]]),
            np.concatenate([first, np.full(int(phrase.sum()), -1, dtype=np.int64)]),
        )


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
