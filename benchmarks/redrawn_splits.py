"""CFPB on redrawn stratified splits: holdout macro-F1 and accuracy of whichever ``pipeline`` is imported.

    python -m benchmarks.redrawn_splits --seeds 1 2 3 --configs cfpb cfpb_issue --out /tmp/new.json
    cd /path/to/an/older/checkout && PYTHONPATH=. python /path/to/this/benchmarks/redrawn_splits.py --out /tmp/old.json

Each seed redraws the stratified holdout (``prepare.random_state``, which also draws the search's
folds) of ``configs/<config>.yaml`` on ../shared/data/cfpb-sample; the pipeline trains with its full
search on the training rows and is scored once on the holdout. Run it with two checkouts on the path
to compare a change with the code before it on the same rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

from sklearn.metrics import f1_score

import pipeline
from benchmarks.quality import REPO, SHARED
from pipeline.config import load_params

# A checkout from before the package was grouped into rooms (3e71688), e.g. 868705c, has its modules at
# the top of the package. Decided by the files, not by trying imports: an editable install of the newer
# code would answer those.
if (Path(pipeline.__file__).parent / "io.py").is_file():
    from pipeline.prepare import prepare  # type: ignore[import-not-found]
    from pipeline.schema import validate  # type: ignore[import-not-found]
    from pipeline.train import train  # type: ignore[import-not-found]

    from pipeline import io as files  # type: ignore[attr-defined]
else:
    from pipeline.data import files
    from pipeline.data.prepare import prepare
    from pipeline.data.schema import validate
    from pipeline.modelling.train import train

log = logging.getLogger(__name__)


def measure(config: str, seed: int) -> dict:
    """One redrawn split: train on its training rows, score its holdout once."""
    params = load_params(REPO / "configs" / f"{config}.yaml")
    params = dataclasses.replace(params, prepare=dataclasses.replace(params.prepare, random_state=seed))
    table = files.read_table(SHARED / "cfpb-sample/complaints_sample.csv")
    validated = validate(table, params.data, params.labels, purpose="train")
    prepared = prepare(validated.frame, params.prepare, params.train.calibration_folds)
    started = time.perf_counter()
    trained = train(prepared.train, params)
    seconds = time.perf_counter() - started
    truth = prepared.holdout["category"].astype(object).to_numpy()
    columns = list(getattr(trained, "input_columns", ())) or list(prepared.holdout.columns)  # older: all
    predicted = trained.model.predict(prepared.holdout[columns])
    return {
        "config": config,
        "seed": seed,
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "accuracy": round(float((truth == predicted).mean()), 4),
        "train_seconds": round(seconds, 1),
        "chosen": f"C={trained.chosen_C}, class_weight={trained.chosen_class_weight}, "
        f"calibration={trained.chosen_calibration}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", nargs="*", type=int, default=[1, 2, 3])
    parser.add_argument("--configs", nargs="*", default=["cfpb"])
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the results.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    results = {"pipeline": str(Path(pipeline.__file__).parent), "runs": []}
    for config in args.configs:
        for seed in args.seeds:
            results["runs"].append(measure(config, seed))
            log.info("%s", results["runs"][-1])
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
