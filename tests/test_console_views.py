"""What the command prints: tables and lines built from a stage's results, rendered here as plain text."""

import io
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from pipeline import console_views as views
from pipeline.lifecycle.drift import Period
from pipeline.lifecycle.promotion import PromotionDecision
from pipeline.lifecycle.tracking import LoggedRun


def shown(renderable) -> str:
    """The text a console 120 characters wide shows for ``renderable`` (markup applied)."""
    from rich.console import Console

    console = Console(record=True, width=120, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def cells(text: str) -> list[list[str]]:
    """The cells of each row of a rendered table."""
    return [[cell.strip() for cell in line.strip("│ ").split("│")] for line in text.splitlines() if "│" in line]


def suggested(themes: list[dict], needs_review: bool = False, words: list[str] | None = None) -> dict:
    return {
        "categories": [
            {"category": "Delay/Failed Service", "probability": 0.75},
            {"category": "Staff Attitude/Conduct", "probability": 0.2},
        ],
        "category_words": words if words is not None else ["taxi", "late"],
        "explanation": "" if words is None or words else "no words to show",
        "themes": themes,
        "needs_review": needs_review,
        "review_reason": "low confidence",
    }


def test_a_frame_is_a_table_with_a_header_and_floats_to_three_places():
    frame = pd.DataFrame({"category": ["Other", "About Policy"], "f1": [0.12345, 1.0], "n": [3, 4]})
    text = shown(views.table("Per category", frame))
    assert "Per category" in text and "┃ category ┃" in " ".join(text.split())
    assert cells(text) == [["Other", "0.123", "3"], ["About Policy", "1.000", "4"]]


def test_a_mapping_is_two_columns_without_a_header():
    text = shown(views.table("Scored new.csv", {"rows in": 39, "rows scored": 38}))
    assert cells(text) == [["rows in", "39"], ["rows scored", "38"]] and "┃" not in text  # no header row


def test_a_suggestion_shows_bars_themes_with_patterns_and_the_review_flag():
    theme = {"name": "Contact arrangements", "probability": 0.7, "words": ["taxi"], "patterns": ["taxi to contact"]}
    categories, why, review = views.suggestion(suggested([theme], needs_review=True))
    table = shown(categories)
    assert "Suggested categories" in table and "0.75  " + "█" * 15 in table and "0.20  " + "█" * 4 in table
    text = shown(why)
    assert "Why" in text and "taxi, late" in text
    assert "theme Contact arrangements 0.70" in text and "taxi (pattern: taxi to contact)" in text
    assert review == "[bold yellow]NEEDS REVIEW[/]: low confidence"
    assert shown(review).strip() == "NEEDS REVIEW: low confidence"


def test_a_suggestion_without_themes_or_words_says_so():
    categories, why, review = views.suggestion(suggested([], words=[]))
    text = shown(why)
    assert "no words to show" in text and "themes" in text and "none" in text
    assert review == "[green]confident[/]"
    theme = {"name": "Delay", "probability": 0.5, "words": [], "patterns": []}
    assert ["theme Delay 0.50", "-"] in cells(shown(views.suggestion(suggested([theme]))[1]))


def test_a_registration_names_the_run_the_experiment_and_the_alias(params):
    run = LoggedRun("sqlite:///mlruns.db", "1", "abc123", "complaints-themes", "4")
    promoted = views.registration(params, "themes", run, PromotionDecision(True, "no champion yet"))
    assert promoted == (
        f"MLflow:  run abc123 in sqlite:///mlruns.db (experiment '{params.tracking.experiment}')\n"
        "Registry: complaints-themes v4 is now 'champion': no champion yet"
    )
    kept = views.registration(params, "category", run, PromotionDecision(False, "not better"))
    assert kept.endswith("v4 is now 'challenger': not better")


def test_artefacts_line_up_after_their_names():
    text = views.artefacts({"model": Path("models/category/model.joblib"), "model card": Path("card.md")})
    assert text.splitlines() == [
        f"{'model:':<14} {Path('models/category/model.joblib')}",
        f"{'model card:':<14} {Path('card.md')}",
    ]


def test_drift_summary_counts_each_period_then_recommends_with_reasons():
    records = pd.DataFrame({"category": ["Other"] * 3})
    periods = [Period("2014/15", records, rows_in=10), Period("2015/16", records.iloc[:2], rows_in=2)]
    found = SimpleNamespace(recommendation="Retrain: 1 sign(s).", reasons=["words changed"], notes=["a note"])
    assert views.drift_summary(periods, found) == [
        "2014/15: 10 rows in, 3 compared, 7 set aside or in other years.",
        "2015/16: 2 rows in, 2 compared, 0 set aside or in other years.",
        "[bold]Retrain: 1 sign(s).[/]",
        "• words changed",
        "• a note",
    ]


def test_the_counts_of_prepare_evaluate_and_label_issues():
    validated = SimpleNamespace(rows_in=10, rejected=pd.DataFrame(index=range(2)))
    prepared = SimpleNamespace(
        train=pd.DataFrame(index=range(5)),
        holdout=pd.DataFrame(index=range(2)),
        excluded=pd.DataFrame(index=range(1)),
        holdout_name="financial year 2014/15",
    )
    assert views.prepared_split(validated, prepared) == (
        "10 rows in: 5 to train on, 2 held out (financial year 2014/15), 3 not used."
    )
    metrics = {"n": 8, "accuracy": 0.5, "macro_f1": 0.25, "ece": 0.1, "selective_accuracy": 0.75, "coverage": 1}
    text = shown(views.evaluation("labelled.csv", metrics, 2))
    assert "labelled.csv: 8 rows (2 not usable)" in " ".join(text.split())
    assert ["macro_f1", "0.250"] in cells(text) and ["coverage", "1.000"] in cells(text)
    found = SimpleNamespace(rows_checked=7, issues=pd.DataFrame(index=range(4)))
    assert views.label_issues_summary(10, found, 3) == (
        "10 rows in: 7 checked, 3 set aside. 4 records look mislabelled; re-read them before changing anything."
    )


def test_a_suggestion_lists_possible_themes_apart_by_name():
    possible = {**suggested([]), "possible_themes": [{"theme": "delay", "name": "Delay", "probability": 0.31}]}
    text = shown(views.suggestion(possible)[1])
    assert "possible themes (not assigned)" in text and "Delay 0.31" in text
