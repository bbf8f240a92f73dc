"""The spark-submit entry point: score then report, on the master spark-submit was given.

    spark-submit --master URL --py-files complaints_pipeline-*.whl pipeline/spark/submit.py \\
        INPUT OUT [--params FILE] [--model REF] [--themes-model REF] [--no-explain] [--year 2024/25]

``complaints spark-job`` builds the wheel and runs this. OUT receives scored.parquet (and its rejects),
the report's counted tables (report_counts_YEAR.xlsx) and summary.json.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    """Run ``complaints score --engine spark`` then ``complaints report --engine spark`` in this driver."""
    # --py-files puts the wheel first on the driver's path too; a zipped package cannot hand its packaged
    # params.yaml and themes.yaml over as files, so the driver uses the installed project (the wheel is for
    # the executors). Wheels go last, in their order.
    sys.path.sort(key=lambda entry: entry.endswith(".whl"))
    import argparse
    from pathlib import Path

    from pipeline.cli import app

    parser = argparse.ArgumentParser(prog="submit.py")
    parser.add_argument("input")
    parser.add_argument("out", type=Path)
    parser.add_argument("--params")
    parser.add_argument("--model")
    parser.add_argument("--themes-model")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--year")
    args = parser.parse_args(argv)
    shared = [option for name, value in (("--params", args.params),) if value for option in (name, value)]
    models = [
        option
        for name, value in (("--model", args.model), ("--themes-model", args.themes_model))
        if value
        for option in (name, value)
    ]
    scored = args.out / "scored.parquet"
    score = ["score", args.input, "--engine", "spark", "--out", str(scored), "--summary-json", str(args.out / "summary.json")]
    score += shared + models + (["--no-explain"] if args.no_explain else [])
    report = ["report", str(scored), "--engine", "spark", "--out", str(args.out), *shared]
    report += ["--year", args.year] if args.year else []
    for command in (score, report):
        # Without standalone mode a command's exit (typer.Exit: a user error, after its message) is returned.
        code = app(command, prog_name="complaints", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
