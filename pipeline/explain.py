"""Why a model suggested a category or theme: the words and phrases that pushed it there.

A linear model's score is a sum of weight times feature value, so each TF-IDF feature's
contribution is exact. Word and two-word features map straight to phrases; character n-gram
contributions are shared out among the words that contain them. Contributions are computed on the
masked text, so an explanation never names a person, phone number or address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from pipeline.model import linear_weights
from pipeline.text import lemma_tokens

PLACEHOLDER_PREFIX = "xx"


@dataclass(frozen=True)
class Term:
    text: str  # as written in the (masked) complaint
    weight: float  # contribution to the score; positive pushes towards the output


class Explainer:
    """Built once per fitted model (text features -> linear head); ``explain`` is then per text."""

    def __init__(self, model: Any):
        features = model.named_steps["features"]
        text_pipeline = features.named_transformers_["text"]
        self.masker = text_pipeline.named_steps["mask"]
        self.normaliser = text_pipeline.named_steps["normalise"]
        self.vectorisers = text_pipeline.named_steps["tfidf"]
        word, char = (vectoriser for _, vectoriser in self.vectorisers.transformer_list)
        self.word_names = word.get_feature_names_out()
        self.char_names = char.get_feature_names_out()
        self.char_range = char.ngram_range
        # Only the TF-IDF columns (first in the matrix) map to words; embedding columns, when
        # switched on, also move the score but name no word, so explanations leave them out.
        n_tfidf = len(self.word_names) + len(self.char_names)
        self.weights = linear_weights(model.named_steps["classifier"])[:, :n_tfidf]

    def explain(self, text: str, output: int, top_n: int = 5) -> list[Term]:
        """The ``top_n`` terms of ``text`` that most raise output ``output`` (a category or theme index)."""
        [masked] = self.masker.transform([text])
        tokens = lemma_tokens(masked, self.normaliser.lemmatize)
        if not tokens:
            return []
        normalised = " ".join(lemma for _, lemma in tokens)
        row = self.vectorisers.transform([normalised]).tocsr()
        contributions = row.multiply(self.weights[output]).tocsr()
        by_lemma: dict[str, float] = defaultdict(float)
        n_word = len(self.word_names)
        for index, value in zip(contributions.indices, contributions.data, strict=True):
            if index < n_word:
                by_lemma[self.word_names[index]] += value
            else:
                self._share_char_ngram(self.char_names[index - n_word], value, tokens, by_lemma)
        surface = _surface_forms(tokens)
        terms = [
            Term(surface[lemma], float(weight))
            for lemma, weight in by_lemma.items()
            if weight > 0 and lemma in surface and _readable(lemma)
        ]
        return sorted(terms, key=lambda term: -term.weight)[:top_n]

    @staticmethod
    def _share_char_ngram(ngram: str, value: float, tokens: list[tuple[str, str]], by_lemma: dict) -> None:
        # char_wb n-grams are taken from each word padded with spaces: share among the words holding it.
        holders = [lemma for _, lemma in tokens if ngram in f" {lemma} "]
        for lemma in holders:
            by_lemma[lemma] += value / len(holders)


def _readable(lemma: str) -> bool:
    """Worth showing: no stop word at either end ("and her", "the social"), no masked identifier."""
    parts = lemma.split()
    return (
        parts[0] not in STOP_WORDS
        and parts[-1] not in STOP_WORDS
        and not any(part.startswith(PLACEHOLDER_PREFIX) for part in parts)
    )


def _surface_forms(tokens: list[tuple[str, str]]) -> dict[str, str]:
    """Normalised word or two-word phrase -> how the text writes it (first occurrence)."""
    forms: dict[str, str] = {}
    for index, (written, lemma) in enumerate(tokens):
        forms.setdefault(lemma, written)
        if index + 1 < len(tokens):
            next_written, next_lemma = tokens[index + 1]
            forms.setdefault(f"{lemma} {next_lemma}", f"{written} {next_written}")
    return forms
