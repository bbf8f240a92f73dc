"""The model's inputs and features: normalised text -> TF-IDF word n-grams + character n-grams
(+ sentence embeddings, + the team, when switched on).

A ColumnTransformer sits in front so the fitted model takes a DataFrame with the columns named by
:func:`model_columns` and scores row by row (as MLflow serving and the batch scorer pass it). Which
columns a model takes is decided here, once, and saved in its card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import OneHotEncoder

from pipeline.config import FeaturesConfig, TextConfig
from pipeline.language import IdentifierMasker, LemmaNormaliser
from pipeline.modelling.embeddings import ENCODERS, SentenceEmbedder, embedding_columns

TEXT_COLUMN = "description"
TEAM_COLUMN = "team"
WORD_CACHE_SIZE = 100_000  # distinct words whose n-grams are remembered (up to about 200 MB)


class CharWbNgrams:
    """scikit-learn's ``char_wb`` analyser with the n-grams of each distinct word computed once.

    Character n-grams are taken inside each word padded with spaces, exactly as ``char_wb`` does,
    so the features are the same; words recur, so caching them makes the slowest part of scoring
    several times faster. Input is already lower-cased and normalised. The cache is not saved.
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 5)):
        self.ngram_range = tuple(ngram_range)
        self._cache: dict[str, list[str]] = {}

    def __call__(self, document: str) -> list[str]:
        grams: list[str] = []
        for word in document.split():
            cached = self._cache.get(word)
            if cached is None:
                cached = self.word_ngrams(word)
                if len(self._cache) < WORD_CACHE_SIZE:
                    self._cache[word] = cached
            grams.extend(cached)
        return grams

    def word_ngrams(self, word: str) -> list[str]:
        """The n-grams of one word, in char_wb order (a word shorter than n counts once, padded)."""
        padded = f" {word} "
        low, high = self.ngram_range
        grams = []
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[start : start + n] for start in range(len(padded) - n + 1))
        return grams

    def __getstate__(self) -> dict:
        return {"ngram_range": self.ngram_range}

    def __setstate__(self, state: dict) -> None:
        self.ngram_range = tuple(state["ngram_range"])
        self._cache = {}


class CompactVocabulary:
    """Saves a fitted vectoriser's vocabulary as one array of terms instead of a dictionary.

    skops (how MLflow saves scikit-learn models) writes a dictionary entry by entry into its JSON schema,
    which took seconds per model and megabytes per hundred thousand n-grams; an array of strings is one
    ``.npy`` file. The terms are stored in column order, so the dictionary is rebuilt exactly on loading.
    """

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        vocabulary = state.get("vocabulary_")
        # numpy drops trailing NULs from its strings: such a term (never produced by our text) stays a dict.
        if isinstance(vocabulary, dict) and not any(term.endswith("\x00") for term in vocabulary):
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            if [vocabulary[term] for term in terms] == list(range(len(terms))):
                state = {key: value for key, value in state.items() if key != "vocabulary_"}
                state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {term: column for column, term in enumerate(terms.tolist())}
        super().__setstate__(state)


class WordTfidfVectorizer(CompactVocabulary, TfidfVectorizer):
    """scikit-learn's TfidfVectorizer, saved compactly (:class:`CompactVocabulary`)."""


def ngram_columns(word: str, analyzer: CharWbNgrams, vocabulary: dict[str, int]) -> np.ndarray:
    """Vocabulary columns of one word's character n-grams, in order, repeats kept."""
    return np.array([vocabulary[gram] for gram in analyzer.word_ngrams(word) if gram in vocabulary], dtype=np.int64)


class CharTfidfVectorizer(CompactVocabulary, TfidfVectorizer):
    """TF-IDF over :class:`CharWbNgrams`, counting each text through its words' n-gram columns.

    Fitting and ``transform`` give scikit-learn's vocabulary and matrices, but each distinct word's
    n-grams are looked up once and a whole batch is counted by one sparse product, instead of a
    dictionary lookup per n-gram of every text: the n-grams are the bulk of fitting and scoring time
    otherwise. Saved compactly (:class:`CompactVocabulary`).
    """

    def _count_vocab(self, raw_documents: Iterable[str], fixed_vocab: bool) -> tuple[dict, sparse.csr_matrix]:
        """scikit-learn's counting step of ``fit`` (which then sorts and prunes the vocabulary as usual)."""
        if fixed_vocab:
            return super()._count_vocab(raw_documents, fixed_vocab)
        vocabulary: dict[str, int] = {}

        def columns(word: str) -> np.ndarray:
            grams = self.analyzer.word_ngrams(word)
            return np.array([vocabulary.setdefault(gram, len(vocabulary)) for gram in grams], dtype=np.int64)

        counts = count_words(list(raw_documents), columns, lambda: len(vocabulary), self.dtype)
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        return vocabulary, counts

    def transform(self, raw_documents: Iterable[str]) -> sparse.csr_matrix:
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        vocabulary = self.vocabulary_
        cache = self.__dict__.setdefault("_word_columns", {})

        def columns(word: str) -> np.ndarray:
            found = cache.get(word)
            if found is None:
                found = ngram_columns(word, self.analyzer, vocabulary)
                if len(cache) < WORD_CACHE_SIZE:
                    cache[word] = found
            return found

        counts = count_words(list(raw_documents), columns, lambda: len(vocabulary), self.dtype)
        return self._tfidf.transform(counts, copy=False)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_word_columns", None)
        return state


