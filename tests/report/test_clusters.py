import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from pipeline.imports import STOP_WORDS
from pipeline.privacy import Redactor
from pipeline.report import clusters
from pipeline.report.clusters import recurring_issues, split_sentences
from pipeline.report.records import report_records
from tests.conftest import complaint_records

FILLER = [
    "The social worker did not return my calls for weeks.",
    "Nobody told me the meeting had been moved.",
    "The assessment was finished late and full of mistakes.",
    "The worker was rude to my partner during the visit.",
    "I want an apology and a clear plan for the family.",
    "The support that was agreed at the meeting never started.",
]
TRANSPORT = [  # every variant names the child, so every quote of the issue shows the redaction
    "Transport to contact for Tyler was not arranged again this month.",
    "Transport to contact has still not been arranged for Tyler after six weeks.",
    "Nobody arranged transport to contact so Tyler missed the visit.",
]
IDENTIFIERS = {  # each kind, inside a sentence that would otherwise be quoted
    "email": "Transport to contact was not arranged, write to jo.bloggs@example.com about it.",
    "phone": "Transport to contact was not arranged, ring 07700 900123 about it.",
    "postcode": "Transport to contact from EB3 8QC was not arranged again.",
    "address": "Transport to contact from 14 Elm Road was not arranged again.",
    "dob": "Transport to contact for a child born 04/08/2007 was not arranged.",
    "case_ref": "Transport to contact was not arranged, case reference CS-123456.",
}


def _rows(rng, team, count, extra=()):
    rows = []
    for n in range(count):
        sentences = list(rng.choice(FILLER, size=3, replace=False))
        for pool in extra:
            sentences.insert(int(rng.integers(0, 3)), pool[n % len(pool)])
        rows.append({"team": team, "description": " ".join(sentences), "outcome": "Upheld" if n % 2 else "Not Upheld"})
    return rows


@pytest.fixture(scope="module")
def issue_records(params) -> pd.DataFrame:
    """A year with one recurring issue in one team (transport to contact), identifiers and other teams."""
    rng = np.random.default_rng(3)
    rows = _rows(rng, "Looked After Children", 12, extra=[TRANSPORT])
    rows += _rows(rng, "Looked After Children", 6, extra=[list(IDENTIFIERS.values())])
    rows += _rows(rng, "Family Support", 30) + _rows(rng, "Referral & Assessment", 20)
    rows += _rows(rng, "Fostering", 3, extra=[["The passport application for the child was delayed again."]])
    return report_records(complaint_records(rows, params), params.labels, params.report).frame


@pytest.fixture(scope="module")
def issues(issue_records, params):
    return recurring_issues(issue_records, "2013/14", dataclasses.replace(params.report, min_cell=5, max_clusters=8))


def test_a_planted_recurring_issue_surfaces_in_its_team_first(issues):
    team = issues[issues["Team"] == "Looked After Children"]
    top = team.iloc[0]
    assert "transport to contact" in top["Issue"]
    assert top["Complaints"] >= 12 and top["Lift"] > 5 and bool(top["Over-represented"])
    assert top["Upheld or partially upheld"] == pytest.approx(0.5, abs=0.1)
    assert all("ransport to contact" in top[f"Example {n}"] for n in (1, 2))
    assert all("Tyler" not in top[f"Example {n}"] for n in (1, 2))  # quotes may now come from any sentence


def test_quotes_are_redacted_and_sentences_with_identifiers_are_never_quoted(issues):
    quotes = " ".join(issues[[c for c in issues.columns if c.startswith("Example")]].fillna("").to_numpy().ravel())
    assert "Tyler" not in quotes
    for fragment in ("jo.bloggs", "07700", "EB3", "Elm Road", "2007", "CS-123456"):
        assert fragment not in quotes


