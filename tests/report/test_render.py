"""The report as a page and a workbook: self-contained, escaped, real charts, opens in Chromium and openpyxl."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.data import files
from pipeline.report import build_report, render, report_records
from tests.conftest import complaint_records

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page(sample_report) -> str:
    return render.html(sample_report, generated="2026-11-29")


def test_the_page_is_self_contained(page):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page


def test_charts_are_real_svg_charts(page):
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    titles = [re.search(r"<title>(.*?)</title>", chart).group(1) for chart in charts]
    assert titles[0] == "Complaints by category, 2013/14"
    bars = charts[0]
    # A bar per category and year (none for a count withheld as small).
    assert "Delay/Failed Service, 2013/14: 47" in bars and "Staff Attitude/Conduct, 2012/13: " in bars
    heat = charts[1]
    assert titles[1].startswith("Themes by team") and 'stroke-width="3"' in heat  # flagged cells
    assert all("<polyline" in chart for chart in charts[2:4]) and len(charts) == 4


def test_small_cells_are_marked_and_headlines_lead(page):
    assert 'class="small"' in page and "&lt;5</span>" in page and "*</span>" not in page
    assert page.index("<h2>1. At a glance") < page.index("<h2>2. Complaints by category")


def test_text_from_the_data_is_escaped(params):
    rows = [{"team": "<script>alert(1)</script>", "themes": "delay"}] * 6 + [{"team": "Fostering"}] * 6
    records = report_records(complaint_records(rows, params), params.labels, params.report)
    built = build_report(records, dataclasses.replace(params.report, change_date=None), params.labels)
    html = render.html(built)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_workbook_opens_with_one_sheet_per_table(sample_report, tmp_path):
    path = files.write_workbook(render.sheets(sample_report), tmp_path / "report.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True)
    names = workbook.sheetnames
    assert names[:3] == ["Summary", "Categories", "Delay-Failed Service by team"]
    assert {"Themes by team", "Recurring issues", "Trends", "Before and after", "Notes", "Excluded rows"} <= set(names)
    assert all(len(name) <= 31 for name in names)
    rows = list(workbook["Categories"].iter_rows(values_only=True))
    assert rows[0] == ("Category", "2013/14", "2012/13") and ("Delay/Failed Service", 47) in [row[:2] for row in rows]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_the_page_renders_in_chromium_without_errors(page, tmp_path):
    """The page in Chromium: no errors, four drawn charts, a first screen, a full page and an A4 print
    (copied to $COMPLAINTS_SCREENSHOTS_DIR when set, for a person to look at), and the page's height."""
    sync_api = pytest.importorskip("playwright.sync_api")
    html_file = tmp_path / "report.html"
    html_file.write_text(page, encoding="utf-8")
    shots = {name: tmp_path / name for name in ("report_first_screen.png", "report_page.png", "report_page.pdf")}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            problems: list[str] = []
            tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            tab.on("pageerror", lambda error: problems.append(str(error)))
            tab.on("requestfailed", lambda request: problems.append(request.url))
            tab.goto(html_file.as_uri())
            boxes = [svg.bounding_box() for svg in tab.query_selector_all("svg")]
            height = tab.evaluate("document.documentElement.scrollHeight")
            glance_top = tab.evaluate("document.querySelector('.cards').getBoundingClientRect().bottom")
            tab.screenshot(path=str(shots["report_first_screen.png"]))
            tab.screenshot(path=str(shots["report_page.png"]), full_page=True)
            tab.emulate_media(media="print")
            tab.pdf(path=str(shots["report_page.pdf"]), format="A4")
        finally:
            browser.close()
    if os.environ.get("COMPLAINTS_SCREENSHOTS_DIR"):
        keep = Path(os.environ["COMPLAINTS_SCREENSHOTS_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        for path in shots.values():
            shutil.copy(path, keep / path.name)
        (keep / "report_page_height.txt").write_text(f"{height}\n", encoding="utf-8")
    assert problems == []
    assert len(boxes) == 4 and all(box and box["width"] > 300 and box["height"] > 100 for box in boxes)
    assert glance_top < 900  # the recurring issues are on the first screen
    assert height < 8500  # 7,848 px; 10,246 px before the page was reorganised (1,200 px wide)
    assert shots["report_page.png"].stat().st_size > 50_000
    assert shots["report_page.pdf"].read_bytes().count(b"/Type /Page") >= 3


def test_the_first_screen_names_three_recurring_issues_in_plain_words(page, sample_report):
    glance = page[page.index("<h2>1. At a glance") : page.index("<h2>2. Complaints by category")]
    # Each recurring issue is named by the team where it recurs.
    teams = ("Looked After Children", "Family Support", "Children with Disabilities", "Leaving Care", "Fostering")
    assert glance.count('class="card"') == 3 and any(team in glance for team in teams)
    assert glance.count("<blockquote>") == 3 and "times as often as in other teams" in glance
    assert "Rising" in glance or "No clear change" in glance or "New:" in glance
    for jargon in ("x the rate", "p = ", "q = ", "e-0", "T10:"):
        assert jargon not in glance
    quotes = set(sample_report.issues["Example 1"].dropna())
    assert all(quote in quotes for quote in sample_report.leading_issues["Example 1"])


def test_every_section_is_numbered_and_listed_in_the_contents(page):
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert all(re.match(rf"{n}\. ", heading) for n, heading in enumerate(headings, start=1))
    contents = page[page.index('<nav class="contents"') : page.index("</nav>")]
    assert all(f">{heading}</a>" in contents for heading in headings)


def test_a_timestamp_is_shown_as_a_plain_uk_date(sample_report):
    assert "Produced 3 December 2026." in render.html(sample_report, generated="2026-12-03T23:30:00+00:00")
    assert "Produced 1 July 2026." in render.html(sample_report, generated="2026-06-30T23:30:00+00:00")  # BST
