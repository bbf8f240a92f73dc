"""The intake service under load: throughput, latency, 429s and memory of a real ``complaints serve``.

    python -m benchmarks.service_load [--workers 2] [--requests 1000] [--concurrency 50] [--rounds 3]
                                      [--json benchmarks/service_load.json] [--md benchmarks/service_load.md]

Starts ``python -m pipeline serve`` on 127.0.0.1 (a free port, loopback only) with the models in
``models/category`` and ``models/themes`` (trained first with the test profile,
``tests/params_fast.yaml``, when they are missing), then, with a small HTTP/1.1 client on raw
keep-alive sockets (so that the client takes little of the CPU the server needs):

* ``rounds`` rounds of ``requests`` ``POST /suggest`` at ``concurrency`` connections: statuses,
  p50/p95/max latency, requests/s, and the resident memory of the server's processes after each;
* a burst of ``burst`` connections sending one request each at once: how many were answered, how
  many got 429 (the queue is full), and how long the slowest waited;
* a chunked body that never ends: how much was sent before the 413, and the memory after.

Complaints of about 100 words are recombined from the bundled sample's sentences. Targets on a
2-core machine: no 5xx, p95 <= 1 s, >= 100 requests/s, memory flat across the rounds. The load
average before and after is recorded: other work on the machine lowers every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import psutil

from benchmarks.scoring_speed import synthetic_complaints

log = logging.getLogger("benchmarks.service_load")
REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def ensure_models() -> str:
    """Train the sample's models with the test profile unless models/ holds them; say which were used."""
    card = REPO / "models/category/model_card.json"
    if card.is_file() and (REPO / "models/themes/model.joblib").is_file():
        facts = json.loads(card.read_text(encoding="utf-8"))
        return (
            f"models/category and models/themes as found (trained on {facts['data']['file']}, "
            f"{facts['data']['rows_train']} rows, searched C {facts['params']['train']['C']})"
        )
    command = [sys.executable, "-m", "pipeline", "train", "--params", "tests/params_fast.yaml", "--no-track"]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return "models/category and models/themes trained on the sample with tests/params_fast.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


