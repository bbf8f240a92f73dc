from dataclasses import replace

import pandas as pd
import pytest

from pipeline.data.prepare import prepare
from pipeline.data.schema import DataContractError


def frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": range(2, len(rows) + 2),
            "complaint_ref": [f"R{i}" for i in range(len(rows))],
            "description": [r[0] for r in rows],
            "category": [r[1] for r in rows],
            "financial_year": [r[2] for r in rows],
            "themes": pd.NA,
            "group": [f"G{i // 2}" for i in range(len(rows))],
        }
    ).astype({"description": "string", "category": "string", "financial_year": "string", "themes": "string"})


ROWS = [(f"text {i}", "A" if i % 2 else "B", "2012/13" if i < 8 else "2013/14") for i in range(12)]


def test_time_split_holds_out_the_latest_year(params):
    config = replace(params.prepare, min_class_count=1)
    prepared = prepare(frame(ROWS), config, min_train_rows=2)
    assert set(prepared.holdout["financial_year"]) == {"2013/14"}
    assert set(prepared.train["financial_year"]) == {"2012/13"}
    assert prepared.holdout_name == "financial year 2013/14"


def test_duplicates_are_dropped_before_splitting_so_none_leak(params):
    rows = ROWS + [("text 1", "A", "2013/14"), ("text 1", "B", "2013/14")]
    prepared = prepare(frame(rows), replace(params.prepare, min_class_count=1), min_train_rows=2)
    duplicates = prepared.excluded[prepared.excluded["reason_code"] == "duplicate"]
    assert duplicates["complaint_ref"].tolist() == ["R12"]  # same text and label as R1; R13 differs in label
    assert "same description and labels as row 3" in duplicates["reason"].iloc[0]
    assert not set(prepared.train["description"] + prepared.train["category"]) & set(
        prepared.holdout["description"] + prepared.holdout["category"]
    )


def test_rare_categories_are_excluded_and_listed(params):
    rows = ROWS + [("odd one", "C", "2012/13")]
    prepared = prepare(frame(rows), replace(params.prepare, min_class_count=2), min_train_rows=2)
    rare = prepared.excluded[prepared.excluded["reason_code"] == "rare_category"]
    assert rare["complaint_ref"].tolist() == ["R12"]
    assert "category 'C' has fewer than 2 rows (1)" in rare["reason"].iloc[0]


def test_categories_too_thin_in_training_stay_in_the_holdout(params):
    rows = ROWS + [("c1", "C", "2012/13"), ("c2", "C", "2013/14"), ("c3", "C", "2013/14")]
    prepared = prepare(frame(rows), replace(params.prepare, min_class_count=1), min_train_rows=2)
    assert "C" not in set(prepared.train["category"])
    assert (prepared.holdout["category"] == "C").sum() == 2
    assert prepared.excluded["reason_code"].tolist() == ["too_few_in_training"]


def test_stratified_split_keeps_shares(params):
    rows = [(f"t{i}", "A" if i < 60 else "B", "2013/14") for i in range(100)]
    config = replace(params.prepare, split="stratified", holdout_fraction=0.2, min_class_count=1)
    prepared = prepare(frame(rows), config, min_train_rows=2)
    assert len(prepared.holdout) == 20 and (prepared.holdout["category"] == "A").sum() == 12


def test_every_row_is_accounted_for(params):
    rows = ROWS + [("text 1", "A", "2013/14"), ("odd", "C", "2012/13")]
    prepared = prepare(frame(rows), replace(params.prepare, min_class_count=2), min_train_rows=2)
    assert len(prepared.train) + len(prepared.holdout) + len(prepared.excluded) == len(rows)


def test_one_year_cannot_be_split_by_time(params):
    rows = [(f"t{i}", "AB"[i % 2], "2013/14") for i in range(6)]
    with pytest.raises(DataContractError, match="at least two financial years"):
        prepare(frame(rows), replace(params.prepare, min_class_count=1))


def test_prepare_does_not_mutate_its_input(params):
    data = frame(ROWS)
    before = data.copy()
    prepare(data, replace(params.prepare, min_class_count=1))
    pd.testing.assert_frame_equal(data, before)


