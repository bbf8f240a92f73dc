"""What is checked before the body is read (Host, token, size as it streams), and the bounded scoring queue."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from pipeline.serving.guard import Guard, host_name, token_matches
from pipeline.serving.queue import Busy, ScoringQueue


async def ok_app(scope, receive, send):
    """An app that reads the whole body and answers 200 with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def call(guard: Guard, headers: dict[str, str], chunks, path: str = "/suggest"):
    """Run ``guard`` on one request whose body arrives in ``chunks``; the response, and how many chunks were read."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    sent, read = [], 0
    source = iter(chunks)

    async def receive():
        nonlocal read
        read += 1
        chunk = next(source, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message):
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    headers_out = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], headers_out, body, read


def guard(token: str | None = None, max_body: int = 10_000) -> Guard:
    return Guard(
        ok_app, allowed_hosts=("localhost", "127.0.0.1", "::1"), token=token, protected=("/suggest",), max_body=max_body
    )


def endless(size: int = 1_000):
    while True:
        yield b"x" * size


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit():
    status, headers, body, read = call(guard(max_body=10_000), {"host": "localhost"}, endless())
    assert status == 413 and json.loads(body)["error"] == "the request body is over 10000 bytes"
    assert read == 11  # ten chunks reach the limit; the eleventh passes it and nothing more is read
    assert headers["connection"] == "close" and headers["x-content-type-options"] == "nosniff"


def test_a_body_declared_too_large_is_refused_before_a_byte_is_read():
    status, _, _, read = call(guard(max_body=10), {"host": "localhost", "content-length": "11"}, endless())
    assert (status, read) == (413, 0)


def test_without_the_token_nothing_of_the_body_is_read():
    status, headers, body, read = call(guard(token="s3cret"), {"host": "localhost"}, endless())
    assert (status, read) == (401, 0) and headers["www-authenticate"] == "Bearer"
    assert json.loads(body) == {"error": "missing or wrong bearer token", "details": []}
    wrong = {"host": "localhost", "authorization": "Bearer s3cre"}
    assert call(guard(token="s3cret"), wrong, endless())[0] == 401
    right = {"host": "localhost", "authorization": "Bearer s3cret"}
    assert call(guard(token="s3cret"), right, [b"ab", b"cd"])[:3:2] == (200, b"4")


def test_a_body_within_the_limit_reaches_the_app_with_the_security_headers():
    status, headers, body, _ = call(guard(), {"host": "127.0.0.1:8000"}, [b"x" * 5_000, b"x" * 5_000])
    assert (status, body) == (200, b"10000")
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example:8000", "", "127.0.0.2"])
def test_a_host_header_not_allowed_is_refused_against_dns_rebinding(host):
    status, _, body, read = call(guard(), {"host": host} if host else {}, endless())
    assert (status, read) == (400, 0) and "service.allowed_hosts" in json.loads(body)["error"]


def test_host_names_lose_their_port_and_case():
    assert host_name("LocalHost:8000") == "localhost"
    assert host_name("[::1]:8000") == "::1" and host_name("::1") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1"


def test_only_the_bearer_scheme_with_the_exact_token_matches():
    assert token_matches("Bearer abc", "abc") and token_matches("bearer abc", "abc")
    assert not token_matches("Basic abc", "abc") and not token_matches(None, "abc")
    assert not token_matches("Bearer abc\udc80", "abc")


def blocked_queue(max_waiting: int, max_batch: int = 10):
    """A queue whose scoring waits for ``release``, recording each batch it is given."""
    release, batches = threading.Event(), []

    def score_many(items):
        release.wait(10)
        batches.append(list(items))
        return [item * 10 for item in items]

    return ScoringQueue(score_many, max_waiting=max_waiting, max_batch=max_batch), release, batches


def test_a_full_queue_refuses_at_once_with_a_retry_time():
    queue, release, _ = blocked_queue(max_waiting=3)
    first, second = queue.submit([1]), queue.submit([2, 3])
    with pytest.raises(Busy) as busy:
        queue.submit([4])
    assert busy.value.retry_after >= 1 and queue.waiting == 3
    release.set()
    assert first.result(5) == [10] and second.result(5) == [20, 30]
    queue.close()
    assert queue.waiting == 0


def test_waiting_requests_are_scored_together_in_order_up_to_a_batch():
    queue, release, batches = blocked_queue(max_waiting=100, max_batch=4)
    futures = [queue.submit([n]) for n in range(7)]
    release.set()
    assert [f.result(5) for f in futures] == [[n * 10] for n in range(7)]
    queue.close()
    # The thread may have taken the first request or two before the others came; after that, batches of 4.
    assert [n for batch in batches for n in batch] == list(range(7))
    assert all(len(batch) <= 4 for batch in batches) and all(len(batch) == 4 for batch in batches[1:-1])
    assert len(batches) <= 3


def test_a_scoring_error_reaches_each_waiting_request_and_the_queue_carries_on():
    calls = []

    def score_many(items):
        calls.append(items)
        if len(calls) == 1:
            raise ValueError("broken")
        return items

    queue = ScoringQueue(score_many, max_waiting=10, max_batch=10)
    with pytest.raises(ValueError, match="broken"):
        queue.submit(["a"]).result(5)
    assert queue.submit(["b"]).result(5) == ["b"]
    queue.close()


def test_a_request_cancelled_while_waiting_is_not_scored():
    queue, release, batches = blocked_queue(max_waiting=10)
    first = queue.submit([1])
    gone = queue.submit([2])
    assert gone.cancel()
    release.set()
    assert first.result(5) == [10]
    queue.close()
    assert sum(batches, []) == [1] and queue.waiting == 0


def test_retry_after_follows_how_long_the_last_batches_took_per_complaint():
    release = threading.Event()

    def score_many(items):
        release.wait(10) if items[0] == "wait" else time.sleep(0.1)  # 0.05 s a complaint for the first batch
        return items

    queue = ScoringQueue(score_many, max_waiting=41, max_batch=41)
    queue.submit(["a", "b"]).result(5)
    held = queue.submit(["wait"] * 41)
    with pytest.raises(Busy) as busy:
        queue.submit(["c"])
    assert 2 <= busy.value.retry_after <= 60  # 41 waiting at >= 0.05 s each
    release.set()
    held.result(5)
    queue.close()
