"""Identifiers out of complaint text, wherever text leaves the pipeline or becomes a feature.

One ordered list of patterns serves two uses: ``redact`` writes readable placeholders such as
``[PHONE]`` for quotes in reports, and ``mask`` writes single-token placeholders such as
``xxphone`` for the model, so that the fitted vocabulary never holds a phone number or a name
after a title, and a prediction does not depend on them.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Identifier(NamedTuple):
    kind: str
    pattern: re.Pattern[str]
    needs: str = ""  # a character class every match contains: texts without one skip the pattern


_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_STREET_TYPES = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|place|gardens|grove|"
    r"terrace|walk|green|park|square|view|rise|mews|hill)"
)
_NAMED_STREETS = r"(?:Road|Street|Avenue|Lane|Close|Drive|Crescent|Gardens|Grove|Terrace|Mews)"
_TITLE = r"(?:mr|mrs|ms|miss|mx|dr)\.?"
_NAME = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"

_DIGIT = re.compile(r"\d")

# Order matters: emails before names, dates of birth before plain dates, case numbers before phones.
IDENTIFIERS: tuple[Identifier, ...] = (
    Identifier("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "@"),
    Identifier(
        "dob",
        re.compile(
            r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on| in)?)\s*(?:is|:)?\s*"
            rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
            rf"|(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTHS}\s+\d{{4}})",
            re.IGNORECASE,
        ),
        r"\d",
    ),
    Identifier(
        "case_ref",
        re.compile(
            r"\b[A-Z]{2,4}[-/]?\d{4,}(?:[-/]\d+)*\b"
            r"|(?i:\b(?:case|ref(?:erence)?)\s*(?:no\.?|number)?\s*(?:is|:|#)?\s*\d{4,}\b)"
        ),
        r"\d",
    ),
    Identifier(
        "phone",
        re.compile(r"(?<![\w/])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b"),
        r"\d",
    ),
    Identifier(
        "postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),
        r"\d",
    ),
    Identifier(
        "address",
        re.compile(rf"\b\d{{1,4}}[a-zA-Z]?,?\s+(?:[A-Z][a-z]+\s+){{1,3}}{_STREET_TYPES}\b", re.IGNORECASE),
        r"\d",
    ),
    # A street named without a number ("on Acacia Avenue"): capitalised words, then a capitalised street type.
    Identifier("address", re.compile(rf"\b(?:[A-Z][a-z]+\s+){{1,2}}{_NAMED_STREETS}\b")),
    Identifier(
        "date",
        re.compile(
            rf"\b(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
            rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\s+\d{{4}})\b",
            re.IGNORECASE,
        ),
        r"\d",
    ),
    Identifier("name", re.compile(rf"\b{_TITLE}\s+(?:{_NAME}\s+)?{_NAME}\b", re.IGNORECASE)),
)


def _applicable(text: str) -> list[Identifier]:
    """The patterns that could match ``text``: most complaints hold no digit or @, so most are skipped."""
    has = {"": True, "@": "@" in text, r"\d": _DIGIT.search(text) is not None}
    return [identifier for identifier in IDENTIFIERS if has[identifier.needs]]


def redact(text: str) -> str:
    """Replace identifiers with readable placeholders such as ``[PHONE]`` (for quotes in reports)."""
    for identifier in _applicable(text):
        text = identifier.pattern.sub(f"[{identifier.kind.upper()}]", text)
    return text


def mask(text: str) -> str:
    """Replace identifiers with one-token placeholders such as ``xxphone`` (for model features)."""
    for identifier in _applicable(text):
        text = identifier.pattern.sub(f" xx{identifier.kind.replace('_', '')} ", text)
    return text
