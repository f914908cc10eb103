"""RFC 3161 trusted timestamps over delivery records (optional, off by default)."""

from __future__ import annotations

from .. import conf


def request_for(event) -> None:
    """Queue a timestamp for a first complete download or a confirmation, after commit."""
    if not conf.tsa_url():
        return
