"""Explanations name words that are in the text, never identifiers; themes follow their words."""

import pandas as pd
import pytest

from pipeline.modelling.explain import explainer_for

pytestmark = pytest.mark.slow
TEXT = (
    "Mrs Agnieszka Kowalski rang on 07700 900123. The social worker was rude, shouted at her and was "
    "dismissive, and the transport to contact was cancelled again."
)


def words_of(text: str) -> set[str]:
    return {word.strip(".,").lower() for word in text.split()}


def test_category_explanation_names_words_in_the_text(trained_sample):
    _, trained = trained_sample
    explainer = explainer_for(trained.model)
    staff = list(trained.classes).index("Staff Attitude/Conduct")
    terms = explainer.explain(TEXT, staff, top_n=5)
    assert terms and all(term.weight > 0 for term in terms)
    for term in terms:
        assert set(term.text.lower().split()) <= words_of(TEXT), term
    shown = " ".join(term.text.lower() for term in terms)
    assert "kowalski" not in shown and "07700" not in shown and "agnieszka" not in shown
    assert any(word in shown for word in ("rude", "shouted", "dismissive"))


def test_theme_explanation_names_words_in_the_text(trained_themes):
    data, trained = trained_themes
    explainer = explainer_for(trained.model)
    terms = explainer.explain(TEXT, data.theme_ids.index("contact_arrangements"), top_n=5)
    assert terms and all(set(t.text.lower().split()) <= words_of(TEXT) for t in terms)
    assert any("contact" in t.text.lower() or "transport" in t.text.lower() for t in terms)


def test_removing_the_words_a_theme_relies_on_removes_the_theme(trained_themes):
    data, trained = trained_themes
    column = data.theme_ids.index("contact_arrangements")
    with_words = "The taxi for the contact session did not come and transport to contact was cancelled again."
    without = "The car for the meeting did not come and the meeting was cancelled again."
    probabilities, predicted = trained.predict(pd.DataFrame({"description": [with_words, without]}))
    assert predicted[0, column] and probabilities[1, column] < probabilities[0, column] / 2


def test_a_refitted_model_gets_a_new_explainer(tiny_category_model, tiny_training_frame):
    import copy

    from pipeline.modelling.explain import explainer_for

    model = copy.deepcopy(tiny_category_model)
    first = explainer_for(model)
    assert explainer_for(model) is first
    model.fit(tiny_training_frame[["description"]], tiny_training_frame["category"].to_numpy())
    assert explainer_for(model) is not first


def test_explanations_never_show_an_identifier_of_the_text(trained_sample):
    _, trained = trained_sample
    explainer = explainer_for(trained.model)
    text = (
        "My son alfie-james okafor (NHS 999 000 0018, NI QQ123456C) lives at 14 Elm Road, ls1 4ap, and "
        "Mr Kowalczyk on 0113 496 0456 said case CSC-110001 was closed. The social worker was rude and dismissive."
    )
    identifiers = {"alfie", "james", "okafor", "999", "0018", "qq123456c", "14", "elm", "ls1", "4ap"}
    identifiers |= {"kowalczyk", "0113", "496", "0456", "csc", "110001"}
    for output in range(len(trained.classes)):
        shown = {word for term in explainer.explain(text, output, top_n=10) for word in term.text.lower().split()}
        assert not shown & identifiers, shown & identifiers


