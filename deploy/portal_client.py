"""A portal client over real HTTP (urllib): the stack test's and the load test's person.

Logs in as a person does: password, then the one-time code read from the email
the stack's capture backend wrote (``deploy/mail.py``).
"""

from __future__ import annotations

import email
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from email import policy
from pathlib import Path

_DEVICE = re.compile(r'name="device"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="device"')
_CODE = re.compile(r"\b(\d{6,8})\b")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class PortalClient:
    def __init__(self, base_url: str, mail_dir: Path | None = None):
        self.base = base_url.rstrip("/")
        self.mail_dir = Path(mail_dir) if mail_dir else None
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies)
        self.raw = urllib.request.build_opener(cookies, _NoRedirect)

    def request(self, path, data=None, headers=None, follow=True):
        """(status, headers, body); never raises on an HTTP status."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        if body is not None:
            req.add_header("Referer", self.base + path)
        try:
            with (self.opener if follow else self.raw).open(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def _code_for(self, address: str, after: float, timeout=20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(self.mail_dir.glob("*.eml"), reverse=True):
                if path.stat().st_mtime < after:
                    continue
                message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                if address not in str(message["To"]):
                    continue
                text = message.get_body(("plain",)).get_content()
                match = _CODE.search(text)
                if match:
                    return match.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no login code emailed to {address}")

    def login(self, address: str, password: str) -> str:
        """Returns the path the portal sends the person to after the code."""
        self.request("/portal/")
        started = time.time() - 1
        status, _h, _b = self.request(
            "/portal/",
            {"email": address, "password": password, "csrfmiddlewaretoken": self._csrf()},
        )
        status, _h, page = self.request("/portal/login/code/")
        match = _DEVICE.search(page.decode())
        assert match, page[:2000]
        device = match.group(1) or match.group(2)
        code = self._code_for(address, started)
        status, headers, _ = self.request(
            "/portal/login/code/",
            {"device": device, "token": code, "csrfmiddlewaretoken": self._csrf()},
            follow=False,
        )
        assert status == 302, status
        return headers["Location"]
