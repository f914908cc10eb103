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

An address the person has logged in from before (remembered for
``LOGIN_KNOWN_ADDRESS_DAYS`` after each successful login) is not held by the
account-wide ceiling: a distributed attack cannot lock the real person out of
their usual network, and from there they are still limited by the per-pair wait.
IPv6 addresses count by their /64 network (one host usually has a whole /64), and
the email is folded the way the database compares it (``iexact``: PostgreSQL's
``UPPER()`` turns "ſ" into "S"), so look-alike spellings share one counter.

A wait is a "locked until" time in the cache, never a ``sleep()`` in a web
process. The cache must be shared by every web process in production (Redis,
Memcached or the database cache); the local-memory cache is only right for one
process. Password-reset requests are counted per address only (``is_locked`` /
``record_failure`` with ``scope="reset"``): a per-account limit would let anyone
stop the person's own reset; the worker caps the emails per person instead
(``services.accounts.send_password_reset``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
import unicodedata

from django.core.cache import caches

from .. import conf

_PREFIX = "clientportal:login-fail:"


def fold(value: str) -> str:
    """The form two spellings share when the database matches them case-insensitively.

    NFKC first (compatibility forms), then upper (what PostgreSQL's ``UPPER()`` in
    ``iexact`` does: "ſ" → "S", "ı" → "I"), then casefold.
    """
    return unicodedata.normalize("NFKC", (value or "").strip()).upper().casefold()


def network(ip: str | None) -> str:
    """The unit an address is counted in: itself for IPv4, its /64 for IPv6."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(fold(value).encode()).hexdigest()
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
    email = fold(email)
    address = network(ip)
    return {
        "pair": _key("login:pair", f"{email}\n{address}"),
        "account": _key("login:account", email),
        "ip": _key("login:ip", address) if address else "",
        "known": _key("login:known", f"{email}\n{address}") if address else "",
    }


def login_wait(email: str, ip: str | None) -> int:
    """Seconds before a login attempt for ``email`` from ``ip`` is checked at all (0: now)."""
    keys = _login_keys(email, ip)
    cache = _cache()
    waits = [keys["pair"], keys["ip"]]
    if not (keys["known"] and cache.get(keys["known"])):
        waits.append(keys["account"])  # the ceiling holds everyone but known addresses
    until = max(cache.get_many([k + ":until" for k in waits if k]).values(), default=0)
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


def address_wait(ip: str | None) -> int:
    """Seconds before ``ip`` may try a login at all, whatever the account (0: now).

    A passkey-only login does not name its account until the passkey answered; until then
    only the address's own lock applies (its failures count through ``record_address_failure``).
    """
    key = _login_keys("", ip)["ip"]
    if not key:
        return 0
    until = _cache().get(key + ":until") or 0
    return max(0, math.ceil(until - time.time()))


def record_address_failure(ip: str | None) -> None:
    """A failed login that names no account (an unknown or refused passkey): the address's
    counter only, so one address cannot try passkeys without limit."""
    key = _login_keys("", ip)["ip"]
    if not key:
        return
    cache = _cache()
    lockout = conf.login_lockout_seconds()
    if _count(cache, key, lockout) >= conf.login_ip_failure_limit():
        cache.set(key + ":until", time.time() + lockout, lockout)


def login_succeeded(email: str, ip: str | None) -> None:
    """The right password from ``ip``: that address starts afresh and is remembered as the
    person's own (the ceiling's count stays)."""
    keys = _login_keys(email, ip)
    cache = _cache()
    cache.delete_many([keys["pair"], keys["pair"] + ":until"])
    if keys["known"]:
        cache.set(keys["known"], 1, conf.login_known_address_days() * 86400)


def reset_account(email: str, ip: str | None = None) -> None:
    """After a password reset: the account's lock and count go, and ``ip``'s own wait."""
    keys = _login_keys(email, ip)
    _cache().delete_many(
        [keys["account"], keys["account"] + ":until", keys["pair"], keys["pair"] + ":until"]
    )


def is_known_address(email: str, ip: str | None) -> bool:
    """Whether the person behind ``email`` has logged in from ``ip``'s network lately."""
    key = _login_keys(email, ip)["known"]
    return bool(key and _cache().get(key))


def wait_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


# --- Simple counters (password-reset requests) ------------------------------------------------


def _keys(email: str, ip: str | None, scope: str):
    # Per address only: see the module docstring (``email`` is kept for the signature).
    address = network(ip)
    return [(_key(f"{scope}:ip", address), conf.login_ip_failure_limit())] if address else []


def is_locked(email: str, ip: str | None, scope: str = "reset") -> bool:
    """Whether ``scope`` has reached its limit for this account or address."""
    cache = _cache()
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip, scope))


def record_failure(email: str, ip: str | None, scope: str = "reset") -> None:
    cache = _cache()
    timeout = conf.login_lockout_seconds()
    for key, _limit in _keys(email, ip, scope):
        _count(cache, key, timeout)