def test_no_issue_or_quote_comes_from_a_small_cell(issues):
    assert (issues["Complaints"] >= 5).all()
    assert "Fostering" not in set(issues["Team"])  # its passport issue has 3 complaints
    assert not issues["Issue"].str.contains("passport").any()


def test_split_sentences_drops_short_sentences_and_redacts_the_rest():
    sentences = split_sentences(
        pd.Series(["Too short. Kai was not told about the move! Ring me on 07700 900123 today."]), Redactor()
    )
    assert sentences.redacted == ["[NAME_1] was not told about the move!", "Ring me on [PHONE] today."]
    assert sentences.complaint.tolist() == [0, 0]


def test_a_name_typed_in_lower_case_is_still_redacted():
    texts = pd.Series(["Please tell tyler about the visit today."])
    assert split_sentences(texts, Redactor()).redacted == ["Please tell [NAME_1] about the visit today."]


def test_identifiers_in_a_quote_are_replaced_and_the_sentence_is_kept():
    sentences = split_sentences(
        pd.Series(
            [
                "She was taken into care in 2012 by the team. SARAH JONES was never told about the move. "
                "Our reference is 88123 for the file. Her date of birth is 2007-08-04 as recorded. "
                "The social worker never called back."
            ]
        ),
        Redactor(),
    )
    assert sentences.redacted == [
        "She was taken into care in 2012 by the team.",
        "[NAME_1] was never told about the move.",
        "Our reference is [CASE_REF] for the file.",
        "Her date of birth is [DOB] as recorded.",
        "The social worker never called back.",
    ]


def test_an_issue_raised_by_few_complaints_of_a_large_team_is_not_shown(params):
    rng = np.random.default_rng(5)
    rows = _rows(rng, "Family Support", 40, extra=[["The passport application for the child was delayed again."]])
    rows = rows[:4] + _rows(rng, "Family Support", 36)  # only 4 of its 40 complaints raise the passport
    rows += _rows(rng, "Fostering", 30)
    records = report_records(complaint_records(rows, params), params.labels, params.report).frame
    found = recurring_issues(records, "2013/14", dataclasses.replace(params.report, min_cell=5, max_clusters=6))
    assert (found["Team"] == "Family Support").any()
    text = " ".join(found.drop(columns=["Team"]).fillna("").astype(str).to_numpy().ravel())
    assert "passport" not in text


def test_issue_names_are_readable_phrases_not_token_pairs(issues):
    for name in issues["Issue"]:
        words = name.split()
        assert " / " not in name and 1 <= len(words) <= 4
        assert words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS


def test_every_quote_is_among_its_groups_sentences_nearest_the_centre(issues, issue_records, params):
    config = dataclasses.replace(params.report, min_cell=5, max_clusters=8)
    records = issue_records
    sentences = split_sentences(records["description"], Redactor())
    labels, _, features, centres = clusters._group(sentences, config.max_clusters)
    teams = records["team"].astype(str).to_numpy()[sentences.complaint]
    near = {}  # each group's sentences in the nearer half to its centre
    for group in set(labels[labels >= 0]):
        members = np.flatnonzero(labels == group)
        closeness = np.asarray(features[members] @ centres[group]).ravel()
        near[group] = set(members[closeness >= np.median(closeness)])

    def _near_in_team(index: int) -> bool:
        """Nearer half of the team's own sentences in the group (when none of them is in the group's)."""
        members = np.flatnonzero((labels == labels[index]) & (teams == teams[index]))
        closeness = np.asarray(features[members] @ centres[labels[index]]).ravel()
        return closeness[list(members).index(index)] >= np.median(closeness)

    for _, row in issues.iterrows():
        quotes = [row[c] for c in issues.columns if c.startswith("Example") and isinstance(row[c], str)]
        assert quotes
        groups = []
        for quote in quotes:  # the team's sentences reading so (the same words may be in several complaints)
            written = [i for i, text in enumerate(sentences.redacted) if text == quote and teams[i] == row["Team"]]
            groups.append({labels[i] for i in written if i in near.get(labels[i], ()) or _near_in_team(i)})
        assert set.intersection(*groups)  # one group holds every quote, among its sentences nearest its centre


