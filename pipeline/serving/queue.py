"""The complaints waiting to be scored: a bounded queue, scored in batches by one thread per process.

Scoring is CPU-bound Python, so threads racing for the interpreter only make every request slow;
one scoring thread takes what is waiting (up to a batch at a time, first come first served) and
scores it in one call, which costs a fraction of scoring each complaint alone (explanations
included). When ``max_waiting`` complaints are already waiting a request is refused at once with
``Busy`` (the service answers 429 with Retry-After), so a request never waits longer than that
many complaints take to score.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

RATE_WINDOW = 10.0  # seconds of finished batches that estimate the scoring rate, for Retry-After
Item = TypeVar("Item")
Result = TypeVar("Result")


class Busy(Exception):
    """The queue is full; try again in ``retry_after`` seconds."""

    def __init__(self, waiting: int, retry_after: int) -> None:
        super().__init__(f"{waiting} complaints are waiting to be scored; try again in {retry_after} s")
        self.retry_after = retry_after


class ScoringQueue(Generic[Item, Result]):
    """Items scored by ``score_many`` (one result per item, in order) in batches of up to ``max_batch``."""

    def __init__(self, score_many: Callable[[list[Item]], list[Result]], max_waiting: int, max_batch: int) -> None:
        self.score_many = score_many
        self.max_waiting = max_waiting
        self.max_batch = max_batch
        self._lock = threading.Condition()
        self._pending: deque[tuple[Sequence[Item], Future[list[Result]]]] = deque()
        self._waiting = 0  # items queued or being scored
        # (finished when, items, seconds scoring) of the batches of the last RATE_WINDOW seconds
        self._done: deque[tuple[float, int, float]] = deque()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def waiting(self) -> int:
        """Items queued or being scored now."""
        with self._lock:
            return self._waiting

    async def score(self, items: Sequence[Item]) -> list[Result]:
        """The results for ``items``, once the scoring thread reaches them; ``Busy`` when the queue is full."""
        return await asyncio.wrap_future(self.submit(items))

    def submit(self, items: Sequence[Item]) -> Future[list[Result]]:
        """Queue ``items``; the future holds their results (or the error scoring raised)."""
        future: Future[list[Result]] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the scoring queue is closed")
            if self._waiting + len(items) > self.max_waiting:
                raise Busy(self._waiting, self._retry_after())
            self._pending.append((items, future))
            self._waiting += len(items)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="scoring", daemon=True)
                self._thread.start()
            self._lock.notify()
        return future

    def close(self, timeout: float = 10.0) -> None:
        """Score what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
            self._lock.notify()
        if thread is not None:
            thread.join(timeout)

    def _retry_after(self) -> int:
        """Seconds until what is waiting now is scored, at the speed of the last RATE_WINDOW seconds' batches (1 to 60)."""
        now = time.monotonic()
        while self._done and self._done[0][0] < now - RATE_WINDOW:
            self._done.popleft()
        items = sum(done[1] for done in self._done)
        if not items:
            return 1
        seconds_per_item = sum(done[2] for done in self._done) / items
        return min(60, max(1, math.ceil(self._waiting * seconds_per_item)))

    def _take(self) -> list[tuple[Sequence[Item], Future[list[Result]]]] | None:
        """The next requests to score together (at least one, at most max_batch items unless one is larger)."""
        with self._lock:
            while not self._pending and not self._closed:
                self._lock.wait()
            if not self._pending:
                return None
            taken = [self._pending.popleft()]
            size = len(taken[0][0])
            while self._pending and size + len(self._pending[0][0]) <= self.max_batch:
                taken.append(self._pending.popleft())
                size += len(taken[-1][0])
            return taken

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            # A request whose client went away is dropped; the rest can no longer be cancelled.
            live = [(request, future) for request, future in taken if future.set_running_or_notify_cancel()]
            items = [item for request, _ in live for item in request]
            started = time.monotonic()
            error: Exception | None = None
            try:
                results = self.score_many(items) if items else []
            except Exception as raised:  # each waiting request gets the error; the thread carries on
                error = raised
            with self._lock:  # counted out before the answers go, so a client answered may queue again at once
                self._waiting -= sum(len(request) for request, _ in taken)
                self._done.append((time.monotonic(), len(items), time.monotonic() - started))
            start = 0
            for request, future in live:
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(results[start : start + len(request)])
                    start += len(request)
