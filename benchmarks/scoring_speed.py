"""Scoring speed and memory: batch rows/s, whole processes against a bare reference, peak memory, suggest latency.

    make demo                                    # trains the models this measures
    python -m benchmarks.scoring_speed [--rows 100000] [--memory-rows 1000000] [--requests 300] [--json out.json]

Synthetic complaints of about 100 words are recombined from the bundled sample's sentences (so
their vocabulary is the models'). Every figure goes through the same code as the CLI and the
service: ``files.iter_table`` -> ``batch.score_chunks`` -> ``files.TableWriter`` for batches (in this
process, pinned to one core with ``--one-core``), the ``complaints score`` command in a child process
for whole-process time and peak memory (its maximum resident set size), and ``score``/``POST /suggest``
for latency. The bare reference is a ten-line scikit-learn script (TF-IDF + LinearSVC fitted on the
sample, then predicting the same file), timed as a whole process in the same run. Targets (issue 19):
in process >= 2,000 rows/s with explanations and >= 4,000 without on one core; whole process <= 2x the
reference; peak memory <= 1 GB for 1,000,000 rows; suggest p95 <= 10 ms in process, <= 20 ms over HTTP.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.schema import intake_frame
from pipeline.serving.batch import score_chunks
from pipeline.serving.models import load_scorers
from pipeline.serving.score import score

SENTENCE = re.compile(r"(?<=[.!?])\s+")
# The bare reference: what scoring costs with nothing but scikit-learn (no masking, lemmas, themes, checks).
REFERENCE = """
import sys, pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
train = pd.read_csv("data/sample/complaints.csv").dropna(subset=["description", "category"])
vectoriser = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
model = LinearSVC().fit(vectoriser.fit_transform(train["description"]), train["category"])
new = pd.read_csv(sys.argv[1])
new["predicted_category"] = model.predict(vectoriser.transform(new["description"].fillna("")))
new.to_csv(sys.argv[2], index=False)
"""


def synthetic_complaints(n: int, seed: int = 0, words: int = 100) -> list[str]:
    """``n`` texts of about ``words`` words, each a random run of the sample's sentences."""
    sample = pd.read_csv("data/sample/complaints.csv", dtype=str)["description"].dropna()
    sentences = [s for text in sample for s in SENTENCE.split(text) if len(s.split()) > 2]
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        picked, count = [], 0
        while count < words:
            sentence = sentences[rng.integers(len(sentences))]
            picked.append(sentence)
            count += len(sentence.split())
        texts.append(" ".join(picked))
    return texts


def write_complaints(path: Path, n: int, chunk: int = 50_000) -> None:
    """A CSV of ``n`` complaints in the sample's layout, written a chunk at a time."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["complaint_ref", "date_received", "team", "description"])
        for start in range(0, n, chunk):
            texts = synthetic_complaints(min(chunk, n - start), seed=start)
            writer.writerows((f"B{start + i}", "03/04/2016", "Family Support", text) for i, text in enumerate(texts))


def batch_rate(params, scorers, source: Path, out: Path, explain: bool) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    with files.TableWriter(out) as scored, files.TableWriter(out.with_name("rejects.csv")) as rejects:
        summary = score_chunks(
            files.iter_table(source, params.score.chunk_rows), scorers, params, scored.write, rejects.write, explain
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "rows": summary.rows_in,
        "seconds": round(seconds, 1),
        "rows_per_second": round(summary.rows_in / seconds),
        "rows_per_cpu_second": round(summary.rows_in / cpu),
    }


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def whole_process(command: list[str], rows: int) -> dict:
    """Wall and CPU time of one child process, start-up and writing included (CPU time moves far less
    than wall time when other work shares the machine)."""
    started, used = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True, capture_output=True)
    seconds, cpu = time.perf_counter() - started, children_cpu() - used
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "rows_per_second": round(rows / seconds)}


def score_command(source: Path, out: Path, model: str, themes_model: str, explain: bool) -> list[str]:
    command = [sys.executable, "-m", "pipeline", "score", str(source), "--out", str(out)]
    return command + ["--model", model, "--themes-model", themes_model, "--explain" if explain else "--no-explain"]


def peak_memory(source: Path, out: Path, model: str, themes_model: str, explain: bool) -> dict:
    """Peak resident memory of ``complaints score`` streaming ``source``, from the kernel's accounting."""
    started = time.perf_counter()
    subprocess.run(score_command(source, out, model, themes_model, explain), check=True, capture_output=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"peak_mb": round(peak_kib / 1024), "seconds": round(time.perf_counter() - started, 1)}


