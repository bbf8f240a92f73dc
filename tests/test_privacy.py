"""The one redactor: each kind of identifier, placeholders, guard words, the name lists shipped."""

import re

import pytest

from pipeline.config import load_params
from pipeline.privacy import Gazetteer, Redactor, nhs_check_digit_ok


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("text", "placeholder", "gone"),
    [
        ("Please email jo.bloggs+1@example.co.uk today", "[EMAIL]", "bloggs"),
        ("Call me on 07700 900123", "[PHONE]", "900123"),
        ("Landline (01632) 960456 after six", "[PHONE]", "960456"),
        ("Call +44 7700 900123", "[PHONE]", "7700"),
        ("Ring +44 (0)20 7946 0123 or 0113-496-0456", "[PHONE]", "0456"),
        ("We live at EB3 8QC now", "[POSTCODE]", "8QC"),
        ("postcode ls14ap, lower case", "[POSTCODE]", "ls14ap"),
        ("The family moved to 14 Elm Road last year", "[ADDRESS]", "Elm"),
        ("Flat 2, 5 High Street is damp", "[ADDRESS]", "High"),
        ("Her DOB 04/08/2007 is on file", "[DOB]", "2007"),
        ("date of birth: 4 August 2007", "[DOB]", "August"),
        ("he was born on 3rd March 2012 in Leeds", "[DOB]", "March"),
        ("NHS number 999 000 0018 on the letter", "[NHS_NO]", "0018"),
        ("his number is 9990000018", "[NHS_NO]", "9990000018"),
        ("NI number QQ 12 34 56 C", "[NI_NO]", "QQ"),
        ("ni qq123456c", "[NI_NO]", "qq123456c"),
        ("Case reference CSC-110001 refers", "[CASE_REF]", "110001"),
        ("see CP/2014/0123 and ABC123456", "[CASE_REF]", "ABC123456"),
        ("case number 4455667", "[CASE_REF]", "4455667"),
        ("Mrs Agnieszka Kowalski rang", "[NAME_1]", "Kowalski"),
        ("Spoke to Mr Patel yesterday", "[NAME_1]", "Patel"),
        ("my son alfie-james was left waiting", "[NAME_1]", "alfie"),
        ("the social worker julie harding-wright never came", "[NAME_1]", "julie"),
        ("My daughter May has autism", "[NAME_1]", "May"),
        ("Tylers mum rang twice", "[NAME_1]", "Tylers"),
    ],
)
def test_each_kind_of_identifier_becomes_its_placeholder(redactor: Redactor, text: str, placeholder: str, gone: str):
    redacted = redactor.redact(text)
    assert placeholder in redacted
    assert gone not in redacted


def test_the_rest_of_the_sentence_is_kept(redactor: Redactor):
    text = "Mrs Okafor said the social worker did not call 07700 900123 back for three weeks."
    assert redactor.redact(text) == "Mrs [NAME_1] said the social worker did not call [PHONE] back for three weeks."


def test_one_person_keeps_one_number_and_a_surname_alone_takes_it(redactor: Redactor):
    text = "Priya Shah complained. Tyler Smith is her son. Ms Shah says Tyler Smith missed school."
    assert redactor.redact(text) == (
        "[NAME_1] complained. [NAME_2] is her son. Ms [NAME_1] says [NAME_2] missed school."
    )


@pytest.mark.parametrize(
    "text",
    [
        "The social worker did not arrange transport to contact for three weeks.",
        "I'm upset. I've waited since May and nobody came before Christmas or Eid.",
        "Will anyone reply? The Referral and Assessment team and the Family Court both said in March.",
        "Hope is all we have left. Grace periods do not apply to the Council.",
        "We met on 3 March 2014 at the Leaving Care Team office on Monday.",
        "May I ask why the cost rose and who will mark the plan?",
    ],
)
def test_ordinary_words_names_look_like_are_kept(redactor: Redactor, text: str):
    assert redactor.redact(text) == text


