"""The SHA-256 of a file as stored: what an offloaded download's record can state.

When nginx or object storage sends the bytes, Python never sees them; the record
then holds the hash of the stored file at the moment it was handed off. A pinned
version has it frozen already; other files are read once through their storage
and the result is cached under the file's name, size and modification time (a
replaced file has another key, so a stale hash is never reused): in this process
first (a bounded dict: no round trip to the cache server on every download), then
in the shared cache, which every process and worker reads.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

CHUNK = 1024 * 1024
LIFETIME = 24 * 3600  # seconds, in this process as in the shared cache
_known: dict[str, tuple[str, float]] = {}
_KNOWN_MAX = 10_000


def _modified(storage, name: str) -> str:
    try:
        return storage.get_modified_time(name).isoformat()
    except (NotImplementedError, OSError, ValueError):
        return ""


def stored_sha256(share, field_file, size: int) -> str:
    if share.kind == "document_version" and share.document_version.sha256:
        return share.document_version.sha256
    storage = field_file.storage
    modified = _modified(storage, field_file.name)
    key = None
    if modified:
        digest = hashlib.sha256(
            f"{type(storage).__qualname__}|{field_file.name}|{size}|{modified}".encode()
        ).hexdigest()
        key = f"wagtail_clientportal:stored-sha256:{digest}"
        value, until = _known.get(key, ("", 0.0))
        if value and until > time.monotonic():
            return value
        cached = cache.get(key)
        if cached:
            _keep(key, cached)
            return cached
    hasher = hashlib.sha256()
    with storage.open(field_file.name, "rb") as handle:
        while data := handle.read(CHUNK):
            hasher.update(data)
    value = hasher.hexdigest()
    if key:
        cache.set(key, value, timeout=LIFETIME)
        _keep(key, value)
    return value


def _keep(key: str, value: str) -> None:
    if key not in _known and len(_known) >= _KNOWN_MAX:
        _known.clear()
    _known[key] = (value, time.monotonic() + LIFETIME)
