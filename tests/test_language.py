import numpy as np

from pipeline.language import IdentifierMasker, LemmaNormaliser, _keep, blank_english, normalise_texts


def test_lemmas_are_lower_case_and_punctuation_goes():
    assert normalise_texts(["Social workers kept changing, and the children were crying!"]) == [
        "social worker keep change and the child be cry"
    ]


def test_missing_text_becomes_empty_and_rows_line_up():
    assert normalise_texts(["Late.", None, float("nan"), ""]) == ["late", "", "", ""]


def test_lemmatisation_can_be_switched_off():
    assert normalise_texts(["Workers kept changing"], lemmatize=False) == ["workers kept changing"]


def test_normaliser_is_a_stateless_sklearn_step():
    step = LemmaNormaliser()
    out = step.fit_transform(np.array(["Visits were missed"], dtype=object))
    assert out.tolist() == ["visit be miss"]
    assert step.get_params() == {"lemmatize": True, "batch_size": 512}


def test_identifiers_become_placeholders():
    masker = IdentifierMasker(patterns=True, names=False).fit(["x"])
    [text] = masker.transform(["Call Mrs Jane Smith on 07700 900123 or jane@example.com, EB3 8QC."])
    assert text.split() == ["Call", "Mrs", "xxname", "on", "xxphone", "or", "xxemail", ",", "xxpostcode", "."]


def test_names_are_words_never_written_in_lower_case():
    training = ["Tyler said the taxi was late.", "The taxi never came for Tyler.", "The contact was cancelled."]
    masker = IdentifierMasker(patterns=False, names=True).fit(training)
    [text] = masker.transform(["Taxi late again, Kowalski says Tyler missed Contact."])
    assert text == "Taxi late again, xxname says xxname missed Contact."


def test_an_unknown_name_keeps_its_possessive_as_the_redactor_keeps_it():
    masker = IdentifierMasker(patterns=True, names=True).fit(["The social worker never came.", "The worker was late."])
    [unknown, listed] = masker.transform(["Philippa's worker never came.", "Sarah's worker never came."])
    # The same tokens once read (the redactor pads its placeholder with spaces): "xxname", "'s", "worker"...
    assert normalise_texts([unknown]) == normalise_texts([listed]) and unknown.startswith("xxname's")


def test_names_inside_email_addresses_do_not_count_as_lower_case_words():
    masker = IdentifierMasker(patterns=True, names=True).fit(["Email tyler.smith@example.com", "Tyler missed contact"])
    assert "tyler" not in masker.lowercase_words_
    [text] = masker.transform(["Tyler Smith rang"])
    assert text.split() == ["xxname", "rang"]  # one placeholder for the whole name


def test_fast_lemmas_equal_spacys_lookup_lemmatizer():
    texts = ["The social workers kept changing and nobody has rung back.", "I don't know why they're late!!"]
    nlp = blank_english(True)
    expected = [" ".join(t.lemma_ for t in doc if _keep(t)) for doc in nlp.pipe(text.lower() for text in texts)]
    assert normalise_texts(texts) == expected
    assert normalise_texts(texts)[0] == "the social worker keep change and nobody have ring back"


def test_lemma_tokens_pair_each_written_word_with_its_lemma():
    from pipeline.language import lemma_tokens

    text = "Social Workers kept CHANGING, £300 & 3 visits!"
    assert lemma_tokens(text) == [
        ("Social", "social"),
        ("Workers", "worker"),
        ("kept", "keep"),
        ("CHANGING", "change"),
        ("visits", "visit"),
    ]
    assert " ".join(lemma for _, lemma in lemma_tokens(text)) == normalise_texts([text])[0]


def test_texts_read_a_run_at_a_time_give_spacys_tokens_and_lemmas_on_the_sample():
    from pathlib import Path

    import pandas as pd

    from pipeline.language import lemma_tokens

    sample = Path(__file__).resolve().parents[1] / "data/sample/complaints.csv"
    texts = pd.read_csv(sample, dtype=str)["description"].dropna().tolist()[:200]
    texts += [
        "Don't  won't can't\tI'm 3rd-party e-mail U.S.A. etc. 12:30pm £50 (see: www.x.com) \"quoted\"... it's 5km!!",
        "a\u00a0b\n\nc  d -- gonna o'clock Mr. Mrs. y'all",
    ]
    nlp = blank_english(True)  # the whole spaCy pipeline on each whole text: tokenizer, then lookup lemmatizer
    docs = list(nlp.pipe(text.lower() for text in texts))
    assert normalise_texts(texts) == [" ".join(t.lemma_ for t in doc if _keep(t)) for doc in docs]
    assert [lemma_tokens(text) for text in texts] == [
        [(text[t.idx : t.idx + len(t)], t.lemma_) for t in doc if _keep(t)]
        for text, doc in zip(texts, docs, strict=True)
    ]
