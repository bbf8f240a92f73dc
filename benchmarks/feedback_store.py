"""The decision store at scale: ``POST /feedback`` latency and ``complaints feedback summary`` time on
SQLite with 100,000 decisions already stored.

    python -m benchmarks.feedback_store [--stored 100000] [--requests 1000] [--officers 20]
                                        [--json benchmarks/feedback_store.json] [--md benchmarks/feedback_store.md]

A SQLite store in a temporary folder is filled with ``stored`` synthetic decisions (a year of them:
categories, teams, themes, a tenth corrected), then a real uvicorn server on 127.0.0.1 (a free port)
answers ``requests`` ``POST /feedback`` one after another, each after its ``POST /suggest`` as the intake
page sends them (the service then finds the suggestion it gave), then ``requests`` more for texts it never
suggested (scored again), and again from ``officers`` threads at once;
latency is measured by the client (httpx, keep-alive) around each request. Then ``complaints feedback
summary`` runs as a user would run it (a new process, the store named by COMPLAINTS_FEEDBACK_DATABASE_URL)
and is timed end to end. Targets: p95 <= 20 ms, summary < 10 s. The load average is recorded: other
work on the machine slows every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import uvicorn

from pipeline.config import load_params
from pipeline.feedback.store import Decision, open_store
from pipeline.modelling.contract import LoadedModel
from pipeline.modelling.model import build_category_model
from pipeline.serving.score import Scorers
from pipeline.serving.service import create_app

REPO = Path(__file__).resolve().parents[1]
TEAMS = ["Family Support", "Fostering", "Looked After Children", "Leaving Care", "Disabled Children", "Adoption"]
THEMES = ["delay", "communication", "staff_conduct", "contact_arrangements", "worker_change"]
VERSION = "complaints-category v1 (benchmark)"


def small_model(params) -> LoadedModel:
    """A category model fitted on the bundled sample (only its labels and version matter to /feedback)."""
    frame = pd.read_csv(REPO / "data/sample/complaints.csv", dtype=str, encoding="utf-8-sig").dropna(
        subset=["description", "category"]
    )
    frame = frame[frame["category"].isin(params.labels.categories)]
    model = build_category_model(params, 1.0, "balanced", "sigmoid", 2).fit(
        frame[["description"]], frame["category"].to_numpy()
    )
    card = {"labels": [str(c) for c in model.classes_], "thresholds": {"suggestion_threshold": 0.6}}
    return LoadedModel(model, card, VERSION)


def synthetic(n: int, categories: list[str], seed: int = 0) -> list[Decision]:
    """``n`` decisions over the past year: the officer keeps the first suggestion nine times in ten."""
    rng = np.random.default_rng(seed)
    start = datetime.now(UTC) - timedelta(days=365)
    decisions = []
    for k in range(n):
        first, second, third = rng.choice(categories, 3, replace=False)
        chosen = first if rng.random() < 0.9 else second
        themes = list(rng.choice(THEMES, 2, replace=False))
        suggestion = {
            "categories": [
                {"category": str(first), "probability": 0.7},
                {"category": str(second), "probability": 0.2},
                {"category": str(third), "probability": 0.1},
            ],
            "needs_review": bool(rng.random() < 0.3),
            "review_reason": "",
            "themes": [{"theme": str(t), "probability": 0.6, "assigned": True} for t in themes],
        }
        decisions.append(
            Decision(
                text_sha256=uuid.uuid4().hex * 2,
                model_version=VERSION,
                suggestion=suggestion,
                chosen_category=str(chosen),
                chosen_themes=tuple(str(t) for t in themes[: 1 + (k % 2)]),
                case_ref=f"CSC-{k:07d}",
                team=TEAMS[k % len(TEAMS)],
                recorded_at=start + timedelta(seconds=int(k * 365 * 86_400 / n)),
            )
        )
    return decisions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def body(categories: list[str], k: int) -> dict:
    shown = {
        "categories": [{"category": c, "probability": p} for c, p in zip(categories[:3], (0.7, 0.2, 0.1), strict=True)],
        "needs_review": False,
        "model_version": VERSION,
    }
    return {
        "text": f"Complaint {k}: the social worker did not return my calls and the visit was cancelled twice.",
        "team": TEAMS[k % len(TEAMS)],
        "complaint_ref": f"NEW-{k:06d}",
        "suggestion": shown,
        "category": categories[k % 2],
        "decision_id": str(uuid.uuid4()),
    }


def latencies(url: str, bodies: list[dict], suggest_first: bool = True) -> list[float]:
    """Each decision's POST /feedback time; with ``suggest_first`` its text was suggested just before
    (untimed), as on the intake page, so the service finds the suggestion it gave instead of scoring again."""
    found = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for item in bodies:
            if suggest_first:
                client.post("/suggest", json={"text": item["text"], "team": item["team"]}).raise_for_status()
            began = time.perf_counter()
            response = client.post("/feedback", json=item)
            found.append(time.perf_counter() - began)
            if response.status_code != 201:
                raise RuntimeError(f"POST /feedback answered {response.status_code}: {response.text}")
    return found


def percentiles(values: list[float]) -> dict[str, float]:
    ms = np.array(values) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
        "requests": len(values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks/feedback_store.json")
    parser.add_argument("--md", type=Path, default=REPO / "benchmarks/feedback_store.md")
    arguments = parser.parse_args()
    params = load_params(REPO / "params.yaml")
    categories = list(params.labels.categories)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'feedback.db'}"
        store = open_store(url)
        began = time.perf_counter()
        for start in range(0, arguments.stored, 10_000):
            store.record_all(synthetic(min(10_000, arguments.stored - start), categories, seed=start))
        fill_s = time.perf_counter() - began
        app = create_app(Scorers(small_model(params)), params, store=store)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        latencies(base, [body(categories, k) for k in range(20)])  # warm-up: connections, imports
        one_by_one = latencies(base, [body(categories, k) for k in range(arguments.requests)])
        scored_again = latencies(base, [body(categories, 10**7 + k) for k in range(arguments.requests)], False)
        each = max(1, arguments.requests // arguments.officers)
        with ThreadPoolExecutor(arguments.officers) as pool:
            batches = [[body(categories, 10**6 + o * each + k) for k in range(each)] for o in range(arguments.officers)]
            at_once = [value for found in pool.map(lambda b: latencies(base, b), batches) for value in found]
        server.should_exit = True
        thread.join(timeout=10)
        stored_after = store.count()
        store.close()
        environment = dict(os.environ, COMPLAINTS_FEEDBACK_DATABASE_URL=url)
        command = [sys.executable, "-m", "pipeline", "feedback", "summary", "--out", str(Path(folder) / "reports")]
        summary_runs, import_runs = [], []
        imports = [sys.executable, "-c", "import pipeline.cli, pipeline.feedback.store, pipeline.report.render"]
        for _ in range(2):
            began = time.perf_counter()
            subprocess.run(command, cwd=REPO, env=environment, check=True, capture_output=True)
            summary_runs.append(round(time.perf_counter() - began, 2))
            began = time.perf_counter()
            subprocess.run(imports, cwd=REPO, check=True, capture_output=True)
            import_runs.append(round(time.perf_counter() - began, 2))
    results = {
        "stored_before": arguments.stored,
        "stored_after": stored_after,
        "fill_seconds": round(fill_s, 1),
        "post_feedback_sequential": percentiles(one_by_one),
        "post_feedback_sequential_not_suggested_before": percentiles(scored_again),
        f"post_feedback_{arguments.officers}_officers": percentiles(at_once),
        "summary_seconds": summary_runs,
        "summary_imports_seconds": import_runs,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "command": "python -m benchmarks.feedback_store",
    }
    arguments.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sequential, crowd = results["post_feedback_sequential"], results[f"post_feedback_{arguments.officers}_officers"]
    again = results["post_feedback_sequential_not_suggested_before"]
    lines = [
        "# The decision store at scale (SQLite)",
        "",
        f"`python -m benchmarks.feedback_store` on {os.cpu_count()} cores (load average "
        f"{results['load_average_before'][0]} before, {results['load_average_after'][0]} after: the machine is shared).",
        "",
        f"Store filled with {arguments.stored:,} synthetic decisions in {results['fill_seconds']} s.",
        "",
        "| measure | p50 | p95 | max | requests | target |",
        "|---|---|---|---|---|---|",
        f"| `POST /feedback`, one at a time, each after its `/suggest` (as the page does) | {sequential['p50_ms']} ms | "
        f"{sequential['p95_ms']} ms | {sequential['max_ms']} ms | {sequential['requests']} | p95 <= 20 ms |",
        f"| `POST /feedback`, one at a time, text not suggested before (scored again) | {again['p50_ms']} ms | "
        f"{again['p95_ms']} ms | {again['max_ms']} ms | {again['requests']} | (no target) |",
        f"| `POST /feedback`, {arguments.officers} officers at once | {crowd['p50_ms']} ms | {crowd['p95_ms']} ms | "
        f"{crowd['max_ms']} ms | {crowd['requests']} | (no target) |",
        "",
        f"`complaints feedback summary` on {stored_after:,} decisions, end to end in a new process: "
        f"{' s, '.join(str(s) for s in summary_runs)} s (two runs; target under 10 s), of which starting Python "
        f"and importing the modules it needs (pandas, SQLAlchemy, the report's renderer and the redactor, "
        f"which loads spaCy) took {' s, '.join(str(s) for s in import_runs)} s.",
        "",
    ]
    arguments.md.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201 - a benchmark script reports on the terminal


if __name__ == "__main__":
    main()
