"""SHA-256 of a response's bytes, computed beside the sending instead of before it.

hashlib releases the GIL while it hashes more than 2 KiB, so a chunk handed to a
worker thread is hashed while the WSGI server writes that same chunk to the socket
and the stream reads the next one: on two cores or more a download then costs
max(send, hash) instead of their sum. Order is kept per stream: a chunk is
submitted only after the previous chunk's update has finished, so one stream never
has two updates in flight and the digest is the digest of the bytes in the order
sent. One small executor per process, shared by every download and made again in a
forked child (a pool's threads do not survive ``fork``); it touches no database and
no request state, only immutable ``bytes``.

The pool only pays where a core is free while the sender copies bytes to a fast
local peer. On two cores the peer (nginx, or the bench's client) and the sender
already use both, and the hand-off made downloads slightly slower in
bench/bench_downloads*.py; so by default the pool is used only on more than two
cores (``WAGTAILCLIENTPORTAL_HASH_THREADS`` overrides: ``0`` hashes in the sending
thread). Over a real network the choice matters little either way: the kernel's
socket buffer drains to the wire while the next chunk is hashed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from .. import conf

#: Below this a thread hand-off (about 20 µs) costs more than it hides: hashed inline.
THREADED_MIN = 128 * 1024
#: Hashing is CPU work: more threads than cores would only queue.
MAX_WORKERS = 4

_lock = threading.Lock()
_pool: tuple[tuple[int, int], ThreadPoolExecutor] | None = None


def workers() -> int:
    """Hashing threads per process: the setting, else up to 4 on more than two cores."""
    configured = conf.hash_threads()
    if configured is not None:
        return max(0, int(configured))
    cores = os.cpu_count() or 1
    return min(MAX_WORKERS, cores) if cores > 2 else 0


def executor(size: int) -> ThreadPoolExecutor:
    """This process's hashing pool (a new one after ``fork``: the pid is part of the key)."""
    global _pool
    key = (os.getpid(), size)
    pool = _pool
    if pool is None or pool[0] != key:
        with _lock:
            if _pool is None or _pool[0] != key:
                _pool = (
                    key,
                    ThreadPoolExecutor(max_workers=size, thread_name_prefix="clientportal-sha256"),
                )
            pool = _pool
    return pool[1]


class StreamHash:
    """``hashlib.sha256()`` with the same ``update``/``hexdigest``, the updates of large
    chunks run on the pool while the caller goes on sending."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._pending: Future | None = None

    def update(self, data: bytes) -> None:
        self._wait()
        size = workers() if len(data) >= THREADED_MIN else 0
        if size:
            try:
                self._pending = executor(size).submit(self._hash.update, data)
                return
            except RuntimeError:  # the interpreter is shutting down: hash here
                pass
        self._hash.update(data)

    def hexdigest(self) -> str:
        self._wait()
        return self._hash.hexdigest()

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()
