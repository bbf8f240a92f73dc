"""National scale: scoring on one process, two processes and Spark local[2]; the report's counting on Spark.

    make demo                      # trains the champion models this measures
    python -m benchmarks.scale [--rows 1000000 200000] [--explain-rows 200000] [--steps ...] [--out benchmarks/scale]

Synthetic complaints of about 100 words are recombined from the bundled sample's sentences (as
benchmarks/scoring_speed.py makes them), with teams, dates over two financial years, stages and
outcomes, written as one Parquet file per size (row groups of 50,000 rows: one Spark task each).
Every run is the ``complaints`` command in a child process, so the figures include what a user waits
for (imports, model loading, JVM start):

- pandas: ``complaints score FILE`` (one process);
- pandas x2: the file split in two halves, two ``complaints score`` processes at once;
- spark: ``complaints score FILE --engine spark --master local[2]``;
- Spark start-up: a session and one trivial job, alone;
- report counting: :func:`pipeline.spark.job.report_files` on the Spark-scored rows.

Peak memory is sampled every half second over the child's whole process tree (psutil): for Spark
the driver is the Python process plus the JVM (which in local mode also runs the executors' threads);
the Python workers are reported apart. Targets on this 2-core machine: Spark local[2] at least 1.6x
the single-process pandas rate at 1M rows with --no-explain; driver memory at most 2 GB; the report
counting on 1M scored rows under 60 s. The machine's cores are shared: the load average is recorded
before and after each run. Results are written step by step (a long run keeps what it finished).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from benchmarks.scoring_speed import synthetic_complaints

REPO = Path(__file__).resolve().parents[1]
TEAMS = ["Family Support", "Children in Care", "Leaving Care", "Fostering", "Adoption", "Disabled Children"]
OUTCOMES = ["Upheld", "Partially upheld", "Not upheld", "No finding", None]
ROW_GROUP = 50_000
TARGET_SPEEDUP, TARGET_DRIVER_MB, TARGET_REPORT_SECONDS = 1.6, 2048, 60


def write_input(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` synthetic complaints as one Parquet file, written a row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, n, ROW_GROUP):
        size = min(ROW_GROUP, n - start)
        received = pd.Timestamp("2014-04-01") + pd.to_timedelta(rng.integers(0, 730, size), unit="D")
        responded = received + pd.to_timedelta(rng.integers(1, 60, size), unit="D")
        frame = pd.DataFrame(
            {
                "complaint_ref": [f"N{start + i}" for i in range(size)],
                "date_received": received.strftime("%d/%m/%Y"),
                "stage": rng.integers(1, 3, size).astype(str),
                "team": rng.choice(TEAMS, size),
                "description": synthetic_complaints(size, seed=seed * 1_000_003 + start),
                "outcome": rng.choice(np.array(OUTCOMES, dtype=object), size),
                "date_responded": responded.strftime("%d/%m/%Y"),
            }
        )
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    writer.close()
    return path


class TreeMemory:
    """Peak resident memory (MB) of a process and its descendants, sampled every half second, split into
    the driver (the process itself and any JVM) and the rest (Python workers)."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.driver = self.workers = self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                driver = workers = 0.0
                for process in processes:
                    with_java = process == self.root or "java" in process.name()
                    rss = process.memory_info().rss / 2**20
                    driver, workers = (driver + rss, workers) if with_java else (driver, workers + rss)
                self.driver, self.workers = max(self.driver, driver), max(self.workers, workers)
                self.total = max(self.total, driver + workers)
            except psutil.Error:
                pass
            self._stop.wait(0.5)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        return {"driver_mb": round(self.driver), "workers_mb": round(self.workers), "peak_total_mb": round(self.total)}


def _complaints(args: list[str], cwd: Path) -> tuple[subprocess.Popen, TreeMemory]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return process, TreeMemory(process.pid)


def _finish(process: subprocess.Popen, memory: TreeMemory) -> dict[str, float]:
    _, errors = process.communicate()
    used = memory.stop()
    if process.returncode:
        raise RuntimeError(f"complaints exited {process.returncode}: {errors[-2000:]}")
    return used


