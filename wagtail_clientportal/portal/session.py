"""The half-finished login kept in the session between the password and the code.

Nothing about the person is trusted from the session alone: the user is reloaded
and the password hash compared on every step, and the state expires.
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
