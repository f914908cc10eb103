"""The threaded SHA-256 of a stream (services/stream_hash.py) is hashlib's, in order."""

import hashlib
import os
import random

import pytest

from wagtail_clientportal.services import stream_hash
from wagtail_clientportal.services.stream_hash import THREADED_MIN, StreamHash


@pytest.fixture(autouse=True, params=[2, 0], ids=["pool", "inline"])
def threads(request, settings):
    settings.WAGTAILCLIENTPORTAL_HASH_THREADS = request.param
    return request.param


def test_the_digest_is_sha256_of_the_chunks_in_order_whatever_their_sizes():
    rng = random.Random(10)
    sizes = [1, THREADED_MIN - 1, THREADED_MIN, 5 * THREADED_MIN + 3, 0, 7, 2 * THREADED_MIN]
    sizes += [rng.randrange(1, 3 * THREADED_MIN) for _ in range(20)]
    chunks = [os.urandom(n) for n in sizes]
    hashed = StreamHash()
    for chunk in chunks:
        hashed.update(chunk)
    assert hashed.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()


def test_streams_hashed_side_by_side_do_not_mix():
    a, b = StreamHash(), StreamHash()
    parts_a = [os.urandom(THREADED_MIN * 2) for _ in range(4)]
    parts_b = [os.urandom(THREADED_MIN * 3) for _ in range(4)]
    for x, y in zip(parts_a, parts_b, strict=True):
        a.update(x)
        b.update(y)
    assert a.hexdigest() == hashlib.sha256(b"".join(parts_a)).hexdigest()
    assert b.hexdigest() == hashlib.sha256(b"".join(parts_b)).hexdigest()


def test_a_forked_process_gets_its_own_pool(monkeypatch):
    pool = stream_hash.executor(2)
    monkeypatch.setattr(stream_hash, "_pool", stream_hash._pool)  # restored afterwards
    assert stream_hash.executor(2) is pool
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as seen from a child after fork()
    child = stream_hash.executor(2)
    assert child is not pool
    hashed = StreamHash()
    hashed.update(b"x" * THREADED_MIN)
    assert hashed.hexdigest() == hashlib.sha256(b"x" * THREADED_MIN).hexdigest()
    child.shutdown()


def test_the_pool_is_used_only_when_threads_are_wanted(threads, monkeypatch):
    submitted = []
    real = stream_hash.executor
    monkeypatch.setattr(stream_hash, "executor", lambda n: submitted.append(n) or real(n))
    hashed = StreamHash()
    hashed.update(b"a" * THREADED_MIN)
    hashed.update(b"b" * (THREADED_MIN - 1))  # small: always inline
    assert (
        hashed.hexdigest()
        == hashlib.sha256(b"a" * THREADED_MIN + b"b" * (THREADED_MIN - 1)).hexdigest()
    )
    assert submitted == ([2] if threads else [])


def test_by_default_two_cores_hash_inline_and_more_use_a_pool(settings, monkeypatch):
    del settings.WAGTAILCLIENTPORTAL_HASH_THREADS
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert stream_hash.workers() == 0
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert stream_hash.workers() == 4
