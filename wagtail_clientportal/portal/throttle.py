"""Login throttling kept in Django's cache: brute force stays impossible, a lock-out stays costly.

Wrong passwords are counted three ways:

* per (account, client address): after ``LOGIN_LIMIT`` of them, that address
  must wait ``LOGIN_DELAY`` seconds before its next try at that account, twice
  as long after every further wrong password (at most ``LOGIN_LOCKOUT``). An
  attacker elsewhere slows only themselves: the real person on their own
  address is not held up;
* per account, from every address: ``LOGIN_ACCOUNT_LIMIT`` (much higher) locks
  the account for everyone for ``LOGIN_LOCKOUT`` seconds, the ceiling that stops
  a guess spread over many addresses;
* per address, over every account: ``LOGIN_IP_LIMIT`` (one address trying many).

A wait is a "locked until" time in the cache, never a ``sleep()`` in a web
process. The cache must be shared by every web process in production (Redis,
Memcached or the database cache); the local-memory cache is only right for one
process. Password-reset requests use the simple counters (``is_locked`` /
``record_failure`` with ``scope="reset"``).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import caches

from .. import conf

_PREFIX = "clientportal:login-fail:"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"{_PREFIX}{kind}:{digest}"


def _cache():
    return caches[conf.throttle_cache()]


def _count(cache, key: str, timeout: int) -> int:
    """Add one to ``key`` (atomic where the backend is) and return the new count."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout)
        return 1


# --- Login: per (account, address), per account, per address ----------------------------------


def _login_keys(email: str, ip: str | None) -> dict[str, str]:
    email = (email or "").strip().lower()
    address = ip or ""
    return {
        "pair": _key("login:pair", f"{email}\n{address}"),
        "account": _key("login:account", email),
        "ip": _key("login:ip", address) if ip else "",
    }


def login_wait(email: str, ip: str | None) -> int:
    """Seconds before a login attempt for ``email`` from ``ip`` is checked at all (0: now)."""
    keys = [k + ":until" for k in _login_keys(email, ip).values() if k]
    until = max(_cache().get_many(keys).values(), default=0)
    return max(0, math.ceil(until - time.time()))


def record_login_failure(email: str, ip: str | None) -> None:
    cache = _cache()
    now = time.time()
    lockout = conf.login_lockout_seconds()
    keys = _login_keys(email, ip)
    if _count(cache, keys["account"], lockout) >= conf.login_account_limit():
        cache.set(keys["account"] + ":until", now + lockout, lockout)
    if keys["ip"] and _count(cache, keys["ip"], lockout) >= conf.login_ip_failure_limit():
        cache.set(keys["ip"] + ":until", now + lockout, lockout)
    failures = _count(cache, keys["pair"], lockout)
    delay = 0
    if failures >= conf.login_failure_limit():
        extra = failures - conf.login_failure_limit()
        delay = min(lockout, conf.login_delay_seconds() * 2 ** min(extra, 32))
        cache.set(keys["pair"] + ":until", now + delay, max(1, math.ceil(delay)))
    # An address's failures are remembered until LOCKOUT after its last wait ends.
    cache.touch(keys["pair"], lockout + math.ceil(delay))


def login_succeeded(email: str, ip: str | None) -> None:
    """The right password from ``ip``: that address starts afresh (the ceiling does not)."""
    pair = _login_keys(email, ip)["pair"]
    _cache().delete_many([pair, pair + ":until"])


def reset_account(email: str, ip: str | None = None) -> None:
    """After a password reset: the account's lock and count go, and ``ip``'s own wait."""
    keys = _login_keys(email, ip)
    _cache().delete_many(
        [keys["account"], keys["account"] + ":until", keys["pair"], keys["pair"] + ":until"]
    )


def wait_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


# --- Simple counters (password-reset requests) ------------------------------------------------


def _keys(email: str, ip: str | None, scope: str):
    keys = [(_key(f"{scope}:account", email or ""), conf.login_failure_limit())]
    if ip:
        keys.append((_key(f"{scope}:ip", ip), conf.login_ip_failure_limit()))
    return keys


def is_locked(email: str, ip: str | None, scope: str = "reset") -> bool:
    """Whether ``scope`` has reached its limit for this account or address."""
    cache = _cache()
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip, scope))


def record_failure(email: str, ip: str | None, scope: str = "reset") -> None:
    cache = _cache()
    timeout = conf.login_lockout_seconds()
    for key, _limit in _keys(email, ip, scope):
        _count(cache, key, timeout)