def test_rows_without_a_year_are_set_aside_not_lost(params):
    rows = ROWS + [("no year", "A", None)]
    prepared = prepare(frame(rows), replace(params.prepare, min_class_count=1), min_train_rows=2)
    assert prepared.excluded["reason_code"].tolist() == ["no_year"]
    assert len(prepared.train) + len(prepared.holdout) + len(prepared.excluded) == len(rows)


def test_one_category_is_a_clear_error(params):
    rows = [(f"t{i}", "A", "2012/13" if i < 4 else "2013/14") for i in range(8)]
    with pytest.raises(DataContractError, match="at least two categories"):
        prepare(frame(rows), replace(params.prepare, min_class_count=1))


def test_impossible_stratified_split_is_a_clear_error(params):
    rows = [(f"t{i}", "ABCDEFGHIJ"[i % 10], "2013/14") for i in range(20)]
    config = replace(params.prepare, split="stratified", holdout_fraction=0.2, min_class_count=1)
    with pytest.raises(DataContractError, match="cannot hold every one of the 10 categories"):
        prepare(frame(rows), config)


def test_group_split_keeps_each_complainant_on_one_side(params):
    rows = [(f"t{i}", "AB"[i % 2], "2013/14") for i in range(40)]
    config = replace(params.prepare, split="group", holdout_fraction=0.25, min_class_count=1)
    prepared = prepare(frame(rows), config)
    assert not set(prepared.train["group"]) & set(prepared.holdout["group"])
    assert len(prepared.holdout) == 10 and "of groups" in prepared.holdout_name


def test_theme_only_data_skips_category_checks(params):
    data = frame([(f"t{i}", None, "2013/14") for i in range(20)]).assign(themes=["a;b", "c"] * 10)
    data["themes"] = data["themes"].astype("string")
    config = replace(params.prepare, split="stratified", holdout_fraction=0.2, min_class_count=5)
    prepared = prepare(data, config)
    assert len(prepared.train) == 16 and len(prepared.holdout) == 4 and prepared.excluded.empty


def test_theme_targets_from_recorded_labels_leave_rare_themes_out(params):
    from pipeline.data.prepare import prepare_themes

    data = frame([(f"t{i}", "AB"[i % 2], "2012/13" if i < 8 else "2013/14") for i in range(12)])
    data["themes"] = pd.array(["delay;communication", "delay", "placement", "delay"] * 3, dtype="string")
    prepared = prepare(data, replace(params.prepare, min_class_count=1))
    themes = prepare_themes(prepared, replace(params.themes, min_theme_count=3))
    assert themes.theme_ids == ("delay",) and themes.too_rare == {"communication": 2, "placement": 2}
    assert themes.train_targets.shape == (8, 1) and themes.holdout_targets.sum() == 3


def test_weak_theme_targets_come_from_seed_patterns(params):
    from pipeline.data.prepare import prepare_themes
    from pipeline.data.taxonomy import ThemeMatcher, taxonomy_from_dict

    taxonomy = taxonomy_from_dict(
        {
            "version": 1,
            "themes": [{"id": "contact", "name": "Contact", "definition": "d", "patterns": ["transport to contact"]}],
        }
    )
    texts = ["Transport to contact failed.", "Nothing relevant here."] * 6
    data = frame([(t, "AB"[i % 2], "2012/13" if i < 8 else "2013/14") for i, t in enumerate(texts)])
    prepared = prepare(data, replace(params.prepare, min_class_count=1, drop_duplicates=False))
    weak = prepare_themes(
        prepared, replace(params.themes, labels="patterns", min_theme_count=2), ThemeMatcher(taxonomy)
    )
    assert weak.theme_ids == ("contact",) and weak.train_targets[:, 0].tolist() == [1, 0] * 4


def test_no_theme_labels_points_at_the_seed_patterns(params):
    from pipeline.data.prepare import prepare_themes

    data = frame([(f"t{i}", "AB"[i % 2], "2012/13" if i < 8 else "2013/14") for i in range(12)])
    data["themes"] = pd.array([None] * 12, dtype="string")
    prepared = prepare(data, replace(params.prepare, min_class_count=1))
    with pytest.raises(DataContractError, match="themes.labels: patterns"):
        prepare_themes(prepared, params.themes)