# The per-row explanation before the batch was explained by sparse products, kept here only as the
# reference the batch must reproduce (words and order identical, contributions equal to rounding).
def reference_explanations(explainer, reading, outputs, top_n):
    import numpy as np

    from pipeline.modelling.explain import _readable, _SurfaceForms
    from pipeline.modelling.features import ngram_columns

    reader, n_words = explainer.reader, len(explainer.reader.word_names)

    def char_features(lemma):
        return np.unique(ngram_columns(lemma, reader.char_ngrams, reader.char_vocabulary)) + n_words

    def attribution(indices, tokens):
        term_ids = {}
        occurrence_terms = np.array([term_ids.setdefault(lemma, len(term_ids)) for _, lemma in tokens])
        per_occurrence = [char_features(lemma) for _, lemma in tokens]
        features = np.concatenate(per_occurrence)
        owners = np.repeat(occurrence_terms, [len(found) for found in per_occurrence])
        columns = np.searchsorted(indices, features).clip(max=len(indices) - 1)
        present = indices[columns] == features
        columns, owners = columns[present], owners[present]
        holders = np.bincount(columns, minlength=len(indices))
        word_columns = np.flatnonzero(indices < n_words)
        word_terms = [term_ids.setdefault(name, len(term_ids)) for name in reader.word_names[indices[word_columns]]]
        pairs = (np.concatenate([owners, word_terms]).astype(np.int64), np.concatenate([columns, word_columns]))
        shares = np.concatenate([1.0 / holders[columns], np.ones(len(word_columns))])
        return list(term_ids), pairs, shares

    explained = []
    for position, (tokens, wanted) in enumerate(zip(reading.tokens, outputs, strict=True)):
        span = slice(reading.tfidf.indptr[position], reading.tfidf.indptr[position + 1])
        indices, values = reading.tfidf.indices[span], reading.tfidf.data[span]
        if not tokens or not len(wanted) or not len(indices):
            explained.append([[] for _ in wanted])
            continue
        terms, owners, shares = attribution(indices, tokens)
        by_feature = values[:, None] * explainer.weights[np.asarray(wanted)][:, indices].T
        surface = _SurfaceForms(tokens)
        row = []
        for column in range(len(wanted)):
            totals = np.bincount(owners[0], by_feature[owners[1], column] * shares, minlength=len(terms))
            found = []
            for term in np.argsort(-totals, kind="stable"):
                if totals[term] <= 0 or len(found) == top_n:
                    break
                if terms[term] in surface and _readable(terms[term]):
                    found.append((surface[terms[term]], float(totals[term])))
            row.append(found)
        explained.append(row)
    return explained


def assert_same_explanations(batch, reference):
    assert [[[term.text for term in terms] for terms in row] for row in batch] == [
        [[text for text, _ in terms] for terms in row] for row in reference
    ]
    weights = [term.weight for row in batch for terms in row for term in terms]
    expected = [weight for row in reference for terms in row for _, weight in terms]
    assert weights == pytest.approx(expected, rel=1e-9, abs=1e-12)


def sample_texts(n=150):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "data/sample/complaints.csv"
    return pd.read_csv(sample, dtype=str)["description"].dropna().tolist()[:n]


def test_batch_explanations_of_categories_are_the_per_row_explanations_on_the_sample(trained_sample):
    _, trained = trained_sample
    explainer = explainer_for(trained.model)
    reading = explainer.reader.read(sample_texts() + ["", "42 !!", "Mrs Kowalski rang. Rang again, rang again."])
    outputs = [list(range(len(trained.classes)))[:3] for _ in reading.tokens]  # three categories each
    outputs[5] = []
    assert_same_explanations(
        explainer.explain_batch(reading, outputs, 5), reference_explanations(explainer, reading, outputs, 5)
    )


def test_batch_explanations_of_themes_are_the_per_row_explanations_on_the_sample(trained_themes):
    data, trained = trained_themes
    explainer = explainer_for(trained.model)
    reading = explainer.reader.read(sample_texts())
    outputs = [[(row + k) % len(data.theme_ids) for k in range(row % 4)] for row in range(len(reading.tokens))]
    assert_same_explanations(
        explainer.explain_batch(reading, outputs, 8), reference_explanations(explainer, reading, outputs, 8)
    )


def test_a_batch_explained_a_slice_at_a_time_is_explained_the_same(trained_sample, monkeypatch):
    from pipeline.modelling import explain

    _, trained = trained_sample
    explainer = explainer_for(trained.model)
    reading = explainer.reader.read(sample_texts(100))
    outputs = [[row % len(trained.classes)] for row in range(len(reading.tokens))]
    whole = explainer.explain_batch(reading, outputs, 5)
    monkeypatch.setattr(explain, "EXPLAIN_ROWS", 30)
    assert explainer.explain_batch(explainer.reader.read(sample_texts(100)), outputs, 5) == whole