def percentiles(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1)}


def in_process_latency(params, scorers, texts: list[str]) -> dict:
    timings = []
    for text in texts:
        started = time.perf_counter()
        frame = intake_frame([text], params.data)
        score(scorers, frame, params)
        timings.append(time.perf_counter() - started)
    return percentiles(timings)


def http_latency(params, scorers, texts: list[str]) -> dict:
    import httpx
    import uvicorn

    from pipeline.serving.service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(scorers, params), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    timings = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for text in texts:
                started = time.perf_counter()
                client.post("/suggest", json={"text": text}).raise_for_status()
                timings.append(time.perf_counter() - started)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return percentiles(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--model", default="models/category")
    parser.add_argument("--themes-model", default="models/themes")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="0 skips the memory run")
    parser.add_argument(
        "--memory-explain", action="store_true", help="explanations in the memory run too (about 3x longer)"
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--one-core", action=argparse.BooleanOptionalAction, default=True, help="in-process on CPU 0")
    parser.add_argument("--whole-process-rows", type=int, default=None, help="default --rows; 0 skips")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    params = load_params(args.params)
    scorers = load_scorers(params, args.model, args.themes_model)
    report: dict = {"cpus": os.cpu_count(), "rows": args.rows, "load_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_complaints(folder / "batch.csv", args.rows)
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        if args.one_core and cores is not None:
            os.sched_setaffinity(0, {min(cores)})
        report["in_process_cores"] = len(os.sched_getaffinity(0)) if cores is not None else os.cpu_count()
        for explain in (True, False):
            name = "batch_with_explanations" if explain else "batch_without_explanations"
            report[name] = batch_rate(params, scorers, folder / "batch.csv", folder / "scored.csv", explain)
            print(f"{name}: {report[name]}", flush=True)
        if cores is not None:
            os.sched_setaffinity(0, cores)
        whole_rows = args.rows if args.whole_process_rows is None else args.whole_process_rows
        if whole_rows:
            source = folder / "batch.csv"
            if whole_rows != args.rows:
                source = folder / "whole.csv"
                write_complaints(source, whole_rows)
            reference = [sys.executable, "-c", REFERENCE, str(source), str(folder / "reference.csv")]
            found = {"rows": whole_rows, "bare_reference": whole_process(reference, whole_rows)}
            for explain in (True, False):
                name = "score_with_explanations" if explain else "score_without_explanations"
                command = score_command(source, folder / "scored.csv", args.model, args.themes_model, explain)
                found[name] = whole_process(command, whole_rows)
                found[name]["times_reference"] = round(found[name]["seconds"] / found["bare_reference"]["seconds"], 1)
                found[name]["cpu_times_reference"] = round(
                    found[name]["cpu_seconds"] / found["bare_reference"]["cpu_seconds"], 1
                )
            report["whole_process"] = found
            print(f"whole process: {found}", flush=True)
        texts = synthetic_complaints(args.requests + 20, seed=99)
        in_process_latency(params, scorers, texts[:20])  # warm-up: caches, first-call imports
        report["suggest_in_process"] = in_process_latency(params, scorers, texts[20:])
        print(f"suggest in process: {report['suggest_in_process']}", flush=True)
        report["suggest_http"] = http_latency(params, scorers, texts[20:])
        print(f"suggest over HTTP: {report['suggest_http']}", flush=True)
        if args.memory_rows:
            write_complaints(folder / "big.csv", args.memory_rows)
            size = (folder / "big.csv").stat().st_size
            (folder / "batch.csv").unlink()
            report["streamed"] = {
                "rows": args.memory_rows,
                "file_mb": round(size / 2**20),
                "explain": args.memory_explain,
            }
            report["streamed"] |= peak_memory(
                folder / "big.csv", folder / "big_scored.csv", args.model, args.themes_model, args.memory_explain
            )
            print(f"streamed: {report['streamed']}", flush=True)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
