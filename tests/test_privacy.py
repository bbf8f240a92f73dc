import pytest

from pipeline.privacy import mask, redact


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("Please email jo.bloggs+1@example.co.uk today", "[EMAIL]"),
        ("Call me on 07700 900123", "[PHONE]"),
        ("Landline (01632) 960456 after six", "[PHONE]"),
        ("Call +44 7700 900123", "[PHONE]"),
        ("We live at EB3 8QC now", "[POSTCODE]"),
        ("The family moved to 14 Elm Road last year", "[ADDRESS]"),
        ("Her DOB 04/08/2007 is on file", "[DOB]"),
        ("date of birth: 4 August 2007", "[DOB]"),
        ("Case reference CS-123456 refers", "[CASE_REF]"),
        ("case number 4455667", "[CASE_REF]"),
        ("Mrs Agnieszka Kowalski rang", "[NAME]"),
        ("Spoke to Mr Patel yesterday", "[NAME]"),
        ("Met on 3 March 2014", "[DATE]"),
    ],
)
def test_each_kind_of_identifier_is_redacted(text: str, placeholder: str):
    redacted = redact(text)
    assert placeholder in redacted
    assert not any(ch.isdigit() for ch in redacted.replace(placeholder, "")) or placeholder == "[NAME]"


def test_plain_complaint_words_survive():
    text = "The social worker did not arrange transport to contact for three weeks."
    assert redact(text) == text


def test_mask_uses_single_tokens():
    assert mask("Ring 07700 900123").split() == ["Ring", "xxphone"]
