"""Start-up: how long a new process takes for `complaints --help`, `suggest` and a 10-row `score`.

    make demo                                    # trains and registers the champions this loads
    python -m benchmarks.startup [--repeat 3] [--json benchmarks/startup.json] [--md benchmarks/startup.md]

Each command runs as its own process (``python -m pipeline ...`` from this checkout, the models the
params name: the registry champions by default), ``--repeat`` times; the best and the median wall
times are kept, with the load average, because other work on the machine slows some runs. A second
part times, in one process, each step of a first suggestion (importing, loading the models, the first
score), so the whole-process figures can be read. Targets: --help <= 0.5 s, suggest <= 2 s, a 10-row
score <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "My son's social worker kept changing and nobody returned my calls about his care plan."
TARGETS = {"help": 0.5, "suggest": 2.0, "score_10_rows": 3.0}

# One process, each step of a first suggestion in turn (imports in the order loading needs them).
STEPS = """
import json, sys, time
started = time.perf_counter()
steps = {}
def step(name):
    global started
    now = time.perf_counter(); steps[name] = round(now - started, 3); started = now
import pipeline.cli; step("import pipeline.cli (typer, rich, config)")
import numpy, pandas; step("import numpy, pandas")
import sklearn.pipeline, sklearn.calibration, sklearn.svm, sklearn.feature_extraction.text, sklearn.compose
step("import scikit-learn (the model's classes)")
import pipeline.imports; step("import spaCy (without torch: pipeline/imports.py)")
pipeline.imports.import_without_torch("skops.io"); step("import skops (without torch)")
from pipeline.serving.models import load_scorers; step("import the rest of the scorer")
from pipeline.config import load_params
params = load_params(sys.argv[1] if len(sys.argv) > 1 else None)
scorers = load_scorers(params)
step("load both models (verified local copies, else MLflow)" if "mlflow" not in sys.modules else "load both models (MLflow imported: registry round trips, checks, deserialising)")
from pipeline.data.schema import intake_frame
from pipeline.serving.score import score
score(scorers, intake_frame([sys.argv[2]], params.data, [None]), params); step("first suggestion")
score(scorers, intake_frame([sys.argv[2]], params.data, [None]), params); step("second suggestion")
print(json.dumps(steps))
"""


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(command: list[str], repeat: int) -> dict:
    """Best and median wall time of ``command`` run ``repeat`` times (each must succeed), and its best CPU
    time: on a machine shared with other work, CPU time moves far less than wall time."""
    seconds, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), children_cpu()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        cpu.append(children_cpu() - used)
    seconds.sort()
    return {
        "best_s": round(seconds[0], 2),
        "median_s": round(seconds[len(seconds) // 2], 2),
        "best_cpu_s": round(min(cpu), 2),
        "runs": len(seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args()
    python = [sys.executable, "-m", "pipeline"]
    report: dict = {"cpus": os.cpu_count(), "load_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as folder:
        ten = Path(folder) / "ten.csv"
        lines = Path("data/sample/new_complaints.csv").read_text(encoding="utf-8-sig").splitlines()[:11]
        ten.write_text("\n".join(lines) + "\n", encoding="utf-8")
        commands = {
            "help": python + ["--help"],
            "suggest": python + ["suggest", TEXT, "--params", args.params],
            "score_10_rows": python
            + ["score", str(ten), "--out", str(Path(folder) / "out.csv"), "--params", args.params],
        }
        for name, command in commands.items():
            report[name] = timed(command, args.repeat) | {"target_s": TARGETS[name]}
            print(f"{name}: {report[name]}", flush=True)
    runs = [
        subprocess.run([sys.executable, "-c", STEPS, args.params, TEXT], check=True, capture_output=True, text=True)
    ]
    report["suggest_steps_s"] = json.loads(runs[0].stdout.strip().splitlines()[-1])
    print(f"steps: {report['suggest_steps_s']}", flush=True)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.md:
        args.md.write_text(markdown(report, args), encoding="utf-8")


def markdown(report: dict, args: argparse.Namespace) -> str:
    lines = [
        "# Start-up (`benchmarks/startup.py`)",
        "",
        f"Command: `python -m benchmarks.startup --repeat {args.repeat} --json {args.json} --md {args.md}`  ",
        f"Machine: {report['cpus']} cores shared with other work; load average (1, 5, 15 min) "
        f"{report['load_before']} at the start, {report['load_after']} at the end.",
        "",
        "| command (a new process each time) | best wall | median wall | best CPU (user + system) | target |",
        "|---|---|---|---|---|",
    ]
    for name in TARGETS:
        found = report[name]
        lines.append(
            f"| {name} | {found['best_s']} s | {found['median_s']} s | {found['best_cpu_s']} s | {found['target_s']} s |"
        )
    lines += ["", "Steps of a first suggestion in one process (seconds):", "", "| step | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in report["suggest_steps_s"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