def count_words(
    documents: list[str], word_columns: Callable[[str], np.ndarray], n_columns: Callable[[], int], dtype: type
) -> sparse.csr_matrix:
    """Texts x n-grams counts as (texts x distinct words) @ (distinct words x n-grams).

    ``word_columns`` gives a word's n-gram columns (repeats kept), called once per distinct word;
    ``n_columns`` the matrix width, asked after every word has been seen (fitting grows it).
    """
    words: dict[str, int] = {}
    text_words = [[words.setdefault(word, len(words)) for word in document.split()] for document in documents]
    per_text = np.fromiter(map(len, text_words), dtype=np.int64, count=len(text_words))
    word_ids = np.fromiter(chain.from_iterable(text_words), dtype=np.int64, count=int(per_text.sum()))
    columns = [word_columns(word) for word in words]  # dicts keep insertion order: word id order
    per_word = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
    texts_by_words = sparse.csr_matrix(
        (np.ones(len(word_ids), dtype=dtype), word_ids, np.concatenate([[0], np.cumsum(per_text)])),
        shape=(len(documents), len(words)),
    )
    words_by_ngrams = sparse.csr_matrix(
        (
            np.ones(int(per_word.sum()), dtype=dtype),
            np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
            np.concatenate([[0], np.cumsum(per_word)]),
        ),
        shape=(len(words), n_columns()),
    )
    # Repeated words in a text, and repeated n-grams in a word, are summed: counts.
    texts_by_words.sum_duplicates()
    words_by_ngrams.sum_duplicates()
    counts = (texts_by_words @ words_by_ngrams).tocsr()
    counts.sort_indices()
    return counts


def model_columns(features: FeaturesConfig) -> tuple[str, ...]:
    """The input columns a model built with ``features`` takes: the description, and the team if switched on."""
    return (TEXT_COLUMN, TEAM_COLUMN) if features.team else (TEXT_COLUMN,)


def model_inputs(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The model's input columns of ``frame`` (a new frame). A missing optional column (a team not
    recorded at intake) is all missing, and missing values are NaN, which the encoders know."""
    inputs = {}
    for column in columns:
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        if column != TEXT_COLUMN:
            values = values.astype(object).where(values.notna(), np.nan)
        inputs[column] = values
    return pd.DataFrame(inputs, index=frame.index)


def build_text_features(
    features: FeaturesConfig, text: TextConfig, normalise: bool = True, case_ref_patterns: Iterable[str] = ()
) -> ColumnTransformer:
    """Unfitted transformer: DataFrame[description] -> sparse TF-IDF matrix (then embeddings, if switched on).

    ``normalise=False`` expects text already masked and passed through :func:`pipeline.language.normalise_texts`
    (training does that once, not once per cross-validation fit); saved models always normalise.
    """
    vectorisers = FeatureUnion(
        [
            (
                "word",
                WordTfidfVectorizer(
                    ngram_range=features.word_ngram_range,
                    min_df=features.word_min_df,
                    sublinear_tf=features.sublinear_tf,
                    token_pattern=r"(?u)\b\w+\b",
                    dtype=np.float32,
                ),
            ),
            (
                "char",
                CharTfidfVectorizer(
                    analyzer=CharWbNgrams(features.char_ngram_range),
                    min_df=features.char_min_df,
                    max_features=features.char_max_features,
                    sublinear_tf=features.sublinear_tf,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    steps = [("tfidf", vectorisers)]
    if normalise:
        steps = [
            ("mask", IdentifierMasker(text.mask_identifiers, text.mask_names, tuple(case_ref_patterns))),
            ("normalise", LemmaNormaliser(text.lemmatize, text.batch_size)),
        ] + steps
    blocks = [("text", SkPipeline(steps), TEXT_COLUMN)]
    if features.embeddings != "none":
        blocks.append(_embedding_block(features, text, normalise, case_ref_patterns))
    if features.team:
        # Unknown teams (renamed, or new since training) and missing ones add nothing: no column fires.
        blocks.append(("team", OneHotEncoder(handle_unknown="ignore", dtype=np.float32), [TEAM_COLUMN]))
    # sparse_threshold=1: always keep the matrix sparse, however dense a small batch happens to be.
    return ColumnTransformer(blocks, remainder="drop", sparse_threshold=1.0)


def _embedding_block(
    features: FeaturesConfig, text: TextConfig, normalise: bool, case_ref_patterns: Iterable[str] = ()
) -> tuple:
    """Sentence embeddings of the masked (not lemmatised) text, after the TF-IDF columns.

    On the pre-normalised path training has already embedded every row once (the columns named by
    :func:`pipeline.modelling.embeddings.embedding_columns`); they pass straight through.
    """
    if not normalise:
        return ("embedding", "passthrough", embedding_columns(ENCODERS[features.embeddings]))
    steps = [
        ("mask", IdentifierMasker(text.mask_identifiers, text.mask_names, tuple(case_ref_patterns))),
        ("embed", SentenceEmbedder(features.embeddings, features.embedding_weight)),
    ]
    return ("embedding", SkPipeline(steps), TEXT_COLUMN)
