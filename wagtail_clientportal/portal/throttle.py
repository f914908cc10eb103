"""Login throttling by account and by IP address, kept in Django's cache.

The cache must be shared by every web process in production (Redis, Memcached
or the database cache); the local-memory cache is only right for one process.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches

from .. import conf

_PREFIX = "clientportal:login-fail:"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"{_PREFIX}{kind}:{digest}"


def _keys(email: str, ip: str | None, scope: str):
    keys = [(_key(f"{scope}:account", email or ""), conf.login_failure_limit())]
    if ip:
        keys.append((_key(f"{scope}:ip", ip), conf.login_ip_failure_limit()))
    return keys


def is_locked(email: str, ip: str | None, scope: str = "login") -> bool:
    """Whether ``scope`` (``"login"``, ``"reset"``) is locked for this account or address."""
    cache = caches[conf.throttle_cache()]
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip, scope))


def record_failure(email: str, ip: str | None, scope: str = "login") -> None:
    cache = caches[conf.throttle_cache()]
    timeout = conf.login_lockout_seconds()
    for key, _limit in _keys(email, ip, scope):
        if not cache.add(key, 1, timeout):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout)


def reset_account(email: str, scope: str = "login") -> None:
    caches[conf.throttle_cache()].delete(_key(f"{scope}:account", email or ""))


def lockout_minutes() -> int:
    return max(1, conf.login_lockout_seconds() // 60)
