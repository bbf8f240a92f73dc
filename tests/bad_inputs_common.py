"""Helpers of the bad-input suite (tests/corpora/bad_inputs/generate.py writes the files at test time): each
command's tests live in their own module, so the suite spreads over the test workers."""

from pathlib import Path

import pandas as pd

from tests.corpora.bad_inputs.generate import CASES

IDS = [case.name for case in CASES]


def said(result, outcome) -> str:
    return f"exit {result.returncode}, expected {outcome.code}:\n{result.stdout}\n{result.stderr}"


def reasons(path: Path) -> list[str]:
    return pd.read_csv(path)["reason"].astype(str).tolist() if path.is_file() else []
