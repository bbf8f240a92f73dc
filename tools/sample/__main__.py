"""Regenerate the bundled synthetic sample: ``python -m tools.sample [--out data/sample] [--seed 2015]``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.data import files
from tools.sample.generate import generate_sample

log = logging.getLogger("tools.sample")


def main(argv: list[str] | None = None) -> None:
    """Write the four CSV files of the sample (deterministic for a given seed)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data/sample"), help="folder for the four CSV files")
    parser.add_argument("--seed", type=int, default=2015, help="random seed (the bundled files use 2015)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sample = generate_sample(args.seed)
    for name, frame in (
        ("complaints", sample.complaints),
        ("new_complaints", sample.new_complaints),
        ("generator_truth", sample.truth),
        ("closed_2015_16", sample.closed_new_year),
    ):
        log.info("%s: %d rows", files.write_table(frame, args.out / f"{name}.csv"), len(frame))


if __name__ == "__main__":
    main()