async def request(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(head(port, method, path, len(body)) + body)
        await writer.drain()
        return await response(reader)
    finally:
        writer.close()


def head(port: int, method: str, path: str, length: int) -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, await reader.readexactly(int(headers.get("content-length", "0")))


class Server:
    """``python -m pipeline serve`` in a child process, its log in a file."""

    def __init__(self, workers: int, log_file: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "pipeline", "serve", "--model", "models/category"]
        command += ["--themes-model", "models/themes", "--host", HOST, "--port", str(self.port)]
        command += ["--workers", str(workers)]
        environment = {k: v for k, v in os.environ.items() if k != "COMPLAINTS_API_TOKEN"}
        self.log = log_file.open("w")
        self.process = subprocess.Popen(command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        self.started = time.perf_counter()

    def wait_until_up(self, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped (exit {self.process.returncode}); see {self.log.name}")
            try:
                if asyncio.run(request(self.port, "GET", "/health"))[0] == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer /health in time")

    def memory_mb(self) -> dict:
        """Resident memory of the server's processes (the command and its workers)."""
        root = psutil.Process(self.process.pid)
        processes = [root, *root.children(recursive=True)]
        sizes = [p.memory_info().rss / 2**20 for p in processes if p.is_running()]
        return {"processes": len(sizes), "rss_mb": round(sum(sizes)), "each_mb": [round(s) for s in sizes]}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def load(port: int, bodies: list[bytes], concurrency: int) -> dict:
    """Send every body as ``POST /suggest`` over ``concurrency`` keep-alive connections."""
    pending = iter(range(len(bodies)))
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        for index in pending:
            started = time.perf_counter()
            writer.write(head(port, "POST", "/suggest", len(bodies[index])) + bodies[index])
            await writer.drain()
            status, headers, _ = await response(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if headers.get("connection") == "close":
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return summary(latencies, statuses, time.perf_counter() - started)


async def burst(port: int, bodies: list[bytes]) -> dict:
    """Every body at once, each on its own connection (the issue's 1,000 concurrent requests)."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    retry_after: set[str] = set()
    by_status: dict[int, list[float]] = {}

    async def one(body: bytes) -> None:
        started = time.perf_counter()
        try:
            status, headers, _ = await request(port, "POST", "/suggest", body)
        except OSError:
            status, headers = 0, {}  # refused or reset: counted as status 0
        latencies.append(time.perf_counter() - started)
        by_status.setdefault(status, []).append(latencies[-1])
        statuses[status] += 1
        if status == 429:
            retry_after.add(headers.get("retry-after", ""))

    started = time.perf_counter()
    await asyncio.gather(*(one(body) for body in bodies))
    result = summary(latencies, statuses, time.perf_counter() - started)
    each = {
        str(status): {"p95_ms": round(float(np.percentile(times, 95)) * 1000, 1), "max_ms": round(max(times) * 1000, 1)}
        for status, times in sorted(by_status.items())
    }
    return result | {"retry_after_seconds": sorted(retry_after, key=int), "latency_by_status": each}


async def endless_chunked_body(port: int, chunk_kib: int = 64, give_up_mb: int = 300) -> dict:
    """A chunked POST /suggest that would go on for ``give_up_mb``: bytes sent before the server answered."""
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(
        f"POST /suggest HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b"%x\r\n%s\r\n" % (chunk_kib * 1024, b"x" * chunk_kib * 1024)
    sent = 0
    answer = asyncio.ensure_future(response(reader))
    try:
        while sent < give_up_mb * 2**20 and not answer.done():
            writer.write(chunk)
            await writer.drain()
            sent += chunk_kib * 1024
            await asyncio.sleep(0)
        status = (await asyncio.wait_for(answer, 10))[0]
    except (OSError, asyncio.IncompleteReadError):
        status = answer.result()[0] if answer.done() and not answer.exception() else 0
    finally:
        writer.close()
    return {"status": status, "sent_mb_before_the_answer": round(sent / 2**20, 1)}


def summary(latencies: list[float], statuses: Counter, seconds: float) -> dict:
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


def loads() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def markdown(report: dict) -> str:
    lines = [
        "# Service load (`benchmarks/service_load.py`)",
        "",
        f"Command: `{report['command']}`  ",
        f"Machine: {report['cpus']} cores; load average (1, 5, 15 min) {report['load_average_start']} at the start, "
        f"{report['load_average_end']} at the end.  ",
        f"Models: {report['models']}; server: `complaints serve --workers {report['workers']}` "
        f"(up in {report['startup_seconds']} s).",
        "",
        *(
            [
                "The machine was busy (a load average above its cores: other work was running), so these figures "
                "are lower than an idle machine's.",
                "",
            ]
            if report["load_average_start"][0] > report["cpus"] or report["load_average_end"][0] > report["cpus"]
            else []
        ),
        "| round | requests | concurrency | statuses | requests/s | p50 ms | p95 ms | max ms | server RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(report["rounds"], 1):
        lines.append(
            f"| {n} | {r['requests']} | {report['concurrency']} | {r['statuses']} | {r['requests_per_second']} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['memory']['rss_mb']} |"
        )
    b = report["burst"]
    lines += [
        "",
        f"Burst of {b['requests']} connections at once: statuses {b['statuses']}, {b['requests_per_second']} "
        f"requests/s, p95 {b['p95_ms']} ms, slowest {b['max_ms']} ms (by status: {b['latency_by_status']}), "
        f"Retry-After {b['retry_after_seconds']} s; "
        f"server RSS after {b['memory']['rss_mb']} MB.",
        "",
        f"Endless chunked body: status {report['chunked']['status']} after "
        f"{report['chunked']['sent_mb_before_the_answer']} MB sent (limit {report['body_limit_mb']} MB); "
        f"server RSS after {report['chunked']['memory']['rss_mb']} MB.",
        "",
        f"Targets: no 5xx, p95 <= 1,000 ms, >= 100 requests/s, memory flat across rounds: "
        f"{'met' if report['targets_met'] else 'NOT met'}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=1000, help="0 skips the burst")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from pipeline.config import load_params
    from pipeline.serving.service import body_limit

    report: dict = {
        "command": "python -m benchmarks.service_load " + " ".join(sys.argv[1:]),
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "load_average_start": loads(),
        "models": ensure_models(),
        "body_limit_mb": round(body_limit(load_params(REPO / "params.yaml").service) / 2**20, 1),
    }
    texts = synthetic_complaints(args.requests, seed=7)
    bodies = [json.dumps({"text": text, "team": "Family Support"}).encode() for text in texts]
    with tempfile.TemporaryDirectory() as folder:
        server = Server(args.workers, Path(folder) / "serve.log")
        try:
            report["startup_seconds"] = round(server.wait_until_up(), 1)
            asyncio.run(load(server.port, bodies[:300], args.concurrency))  # warm-up: every worker's first calls
            report["memory_after_warm_up"] = server.memory_mb()
            report["rounds"] = []
            for n in range(args.rounds):
                result = asyncio.run(load(server.port, bodies, args.concurrency))
                result["memory"] = server.memory_mb()
                report["rounds"].append(result)
                log.info("round %d: %s", n + 1, result)
            if args.burst:
                burst_bodies = (bodies * (args.burst // len(bodies) + 1))[: args.burst]
                report["burst"] = asyncio.run(burst(server.port, burst_bodies)) | {"memory": server.memory_mb()}
                log.info("burst: %s", report["burst"])
            report["chunked"] = asyncio.run(endless_chunked_body(server.port)) | {"memory": server.memory_mb()}
            log.info("chunked: %s", report["chunked"])
        finally:
            server.stop()
    report["load_average_end"] = loads()
    rounds = report["rounds"]
    memory = [r["memory"]["rss_mb"] for r in rounds]
    report["targets_met"] = bool(
        all(not any(s.startswith("5") for s in r["statuses"]) for r in rounds)
        and all(r["p95_ms"] <= 1000 and r["requests_per_second"] >= 100 for r in rounds)
        and max(memory) - min(memory) <= 0.1 * min(memory)
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.md and "burst" in report:
        args.md.write_text(markdown(report), encoding="utf-8")
    log.info("targets met: %s", report["targets_met"])


if __name__ == "__main__":
    main()