def run_pandas(source: Path, work: Path, explain: bool, rows: int) -> dict:
    flag = "--explain" if explain else "--no-explain"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    used = _finish(*_complaints(["score", str(source), "--out", str(work / "pandas.parquet"), flag], REPO))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "rows_per_second": round(rows / seconds), **used, "load_before": load}


def run_pandas_two(source: Path, work: Path, explain: bool, rows: int) -> dict:
    """The file split in halves (by row group), two ``complaints score`` processes at once."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(source)
    groups = list(range(parquet.metadata.num_row_groups))
    halves = []
    for number, part in enumerate((groups[: len(groups) // 2 or 1], groups[len(groups) // 2 or 1 :])):
        if part:
            half = work / f"half{number}.parquet"
            pq.write_table(parquet.read_row_groups(part), half, row_group_size=ROW_GROUP)
            halves.append(half)
    flag = "--explain" if explain else "--no-explain"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    running = [
        _complaints(["score", str(half), "--out", str(work / f"pandas{n}.parquet"), flag], REPO)
        for n, half in enumerate(halves)
    ]
    used = [_finish(*each) for each in running]
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_per_process_mb": max(u["driver_mb"] for u in used),
        "peak_total_mb": sum(u["driver_mb"] for u in used),
        "load_before": load,
    }


def run_spark(source: Path, out: Path, explain: bool, rows: int) -> dict:
    flag = "--explain" if explain else "--no-explain"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    args = ["score", str(source), "--engine", "spark", "--master", "local[2]", "--out", str(out), flag]
    used = _finish(*_complaints([*args, "--summary-json", str(out.with_suffix(".json"))], REPO))
    seconds = time.perf_counter() - started
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["rows_in"] == rows, summary
    return {"seconds": round(seconds, 1), "rows_per_second": round(rows / seconds), **used, "load_before": load}


STARTUP = """
import time
started = time.perf_counter()
from pipeline.spark.session import spark_session
spark = spark_session("local[2]", "startup")
spark.range(1).count()
print(time.perf_counter() - started)
spark.stop()
"""


def spark_startup() -> dict:
    """A session and one trivial job in a fresh process: what Spark costs before any complaint is read."""
    found = subprocess.run([sys.executable, "-c", STARTUP], cwd=REPO, capture_output=True, text=True, check=True)
    return {"seconds": round(float(found.stdout.strip().splitlines()[-1]), 1)}


REPORT = """
import json, sys, time
from pipeline.config import load_params
from pipeline.spark.job import report_files
from pipeline.spark.session import spark_session
spark = spark_session("local[2]", "report")
spark.range(1).count()
params = load_params(None)
started = time.perf_counter()
counted = report_files(sys.argv[1], params, None, None, None, None, None)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": counted.rows, "year": counted.year}))
"""


def report_counting(scored: Path) -> dict:
    """The report's counting on Spark over a scored folder, in a fresh process (JVM start not counted)."""
    process = subprocess.Popen(
        [sys.executable, "-c", REPORT, str(scored)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    memory = TreeMemory(process.pid)
    output, errors = process.communicate()
    used = memory.stop()
    if process.returncode:
        raise RuntimeError(errors[-2000:])
    found = json.loads(output.strip().splitlines()[-1])
    return {"seconds": round(found["seconds"], 1), "rows": found["rows"], "year": found["year"], **used}


WIDEN = """
import sys
from pyspark.sql import functions as F
from pipeline.spark.session import spark_session
spark = spark_session("local[2]", "widen")
source, target, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = spark.read.parquet(source)
parts = [
    rows.withColumn("complaint_ref", F.concat(F.col("complaint_ref"), F.lit(f"-{k}")))
    .withColumn("description", F.concat(F.col("description"), F.lit(f" Copy {k}.")))
    .withColumn("source_file", F.concat(F.col("source_file"), F.lit(f"-{k}")))
    for k in range(copies)
]
combined = parts[0]
for part in parts[1:]:
    combined = combined.unionByName(part)
combined.write.mode("overwrite").partitionBy("partition_year").parquet(target)
"""


def widen(scored: Path, target: Path, copies: int) -> Path:
    """``copies`` copies of a scored folder as one (references, text and file names made distinct, so no
    copy is a duplicate of another): the report counting at a size that was not scored here."""
    if not target.is_dir():
        subprocess.run([sys.executable, "-c", WIDEN, str(scored), str(target), str(copies)], cwd=REPO, check=True)
    return target


def crossover(startup: float, spark_rate: float, pandas_rate: float) -> float | None:
    """Rows at which Spark local[2] (start-up + rows / its rate) takes no longer than one pandas process
    (its start-up is in both figures, so only Spark's extra start-up counts)."""
    if spark_rate <= pandas_rate:
        return None
    return startup / (1 / pandas_rate - 1 / spark_rate)


def projection(spark_rate_2_cores: float, startup: float, rows: int = 10_000_000, executors: int = 16) -> dict:
    """10M rows on 16 executors of 2 cores each, assuming each executor scores at this machine's local[2]
    rate (CPU-bound, no shared cores), 80% scaling efficiency for scheduling and the write, and the
    measured start-up plus 30 s for the cluster to grant executors."""
    rate = spark_rate_2_cores * executors * 0.8
    return {
        "rows": rows,
        "executors": executors,
        "cores_per_executor": 2,
        "assumed_rows_per_second": round(rate),
        "minutes": round((rows / rate + startup + 30) / 60, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 200_000], help="sizes, --no-explain")
    parser.add_argument("--explain-rows", type=int, nargs="*", default=[200_000], help="sizes with explanations")
    parser.add_argument("--steps", nargs="+", default=["startup", "pandas", "pandas2", "spark", "report"])
    parser.add_argument("--report-rows", type=int, default=1_000_000, help="rows the report counting runs on")
    parser.add_argument("--summarise-only", action="store_true", help="rewrite the .md from the .json")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "scale")
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated files (default: temporary)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results_file = args.out.with_suffix(".json")
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    results["machine"] = {"cores": os.cpu_count(), "note": "2 cores shared with other engineers during the run"}
    results.setdefault("notes", [])  # what was not measured, and why (kept across runs; edit by hand)

    def save() -> None:
        results_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    if args.summarise_only:
        summarise(results)
        save()
        args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
        return

    if "startup" in args.steps:
        results["spark_startup"] = spark_startup()
        save()
    runs = [(n, False) for n in args.rows] + [(n, True) for n in args.explain_rows]
    for rows, explain in runs:
        key = f"{rows}{'_explain' if explain else '_no_explain'}"
        source = work / f"complaints_{rows}.parquet"
        if not source.is_file():
            write_input(source, rows)
        entry = results.setdefault(key, {"rows": rows, "explain": explain})
        for step, run, target in (
            ("pandas", run_pandas, work),
            ("pandas2", run_pandas_two, work),
            ("spark", run_spark, work / f"spark_{key}.parquet"),
        ):
            if step in args.steps:
                entry[step] = run(source, target, explain, rows)
                entry[step]["load_after"] = os.getloadavg()[0]
                print(key, step, entry[step], flush=True)
                save()
    if "report" in args.steps:
        scored = max(work.glob("spark_*_no_explain.parquet"), key=lambda p: int(p.name.split("_")[1]), default=None)
        if scored is not None:
            rows = int(scored.name.split("_")[1])
            copies = -(-args.report_rows // rows)
            widened = widen(scored, work / f"scored_{rows * copies}.parquet", copies)
            results["report_counting"] = report_counting(widened) | {"copies_of": rows}
            print("report", results["report_counting"], flush=True)
            save()
    summarise(results)
    save()
    args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def summarise(results: dict) -> None:
    """Speed-ups, crossover and projection from what was measured."""
    startup = results.get("spark_startup", {}).get("seconds")
    for entry in results.values():
        if not isinstance(entry, dict) or "pandas" not in entry or "spark" not in entry:
            continue
        entry["spark_speedup"] = round(entry["spark"]["rows_per_second"] / entry["pandas"]["rows_per_second"], 2)
        if "pandas2" in entry:
            entry["pandas2_speedup"] = round(
                entry["pandas2"]["rows_per_second"] / entry["pandas"]["rows_per_second"], 2
            )
        if startup is not None:
            # Rates without start-up, for the crossover: Spark's rate once running.
            running = entry["rows"] / max(entry["spark"]["seconds"] - startup, 1e-9)
            found = crossover(startup, running, entry["pandas"]["rows_per_second"])
            entry["crossover_rows"] = round(found) if found else None
            entry["projection_16_executors"] = projection(running, startup)


def markdown(results: dict) -> str:
    lines = [
        "# National scale: pandas against Spark local[2]",
        "",
        "Measured by `python -m benchmarks.scale` (see its docstring). Synthetic 100-word complaints from the sample's",
        "sentences; times are the whole `complaints score` command in a child process. The machine's 2 cores were",
        "shared with other engineers' work during the run: the load average before each run is given, and",
        "the figures are noisy (repeat a run before drawing a fine conclusion).",
        "",
        "| rows | explain | engine | seconds | rows/s | driver MB | workers MB | load before |",
        "|---:|:---|:---|---:|---:|---:|---:|---:|",
    ]
    for entry in results.values():
        if not isinstance(entry, dict) or "rows" not in entry or "explain" not in entry:
            continue
        for engine in ("pandas", "pandas2", "spark"):
            if engine in entry:
                run = entry[engine]
                driver = run.get("driver_mb", run.get("peak_per_process_mb"))
                workers = run.get("workers_mb", run.get("peak_total_mb") if engine == "pandas2" else "")
                name = {"pandas": "pandas, 1 process", "pandas2": "pandas, 2 processes", "spark": "Spark local[2]"}[
                    engine
                ]
                lines.append(
                    f"| {entry['rows']:,} | {'yes' if entry['explain'] else 'no'} | {name} | {run['seconds']} | "
                    f"{run['rows_per_second']:,} | {driver} | {workers} | {run['load_before']:.1f} |"
                )
    lines += ["", "pandas, 2 processes: 'driver MB' is the larger process, 'workers MB' both together.", ""]
    startup = results.get("spark_startup", {}).get("seconds")
    if startup is not None:
        lines.append(f"Spark start-up (session and one trivial job, fresh process): {startup} s.")
    for key, entry in results.items():
        if isinstance(entry, dict) and "spark_speedup" in entry:
            target = f" (target {TARGET_SPEEDUP}x at 1M rows, --no-explain)" if not entry["explain"] else ""
            lines.append(f"- {key}: Spark local[2] is {entry['spark_speedup']}x one pandas process{target}.")
            if "pandas2_speedup" in entry:
                lines.append(f"  Two pandas processes: {entry['pandas2_speedup']}x one.")
            if entry.get("crossover_rows"):
                lines.append(f"  Crossover (Spark pays off from): about {entry['crossover_rows']:,} rows.")
            elif "crossover_rows" in entry:
                lines.append("  Crossover: none here (Spark's running rate is not above one pandas process).")
            if "projection_16_executors" in entry:
                p = entry["projection_16_executors"]
                lines.append(
                    f"  Projection: {p['rows']:,} rows on {p['executors']} executors of {p['cores_per_executor']} "
                    f"cores: about {p['minutes']} minutes ({p['assumed_rows_per_second']:,} rows/s assumed; see "
                    "`projection` in the script for the assumptions)."
                )
    notes = results.get("notes", [])
    if notes:
        lines += ["", "## Notes on this run", "", *[f"- {note}" for note in notes]]
    if "report_counting" in results:
        r = results["report_counting"]
        lines.append(
            f"\nReport counting on {r['rows']:,} Spark-scored rows (JVM already started): {r['seconds']} s "
            f"(target under {TARGET_REPORT_SECONDS} s); driver {r['driver_mb']} MB."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
