import numpy as np
import pandas as pd

from pipeline.language import IdentifierMasker, normalise_texts
from pipeline.modelling.features import build_text_features

TEXTS = pd.DataFrame(
    {
        "description": [
            "Transport to contact was not arranged.",
            "The social worker was rude to me.",
            "Transport was late again.",
            "The worker was rude on the phone.",
        ],
        "team": ["Looked After Children", "Family Support", "Fostering", "Adoption"],
    }
)


def test_only_the_description_column_becomes_features(params):
    features = build_text_features(params.features, params.text).fit(TEXTS)
    other_team = TEXTS.assign(team="Leaving Care")
    assert (features.transform(TEXTS) != features.transform(other_team)).nnz == 0


def test_pre_normalised_path_gives_the_same_features(params):
    full = build_text_features(params.features, params.text).fit_transform(TEXTS)
    masked = IdentifierMasker(params.text.mask_identifiers, params.text.mask_names).fit_transform(TEXTS["description"])
    pre = pd.DataFrame({"description": normalise_texts(masked, params.text.lemmatize)})
    fast = build_text_features(params.features, params.text, normalise=False).fit_transform(pre)
    assert (full != fast).nnz == 0


def test_cached_char_counting_equals_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.modelling.features import CharTfidfVectorizer, CharWbNgrams

    texts = ["transport to contact be late", "late late late", "", "a b aaaa", "social worker be rude to i"]
    ours = CharTfidfVectorizer(analyzer=CharWbNgrams((2, 5)), min_df=1, sublinear_tf=True, dtype=np.float32)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1, sublinear_tf=True, dtype=np.float32)
    ours.fit(texts[:2] + texts[3:])
    reference.fit(texts[:2] + texts[3:])
    assert ours.vocabulary_ == reference.vocabulary_
    unseen = [*texts, "contact zzz transport", "zzz"]
    expected = reference.transform(unseen)
    for _ in range(2):  # the second pass reads the word cache
        got = ours.transform(unseen)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-6)


def test_cached_char_fitting_equals_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.modelling.features import CharTfidfVectorizer, CharWbNgrams

    texts = ["transport to contact be late", "late late late", "", "a b aaaa", "social worker be rude to i"] * 2
    for limits in ({"min_df": 1}, {"min_df": 2, "max_features": 20}):
        ours = CharTfidfVectorizer(analyzer=CharWbNgrams((2, 5)), sublinear_tf=True, dtype=np.float32, **limits)
        reference = TfidfVectorizer(analyzer=CharWbNgrams((2, 5)), sublinear_tf=True, dtype=np.float32, **limits)
        got, expected = ours.fit_transform(texts), reference.fit_transform(texts)
        assert ours.vocabulary_ == reference.vocabulary_
        np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-6)


def test_fitted_features_save_their_vocabulary_as_an_array_and_load_the_same(params):
    import pickle

    import skops.io

    from pipeline.lifecycle.tracking import TRUSTED_TYPES

    features = build_text_features(params.features, params.text).fit(TEXTS)
    text = features.named_transformers_["text"].named_steps["tfidf"]
    for _, vectoriser in text.transformer_list:
        state = vectoriser.__getstate__()
        assert "vocabulary_" not in state and len(state["vocabulary_terms_"]) == len(vectoriser.vocabulary_)
    unseen = TEXTS.assign(description=["Contact was late and the worker rude.", "", "zzz", "Transport!"])
    for loaded in (
        pickle.loads(pickle.dumps(features)),
        skops.io.loads(skops.io.dumps(features), trusted=TRUSTED_TYPES),
    ):
        for (_, before), (_, after) in zip(
            text.transformer_list, loaded.named_transformers_["text"].named_steps["tfidf"].transformer_list, strict=True
        ):
            assert after.vocabulary_ == before.vocabulary_
        assert (loaded.transform(unseen) != features.transform(unseen)).nnz == 0


def test_the_saved_features_mask_with_the_case_reference_formats_they_were_trained_with(params):
    import dataclasses
    import pickle

    from pipeline.modelling.model import build_category_model

    configured = dataclasses.replace(
        params, privacy=dataclasses.replace(params.privacy, case_ref_patterns=(r"\bXY/\d{3}\b",))
    )
    model = build_category_model(configured, 1.0, None, "sigmoid", 2)
    maskers = [step for _, step in _steps(model) if isinstance(step, IdentifierMasker)]
    assert maskers and all(m.case_ref_patterns == (r"\bXY/\d{3}\b",) for m in maskers)
    masker = pickle.loads(pickle.dumps(maskers[0].fit(TEXTS["description"])))
    assert "xxcaseref" in masker.transform(["Please quote XY/123 in letters"])[0]
    assert "XY/123" in IdentifierMasker(names=False).fit(["x"]).transform(["Please quote XY/123 in letters"])[0]


def _steps(estimator):
    """Every (name, step) inside nested pipelines and column transformers."""
    children = getattr(estimator, "steps", None) or getattr(estimator, "transformers", None) or []
    for name, step, *_ in children:
        yield name, step
        yield from _steps(step)


def test_a_masker_saved_before_case_reference_formats_loads_with_the_built_in_ones():
    import pickle

    old = IdentifierMasker(names=False).fit(["x"])
    del old.case_ref_patterns  # as pickled by the version without the parameter
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.get_params()["case_ref_patterns"] == ()
    assert "xxcaseref" in loaded.transform(["file CSC-110001 open"])[0]
