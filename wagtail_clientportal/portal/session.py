"""What the portal keeps in the session: the half-finished login between the password
and the code, and the lifetime of a verified portal session.

Nothing about the person is trusted from the session alone: the user is reloaded
and the password hash compared on every step, and the state expires.

Every step that raises a session's privilege gets a new session key (DESIGN rule 10):
``start()`` (password accepted, activation password set) cycles the key itself, and
Django's ``login()`` cycles it when the code is accepted or a device confirmed. A key
planted in the victim's browser beforehand is deleted with its session and is worth
nothing afterwards.
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare

from .. import conf

PENDING_LOGIN = "clientportal_pending_login"
PENDING_SETUP = "clientportal_pending_setup"
CODE_FAILURES = "failures"
MAX_CODE_FAILURES = 5


def start(request, key: str, user, **extra) -> None:
    """Begin a pending step for ``user``: a privilege step, so the session key changes first."""
    request.session.cycle_key()
    request.session[key] = {
        "uid": str(user.pk),
        "hash": user.get_session_auth_hash(),
        "at": int(time.time()),
        **extra,
    }


def load(request, key: str):
    """The user of a pending step, or None when missing, expired or outdated."""
    data = request.session.get(key)
    if not isinstance(data, dict):
        return None
    if int(time.time()) - int(data.get("at", 0)) > conf.login_timeout():
        request.session.pop(key, None)
        return None
    user = get_user_model()._default_manager.filter(pk=data.get("uid")).first()
    if user is None or not user.is_active:
        request.session.pop(key, None)
        return None
    if not constant_time_compare(data.get("hash", ""), user.get_session_auth_hash()):
        request.session.pop(key, None)
        return None
    return user


def update(request, key: str, **values) -> None:
    data = dict(request.session.get(key) or {})
    data.update(values)
    request.session[key] = data


def get(request, key: str, name: str, default=None):
    return (request.session.get(key) or {}).get(name, default)


def clear(request, key: str) -> None:
    request.session.pop(key, None)


# A verified portal session: {"at": when the code was accepted, "seen": last request}.
VERIFIED = "clientportal_verified"


def begin_verified(request) -> None:
    """Called right after the portal's own login (code accepted or device confirmed)."""
    now = int(time.time())
    request.session[VERIFIED] = {"at": now, "seen": now}
    # The stored session and its cookie also end after the idle timeout (a little later
    # than the check below, which is the one that counts).
    request.session.set_expiry(conf.session_idle_timeout() + SEEN_GRANULARITY)


# "seen" is rewritten at most this often, so an active person's session is not saved on
# every request.
SEEN_GRANULARITY = 60


def lifetime_exceeded(request, *, is_portal_session) -> bool:
    """Whether this verified portal session is past its idle timeout or absolute lifetime.

    Records the request as activity otherwise. A verified session without the marker
    (one that began before the marker existed) starts its lifetime now, if
    ``is_portal_session()`` says it belongs to a portal user; staff sessions are left alone.
    """
    data = request.session.get(VERIFIED)
    now = int(time.time())
    if not isinstance(data, dict):
        if is_portal_session():
            request.session[VERIFIED] = {"at": now, "seen": now}
        return False
    try:
        started, seen = int(data["at"]), int(data["seen"])
    except (KeyError, TypeError, ValueError):
        return True
    if now - started > conf.session_max_age() or now - seen > conf.session_idle_timeout():
        return True
    if now - seen >= min(SEEN_GRANULARITY, max(1, conf.session_idle_timeout() // 10)):
        request.session[VERIFIED] = {"at": started, "seen": now}
    return False
