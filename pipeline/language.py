"""Pure text normalisation: identifiers masked, then spaCy blank English with lookup lemmas, lower case.

No trained spaCy pipeline can be installed offline, so the tokenizer of ``spacy.blank("en")`` and
the lookup lemmatizer from ``spacy-lookups-data`` do the work. The spaCy object is built once per
process (cached) and never stored on an estimator, so fitted models pickle small and load fast.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.imports import spacy
from pipeline.privacy import POSSESSIVE, Redactor

NAME_PLACEHOLDER = "xxname"
WORD = re.compile(r"\b[^\W\d_]+(?:['’-][^\W\d_]+)*\b")
# The words that could be names: not starting with a-z (so the callback runs for a few words, not all).
CAPITALISED_WORD = re.compile(r"\b[^\W\d_a-z][^\W\d_]*(?:['’-][^\W\d_]+)*\b")


def blank_english(lemmatize: bool = True) -> spacy.language.Language:
    """A blank English pipeline, with the lookup lemmatizer when asked (tables ship in a package)."""
    # One per process however it is asked for (blank_english(True) and blank_english(lemmatize=True)
    # are different keys to a cache): building it takes a few tenths of a second.
    return _blank_english(bool(lemmatize))


@lru_cache(maxsize=2)
def _blank_english(lemmatize: bool) -> spacy.language.Language:
    logging.getLogger("spacy").setLevel(logging.WARNING)
    nlp = spacy.blank("en")
    if lemmatize:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    return nlp


def _as_strings(texts: Iterable[object]) -> list[str]:
    values = texts.ravel() if isinstance(texts, np.ndarray) else texts
    return ["" if text is None or text != text else str(text) for text in values]


# What each token is read as; the last four: what _keep drops.
_TOKEN_ATTRIBUTES = [
    getattr(spacy.attrs, name) for name in ("IDX", "LENGTH", "IS_PUNCT", "IS_SPACE", "LIKE_NUM", "IS_CURRENCY")
]


def _keep(token: spacy.tokens.Token) -> bool:
    return not (token.is_punct or token.is_space or token.like_num or token.is_currency)


@lru_cache(maxsize=2**18)
def lookup_lemma(word: str) -> str:
    """spaCy's English lookup lemma (spacy-lookups-data) of a lower-case token.

    The lookup lemmatizer maps each token's text through this table, nothing more; applying it
    directly after spaCy's tokenizer, with a cache, gives the same lemmas at twice the speed.
    """
    return blank_english(True).get_pipe("lemmatizer").lookups.get_table("lemma_lookup").get(word, word)


def normalise_texts(texts: Iterable[object], lemmatize: bool = True, batch_size: int = 512) -> list[str]:
    """Lower-cased lemmas joined by single spaces; numbers and punctuation dropped.

    Missing values become empty strings, so the output always lines up with the input.
    ``batch_size`` is kept for saved models' parameters; texts are read a whitespace-separated
    run at a time (:func:`_run_tokens`), which gives spaCy's tokens exactly.
    """
    # The lookup tables are keyed by lower-case forms, so lower-case before lemmatising.
    return [
        " ".join(lemma for run in _RUN.findall(text.lower()) for _, _, lemma in _run_tokens(run, lemmatize))
        for text in _as_strings(texts)
    ]


def lowercase_vocabulary(
    texts: Iterable[object], min_texts: int = 1, redactor: Redactor | None = None
) -> frozenset[str]:
    """The words written in lower case in at least ``min_texts`` of the texts.

    A capitalised word outside this set is taken for a name. ``min_texts`` above 1 keeps a name that
    someone once typed in lower case ("tell tyler") from passing as an ordinary word.
    """
    redactor = redactor or Redactor(names=False)
    counts: Counter[str] = Counter()
    # Mask first, always: "tyler.smith@example.com" must not teach that "tyler" is a common word.
    for text in _as_strings(texts):
        counts.update({word for word in WORD.findall(redactor.mask(text)) if word.islower()})
    return frozenset(word for word, texts_with in counts.items() if texts_with >= min_texts)


def replace_names(text: str, known: frozenset[str], placeholder: str = NAME_PLACEHOLDER) -> str:
    """Replace capitalised words that ``known`` (a :func:`lowercase_vocabulary`) never has in lower case."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        # A possessive keeps its "'s", as the redactor keeps it: "Philippa's" reads as "Sarah's" does.
        stem = POSSESSIVE.sub("", word)
        if word[0].isupper() and not word.isupper() and stem.lower() not in known:
            return placeholder + word[len(stem) :]
        return word

    return CAPITALISED_WORD.sub(replace, text)