def test_an_issue_is_compared_with_the_year_before(params):
    rng = np.random.default_rng(7)
    now = _rows(rng, "Looked After Children", 20, extra=[TRANSPORT]) + _rows(rng, "Family Support", 30)
    before = _rows(rng, "Looked After Children", 20) + _rows(rng, "Family Support", 30)
    for row in before:
        row["date_received"] = "2012-09-01"
    records = report_records(complaint_records(now + before, params), params.labels, params.report).frame
    config = dataclasses.replace(params.report, min_cell=5, max_clusters=8)
    found = recurring_issues(records, "2013/14", config, compare_to="2012/13")
    transport = found[found["Issue"].str.contains("transport")].iloc[0]
    assert transport["Complaints before"] == 0 and transport["Team complaints before"] >= 15  # duplicates dropped
    assert transport["Trend"] == "new"


def test_the_configured_case_reference_formats_reach_the_quotes(params):
    # XY/123 is no built-in format: only privacy.case_ref_patterns makes the report's quotes redact it.
    rng = np.random.default_rng(3)
    quoted = [f"Transport to contact was not arranged for case XY/{n:03d} again." for n in range(1, 4)]
    rows = _rows(rng, "Looked After Children", 12, extra=[quoted]) + _rows(rng, "Family Support", 30)
    records = report_records(complaint_records(rows, params), params.labels, params.report).frame
    config = dataclasses.replace(params.report, min_cell=5, max_clusters=6)

    def quotes(redactor):
        found = recurring_issues(records, "2013/14", config, redactor=redactor)
        return " ".join(found.filter(like="Example").fillna("").astype(str).to_numpy().ravel())

    assert "XY/00" in quotes(None)
    configured = quotes(Redactor([r"\bXY/\d{3}\b"]))
    assert "[CASE_REF]" in configured and "XY/00" not in configured


def test_the_report_of_validated_records_redacts_with_the_configured_formats(params):
    from pipeline.report.build import Suggestions, build_report_from_records

    rng = np.random.default_rng(3)
    quoted = [f"Transport to contact was not arranged for case XY/{n:03d} again." for n in range(1, 4)]
    rows = _rows(rng, "Looked After Children", 12, extra=[quoted]) + _rows(rng, "Family Support", 30)
    frame = complaint_records(rows, params)
    configured = dataclasses.replace(
        params, privacy=dataclasses.replace(params.privacy, case_ref_patterns=[r"\bXY/\d{3}\b"])
    )
    settings = dataclasses.replace(params.report, min_cell=5, max_clusters=6)
    issues = build_report_from_records(frame, configured, settings, Suggestions(), None, None).issues
    text = " ".join(issues.filter(like="Example").fillna("").astype(str).to_numpy().ravel())
    assert "[CASE_REF]" in text and "XY/00" not in text


def test_a_word_spread_over_every_subject_weighs_nothing_and_an_issues_word_weighs_most():
    # 40 complaints in two categories, one sentence each: "email" in every fourth complaint of either
    # category (boilerplate), "taxi" in ten complaints of the first (an issue), "visit" in two of the first (too few to tell).
    categories = np.repeat([0, 1], 20)
    words = {"email": np.arange(40) % 4 == 0, "taxi": np.arange(40) < 10, "visit": np.isin(np.arange(40), [0, 1])}
    features = sparse.csr_matrix(np.column_stack(list(words.values())).astype(float))
    subjects = sparse.csr_matrix(np.column_stack([categories == 0, categories == 1]).astype(float))
    weights = dict(zip(words, clusters._specificity(features, np.arange(40), subjects), strict=True))
    assert weights["email"] == pytest.approx(0, abs=1e-9)
    assert weights["taxi"] > 5 * weights["visit"] > 0