def test_a_name_in_the_middle_of_a_sentence_that_is_also_a_word_is_caught(redactor: Redactor):
    assert (
        redactor.redact("I spoke to Rose Wood and her sister Grace.") == "I spoke to [NAME_1] and her sister [NAME_2]."
    )


def test_mask_uses_single_tokens_and_masks_every_date(redactor: Redactor):
    assert redactor.mask("Ring 07700 900123").split() == ["Ring", "xxphone"]
    assert redactor.mask("Met on 3 March 2014 with Mrs Okafor").split() == [
        "Met",
        "on",
        "xxdate",
        "with",
        "Mrs",
        "xxname",
    ]
    assert "xxnhsno" in redactor.mask("NHS 999 000 0018") and "xxnino" in redactor.mask("QQ123456C")


def test_nhs_numbers_need_a_valid_check_digit_without_a_cue(redactor: Redactor):
    assert nhs_check_digit_ok("9990000018") and not nhs_check_digit_ok("9990000019")
    assert redactor.redact("order 999 000 0019 arrived") == "order 999 000 0019 arrived"


def test_a_council_adds_its_own_case_reference_format():
    assert Redactor(case_ref_patterns=[r"\bMOS\d{3}\b"]).redact("file MOS123 open") == "file [CASE_REF] open"
    assert load_params().privacy.case_ref_patterns == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("logged as CC/4821/23 today", "logged as [CASE_REF] today"),
        ("her complaint (CIN-21-3344) is open", "her complaint ([CASE_REF]) is open"),
        ("ref created: CP/22/7781.", "ref created: [CASE_REF]."),
        ("entry STG2/2021/902 noted", "entry [CASE_REF] noted"),
        ("His Mosaic ID, as the school wrote, is 7731904.", "His Mosaic ID, as the school wrote, is [CASE_REF]."),
        ("we live at apartment 4, 19 birch lane, thanks", "we live at [ADDRESS], thanks"),
        ("Flat 2 15 Mount Pleasant, Leeds", "[ADDRESS], Leeds"),
        ("I had my baby on 14.03.2022 at home", "I had my baby on [DOB] at home"),
    ],
)
def test_case_references_addresses_and_births_in_everyday_formats(redactor: Redactor, text: str, expected: str):
    assert redactor.redact(text) == expected


def test_the_name_lists_ship_with_the_package_and_have_a_few_thousand_names():
    lists = Gazetteer.packaged()
    assert len(lists.first) + len(lists.surnames) > 2000
    assert {"tyler", "priya", "okafor", "kowalska"} <= lists.first | lists.surnames
    assert "may" in lists.not_names and "will" in lists.word_names
    assert all(re.fullmatch(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", word) for word in lists.first | lists.surnames)


def test_the_redact_command_keeps_every_row_and_column(tmp_path):
    import pandas as pd

    from pipeline.data import files
    from tests.conftest import run_cli

    frame = pd.DataFrame(
        {
            "ref": ["A1", "A2", "A3"],
            "description": ["Mrs Okafor rang on 07700 900123 about my son Tyler.", "", "Transport was late."],
            "team": ["East", "West", "North"],
        }
    )
    source = files.write_table(frame, tmp_path / "in.csv")
    result = run_cli(["redact", source, "--column", "description", "--out", tmp_path / "out.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    written = files.read_table(tmp_path / "out.csv")
    assert list(written.columns) == ["ref", "description", "team"] and len(written) == 3
    assert written["description"].fillna("").tolist() == [
        "Mrs [NAME_1] rang on [PHONE] about my son [NAME_2].",
        "",
        "Transport was late.",
    ]
    assert written["team"].tolist() == ["East", "West", "North"]
    missing = run_cli(["redact", source, "--column", "text"], tmp_path)
    assert missing.returncode != 0 and "no column 'text'" in missing.stdout + missing.stderr
