"""The spark-submit entry point: score then report, on the master spark-submit was given.

    spark-submit --master URL --py-files complaints_pipeline-*.whl pipeline/spark/submit.py \\
        INPUT OUT [--params FILE] [--model REF] [--themes-model REF] [--no-explain] [--year 2024/25]

``complaints spark-job`` builds the wheel and runs this. OUT receives scored.parquet (and its rejects),
the report's counted tables (report_counts_YEAR.xlsx) and summary.json.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    """Score ``INPUT`` on Spark, then count the report on the scored rows; write both under ``OUT``."""
    # --py-files puts the wheel first on the driver's path too; a zipped package cannot hand its packaged
    # params.yaml and themes.yaml over as files, so the driver uses the installed project (the wheel is for
    # the executors). Wheels go last, in their order.
    sys.path.sort(key=lambda entry: entry.endswith(".whl"))
    import argparse
    import logging
    from pathlib import Path

    from pipeline.config import load_params
    from pipeline.data import files
    from pipeline.errors import USER_ERRORS, ModelIntegrityError
    from pipeline.serving.models import load_scorers
    from pipeline.spark.job import report_files, score_files

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log = logging.getLogger("complaints")
    parser = argparse.ArgumentParser(prog="submit.py")
    parser.add_argument("input")
    parser.add_argument("out", type=Path)
    parser.add_argument("--params", type=Path)
    parser.add_argument("--model")
    parser.add_argument("--themes-model")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--year")
    args = parser.parse_args(argv)
    try:
        params = load_params(args.params)
        scorers = load_scorers(params, args.model, args.themes_model)
        explain = params.score.explain and not args.no_explain
        scored = score_files(args.input, args.out / "scored.parquet", params, scorers, explain, None)
        files.write_json(scored.as_dict(), args.out / "summary.json")
        for name, why in scored.unreadable_files:
            log.warning("Not read: %s (%s)", name, why)
        counted = report_files(str(scored.scored_path), params, args.year, None, None, None, None)
        book = args.out / f"complaints_report_{counted.year.replace('/', '-')}_counts.xlsx"
        files.write_workbook(counted.sheets(), book)
    except ModelIntegrityError as error:
        log.error("Refused: %s", error)
        return 3
    except USER_ERRORS as error:
        log.error("Cannot continue: %s", error)
        return 2
    log.info("Scored %s rows of %s; counted tables: %s", scored.summary.rows_scored, scored.summary.rows_in, book)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
