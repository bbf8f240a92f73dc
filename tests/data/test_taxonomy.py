"""The themes file: validation with clear errors, and seed patterns matched on lemmatised text."""

import copy

import pytest
import yaml

from pipeline.data.taxonomy import TaxonomyError, ThemeMatcher, taxonomy_from_dict
from tests.conftest import REPO

GOOD = {
    "version": 1,
    "themes": [
        {
            "id": "worker_change",
            "name": "Worker change",
            "definition": "d",
            "patterns": [
                "change of social worker",
                "social worker keep change",
                [{"LOWER": {"IN": ["third", "fifth"]}}, {"LEMMA": "social", "OP": "?"}, {"LEMMA": "worker"}],
            ],
        },
        {
            "id": "communication",
            "name": "Communication",
            "definition": "d",
            "patterns": ["no one return my call", [{"LEMMA": "call"}, {"LOWER": "unanswered"}]],
        },
    ],
}


@pytest.fixture(scope="module")
def matcher() -> ThemeMatcher:
    return ThemeMatcher(taxonomy_from_dict(GOOD))


def test_repository_taxonomy_holds_the_domain_themes():
    taxonomy = taxonomy_from_dict(yaml.safe_load((REPO / "themes.yaml").read_text()), "themes.yaml")
    assert len(taxonomy.ids) == 17 and "contact_arrangements" in taxonomy.ids
    assert all(theme.patterns for theme in taxonomy.themes)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("The social workers kept changing all year.", "worker_change"),
        ("There have been three changes of social workers.", "worker_change"),
        ("This is the fifth social worker in a year.", "worker_change"),
        ("No one returned my calls for weeks.", "communication"),
        ("My calls unanswered again.", "communication"),
    ],
)
def test_patterns_match_lemmatised_text(matcher, text, theme):
    assert theme in matcher.match([text])[0]


def test_matches_report_the_words_found(matcher):
    [found] = matcher.match(["The social workers kept changing and no one returned my calls."])
    assert found == {"worker_change": ["social workers kept changing"], "communication": ["no one returned my calls"]}


def test_unrelated_text_matches_nothing(matcher):
    assert matcher.match(["The placement was a good match.", None, ""]) == [{}, {}, {}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["themes"].append(dict(raw["themes"][0])), "duplicate id 'worker_change'"),
        (lambda raw: raw["themes"][0].update(id="Worker Change"), "must be lower case"),
        (lambda raw: raw["themes"][0].pop("definition"), "missing definition"),
        (lambda raw: raw["themes"][0]["patterns"].append([{"LEMA": "x"}]), "token pattern 2"),
        (lambda raw: raw["themes"][0]["patterns"].append(42), "neither a phrase nor"),
        (lambda raw: raw.pop("version"), "add a 'version:'"),
        (lambda raw: raw["themes"][0].update(colour="red"), "unknown key"),
        (
            lambda raw: raw["themes"][1]["patterns"].append([{"LEMMA": {"IN": ["not", False]}}]),
            "put such words in quotes",
        ),
    ],
)
def test_bad_taxonomies_say_what_is_wrong(change, message):
    raw = copy.deepcopy(GOOD)
    change(raw)
    with pytest.raises(TaxonomyError, match=message):
        taxonomy_from_dict(raw, "themes.yaml")


def test_token_patterns_matched_in_windows_find_what_the_whole_text_does():
    import pandas as pd

    matcher = ThemeMatcher(taxonomy_from_dict(yaml.safe_load((REPO / "themes.yaml").read_text(encoding="utf-8"))))

    texts = pd.read_csv(REPO / "data/sample/complaints.csv", dtype=str)["description"].dropna().tolist()[:300]
    texts += ["Nobody told me. My calls went unanswered, not returned my call; a third social worker; waited 3 weeks"]
    assert matcher.anchors is not None  # the repository's patterns all have a required word: windows are used
    docs = list(matcher.nlp.pipe(text.lower() for text in texts))
    assert [matcher._token_matches(doc) for doc in docs] == [list(matcher.tokens(doc)) for doc in docs]
    assert any(matcher._token_matches(doc) for doc in docs)


def test_the_matchers_docs_carry_the_lemmas_spacys_lemmatizer_gives():
    import pandas as pd

    matcher = ThemeMatcher(taxonomy_from_dict(GOOD))
    texts = pd.read_csv(REPO / "data/sample/complaints.csv", dtype=str)["description"].dropna().tolist()[:200]
    texts += ["we weren't told, didn't ring; he's gone & can't cope... children's services' letters", ""]
    lowered = [text.lower() for text in texts]
    ours = [[(token.text, token.lemma_) for token in doc] for doc in matcher.docs(lowered)]
    spacys = [[(token.text, token.lemma_) for token in doc] for doc in matcher.nlp.pipe(lowered)]
    assert ours == spacys and any(text != lemma for doc in ours for text, lemma in doc)


def test_a_token_pattern_without_a_required_word_is_matched_on_the_whole_text():
    raw = {"version": "1", "themes": [{"id": "any", "name": "Any", "definition": "d", "patterns": [[{"OP": "?"}]]}]}
    matcher = ThemeMatcher(taxonomy_from_dict(raw))
    assert matcher.anchors is None
    assert matcher.match(["late again"]) == [{"any": ["late", "again"]}]