class IdentifierMasker(TransformerMixin, BaseEstimator):
    """Replace identifiers (emails, phones, postcodes, dates, case numbers, titled names) and names.

    With ``names=True`` the step learns, at fit, every word that the training texts also write in
    lower case; a capitalised word never written in lower case there (Tyler, Kowalski) is taken for
    a name and masked. That keeps names out of the saved vocabulary and out of the prediction.
    The fit uses the training texts only, without labels. ``case_ref_patterns`` (the council's own case
    reference formats, ``privacy.case_ref_patterns``) are kept as a parameter, so a saved model masks
    with the formats it was trained with.
    """

    def __init__(self, patterns: bool = True, names: bool = True, case_ref_patterns: tuple[str, ...] = ()):
        self.patterns = patterns
        self.names = names
        self.case_ref_patterns = case_ref_patterns

    def fit(self, texts: Iterable[object], y: object = None) -> IdentifierMasker:
        self.lowercase_words_ = sorted(lowercase_vocabulary(texts, redactor=self.redactor())) if self.names else []
        self.__dict__.pop("_known", None)
        return self

    def _known_words(self) -> frozenset[str]:
        # Built once per fitted masker (scoring calls transform many times); not part of its state.
        known = self.__dict__.get("_known")
        if known is None:
            known = self.__dict__["_known"] = frozenset(self.lowercase_words_)
        return known

    def redactor(self) -> Redactor:
        """The masking redactor, built once per masker (not part of its saved state)."""
        redactor = self.__dict__.get("_redactor")
        if redactor is None:
            redactor = self.__dict__["_redactor"] = Redactor(tuple(self.case_ref_patterns))
        return redactor

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_known", None)
        state.pop("_redactor", None)
        return state

    def __setstate__(self, state: dict) -> None:
        # A model saved before case_ref_patterns existed masked with the built-in formats only.
        state.setdefault("case_ref_patterns", ())
        super().__setstate__(state)

    def transform(self, texts: Iterable[object]) -> np.ndarray:
        strings = _as_strings(texts)
        if self.patterns:
            redactor = self.redactor()
            strings = [redactor.mask(text) for text in strings]
        if self.names:
            known = self._known_words()
            strings = [replace_names(text, known) for text in strings]
        return np.asarray(strings, dtype=object)


class LemmaNormaliser(TransformerMixin, BaseEstimator):
    """scikit-learn step wrapping :func:`normalise_texts`; stateless, so ``fit`` learns nothing."""

    def __init__(self, lemmatize: bool = True, batch_size: int = 512):
        self.lemmatize = lemmatize
        self.batch_size = batch_size

    def fit(self, texts: Iterable[object], y: object = None) -> LemmaNormaliser:
        return self

    def transform(self, texts: Iterable[object]) -> np.ndarray:
        return np.asarray(normalise_texts(texts, self.lemmatize, self.batch_size), dtype=object)


_RUN = re.compile(r"\S+")  # spaCy's tokenizer splits on whitespace (str.isspace) first, then each run alone


@lru_cache(maxsize=2**17)
def _run_tokens(run: str, lemmatize: bool = True) -> tuple[tuple[int, int, str], ...]:
    """(offset, length, normalised form) of the tokens :func:`normalise_texts` keeps in one run of
    lower-case text without whitespace (a word with its punctuation: "calls.", "son's").

    spaCy tokenizes each whitespace-separated run on its own (prefixes, suffixes, infixes and special
    cases never cross whitespace), and whether a token is kept and its lemma depend on its text
    alone; so a text's tokens are its runs' tokens, and words recur, so each run is read once.
    """
    found = blank_english(lemmatize).tokenizer(run).to_array(_TOKEN_ATTRIBUTES)
    kept = found[found[:, 2:].sum(axis=1) == 0, :2].tolist()
    lemma = lookup_lemma if lemmatize else str
    return tuple((start, length, lemma(run[start : start + length])) for start, length in kept)


def lemma_tokens(text: str, lemmatize: bool = True) -> list[tuple[str, str]]:
    """(word as written, its normalised form) for the words :func:`normalise_texts` keeps, in order.

    Lets an explanation name the words of the text ("kept changing") behind a feature ("keep change").
    """
    lowered = text.lower()
    if len(lowered) == len(text):  # almost always: read the written form at the same offsets
        return [
            (text[run.start() + start : run.start() + start + length], lemma)
            for run in _RUN.finditer(lowered)
            for start, length, lemma in _run_tokens(run.group(), lemmatize)
        ]
    tokenizer = blank_english(lemmatize).tokenizer
    lemma = lookup_lemma if lemmatize else str
    return [  # lower-casing changed the length (a few non-English letters): tokenise both
        (original.text, lemma(token.text))
        for original, token in zip(tokenizer(text), tokenizer(lowered), strict=True)
        if _keep(token)
    ]
