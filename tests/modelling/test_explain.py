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
