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


def _keys(email: str, ip: str | None):
    keys = [(_key("account", email or ""), conf.login_failure_limit())]
    if ip:
        keys.append((_key("ip", ip), conf.login_ip_failure_limit()))
    return keys


def is_locked(email: str, ip: str | None) -> bool:
    cache = caches[conf.throttle_cache()]
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip))


def record_failure(email: str, ip: str | None) -> None:
    cache = caches[conf.throttle_cache()]
    timeout = conf.login_lockout_seconds()
    for key, _limit in _keys(email, ip):
        if not cache.add(key, 1, timeout):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout)


def reset_account(email: str) -> None:
    caches[conf.throttle_cache()].delete(_key("account", email or ""))


def lockout_minutes() -> int:
    return max(1, conf.login_lockout_seconds() // 60)
