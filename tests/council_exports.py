"""Five councils' exports of the bundled sample, as other councils' systems write them, for the tests of
``complaints init`` and a first run on a new council's data.

Each is the same synthetic complaints under another council's column names, encoding, delimiter, date
format and spellings (fictional councils; the spellings are of the kinds seen in published reports):

- anytown.csv: Windows-1252 with curly quotes and £, dd/mm/yyyy, "Quality of Service", "Stage 1 - Local
  Resolution", "Partly Upheld", no theme column, an unused "Ward" column;
- borough.csv: UTF-8 with a BOM, semicolon-delimited, ISO dates, "Stage One", a themes column;
- county.xlsx: a "Notes" sheet first, then the complaints under a title row and a blank row, real Excel
  dates, categories in capitals, "Upheld in part";
- city.csv: tab-delimited UTF-8 without dates but with a financial year column;
- district.xlsx: one sheet, dd/mm/yyyy text dates, categories with stray spaces and council wordings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "complaints.csv"
EXPORTS = ("anytown.csv", "borough.csv", "county.xlsx", "city.csv", "district.xlsx")

COUNCIL_CATEGORIES = {  # the national category -> a council's own wording (anytown, district)
    "Not to Standard": "Quality of Service",
    "Staff Attitude/Conduct": "Staff Attitude",
    "Staff Conduct/Attitude": "Staff Attitude",
    "Delay/Failed Service": "Delay in Service",
    "Delayed/Failed Service": "Delay in Service",
    "Lack of /Incorrect Information": "Communication/Information",
    "Lack of/Incorrect Information": "Communication/Information",
    "Breach of Confidentiality": "Data Breach",
    "Denial/Withdrawal/Change Service": "Service Withdrawn",
    "About Policy": "Council Policy",
    "About Legislation": "Legislation",
    "Broken Promise/Appointment": "Missed Appointment",
    "Other": "Other",
}


def _sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, dayfirst=True, errors="coerce")


def _anytown(sample: pd.DataFrame, path: Path) -> None:
    stages = {"1": "Stage 1 - Local Resolution", "2": "Stage 2 - Investigation", "3": "Stage 3 - Review Panel"}
    outcomes = {"Partially Upheld": "Partly Upheld", "Not Upheld": "Not upheld"}
    text = sample["description"].str.replace("'", "\u2019")
    text = text.where(sample.index % 10 != 0, text + " The taxi to contact cost me £25.")
    frame = pd.DataFrame(
        {
            "Case Ref": sample["complaint_ref"],
            "Date Received": sample["date_received"],
            "Service Area": sample["team"],
            "Complaint Summary": text,
            "Category": sample["category"].map(COUNCIL_CATEGORIES),
            "Stage": sample["stage"].map(stages),
            "Outcome": sample["outcome"].replace(outcomes),
            "Date Responded": sample["date_responded"],
            "Ward": "Ward " + (sample.index % 7 + 1).astype(str),
        }
    )
    frame.to_csv(path, index=False, encoding="cp1252", errors="replace")


def _borough(sample: pd.DataFrame, path: Path) -> None:
    stages = {"1": "Stage One", "2": "Stage Two", "3": "Stage Three"}
    frame = pd.DataFrame(
        {
            "Reference": sample["complaint_ref"],
            "Received": _dates(sample["date_received"]).dt.strftime("%Y-%m-%d"),
            "Team": sample["team"],
            "Details": sample["description"],
            "Complaint Type": sample["category"],
            "Complaint Stage": sample["stage"].map(stages),
            "Result": sample["outcome"],
            "Closed": _dates(sample["date_responded"]).dt.strftime("%Y-%m-%d"),
            "Themes": sample["themes"],
            "Extension": sample["extension_agreed"],
        }
    )
    frame.to_csv(path, index=False, sep=";", encoding="utf-8-sig")


def _county(sample: pd.DataFrame, path: Path) -> None:
    frame = pd.DataFrame(
        {
            "ID": sample["complaint_ref"],
            "Date Logged": _dates(sample["date_received"]),
            "Department": sample["team"],
            "Description": sample["description"],
            "Nature of Complaint": sample["category"].str.upper(),
            "Level": sample["stage"].astype(int),
            "Finding": sample["outcome"].replace({"Partially Upheld": "Upheld in part"}),
            "Response Date": _dates(sample["date_responded"]),
            "Complainant": sample["complainant_type"],
        }
    )
    with pd.ExcelWriter(path, engine="openpyxl") as workbook:
        pd.DataFrame(
            {"About this file": ["Exported from the case system.", "Do not edit the Complaints sheet."]}
        ).to_excel(workbook, sheet_name="Notes", index=False)
        pd.DataFrame([["Children's services complaints, 2011 to 2015"]]).to_excel(
            workbook, sheet_name="Complaints", index=False, header=False
        )
        frame.to_excel(workbook, sheet_name="Complaints", index=False, startrow=2)


def _city(sample: pd.DataFrame, path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Complaint No": sample["complaint_ref"],
            "Financial Year": sample["financial_year"],
            "Stage": sample["stage"],
            "Service": sample["team"],
            "Complaint Text": sample["description"],
            "Category": sample["category"],
            "Outcome": sample["outcome"],
        }
    )
    frame.to_csv(path, index=False, sep="\t", encoding="utf-8")


def _district(sample: pd.DataFrame, path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Ref": sample["complaint_ref"],
            "Date received": sample["date_received"],
            "Team name": sample["team"],
            "Summary of complaint": sample["description"],
            "Category": " " + sample["category"].map(COUNCIL_CATEGORIES).str.lower() + " ",
            "Stage": sample["stage"],
            "Outcome": sample["outcome"],
            "Date of response": sample["date_responded"],
        }
    )
    frame.to_excel(path, index=False, sheet_name="Export", engine="openpyxl")


WRITERS = {
    "anytown.csv": _anytown,
    "borough.csv": _borough,
    "county.xlsx": _county,
    "city.csv": _city,
    "district.xlsx": _district,
}


def write_export(name: str, folder: Path) -> Path:
    """One of :data:`EXPORTS`, written into ``folder``."""
    path = folder / name
    WRITERS[name](_sample(), path)
    return path
