"""Scoring speed and memory: batch rows/s, peak memory streaming a big file, suggest latency.

    make demo                                    # trains the models this measures
    python -m benchmarks.scoring_speed [--rows 100000] [--memory-rows 1000000] [--requests 300] [--json out.json]

Synthetic complaints of about 100 words are recombined from the bundled sample's sentences (so
their vocabulary is the models'). Every figure goes through the same code as the CLI and the
service: ``files.iter_table`` -> ``batch.score_chunks`` -> ``files.TableWriter`` for batches, the
``complaints score`` command in a child process for peak memory (its maximum resident set size),
and ``score``/``POST /suggest`` for latency. Targets on a 2-core machine: >= 2,000 rows/s, peak
memory <= 1.5 GB, in-process p95 <= 25 ms, HTTP p95 <= 50 ms.
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
    started = time.perf_counter()
    with files.TableWriter(out) as scored, files.TableWriter(out.with_name("rejects.csv")) as rejects:
        summary = score_chunks(
            files.iter_table(source, params.score.chunk_rows), scorers, params, scored.write, rejects.write, explain
        )
    seconds = time.perf_counter() - started
    return {"rows": summary.rows_in, "seconds": round(seconds, 1), "rows_per_second": round(summary.rows_in / seconds)}


def peak_memory(source: Path, out: Path, model: str, themes_model: str, explain: bool) -> dict:
    """Peak resident memory of ``complaints score`` streaming ``source``, from the kernel's accounting."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "pipeline", "score", str(source), "--out", str(out)]
    command += ["--model", model, "--themes-model", themes_model, "--explain" if explain else "--no-explain"]
    subprocess.run(command, check=True, capture_output=True)
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
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    params = load_params(args.params)
    scorers = load_scorers(params, args.model, args.themes_model)
    report: dict = {"cpus": os.cpu_count(), "rows": args.rows}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_complaints(folder / "batch.csv", args.rows)
        for explain in (True, False):
            name = "batch_with_explanations" if explain else "batch_without_explanations"
            report[name] = batch_rate(params, scorers, folder / "batch.csv", folder / "scored.csv", explain)
            print(f"{name}: {report[name]}", flush=True)
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
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
