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
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

#: Below this a thread hand-off (about 20 µs) costs more than it hides: hashed inline.
THREADED_MIN = 128 * 1024
#: Hashing is CPU work: more threads than cores would only queue.
MAX_WORKERS = 4

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _cores() -> int:
    return os.cpu_count() or 1


def executor() -> ThreadPoolExecutor:
    """This process's hashing pool (a new one after ``fork``: the pid is part of the key)."""
    global _pool
    pid = os.getpid()
    pool = _pool
    if pool is None or pool[0] != pid:
        with _lock:
            if _pool is None or _pool[0] != pid:
                _pool = (
                    pid,
                    ThreadPoolExecutor(
                        max_workers=min(MAX_WORKERS, _cores()),
                        thread_name_prefix="clientportal-sha256",
                    ),
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
        if len(data) >= THREADED_MIN and _cores() > 1:
            try:
                self._pending = executor().submit(self._hash.update, data)
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
