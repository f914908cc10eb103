"""Locust users of bench_load.py: portal clients browsing and downloading, or the baseline.

Run by bench/bench_load.py against the reference stack (deploy/stack.py); the
environment says where the stack is and who may log in.
"""

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, between, task

from deploy.portal_client import _CODE, _DEVICE

SEED = json.loads(os.environ.get("CLIENTPORTAL_SEED", "{}"))
MAIL_DIR = Path(os.environ.get("CLIENTPORTAL_MAIL_DIR", "."))
_people = itertools.cycle(SEED.get("emails", []))
# Seconds each user waits between requests: 0 (the default) measures capacity.
THINK = float(os.environ.get("CLIENTPORTAL_THINK", "0"))


def _code(address, since):
    import email
    from email import policy

    for _ in range(300):
        for path in MAIL_DIR.glob("*.eml"):
            if path.stat().st_mtime < since:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if str(message["To"]) == address:
                match = _CODE.search(message.get_body(("plain",)).get_content())
                if match:
                    return match.group(1)
        time.sleep(0.1)
    raise RuntimeError(f"no code for {address}")


class PortalClient(HttpUser):
    wait_time = between(THINK / 2, THINK * 1.5)
    weight = 1

    def on_start(self):
        address = next(_people)
        since = time.time() - 1
        self.client.get("/portal/", name="login")
        csrf = self.client.cookies.get("csrftoken")
        form = {"email": address, "password": SEED["password"], "csrfmiddlewaretoken": csrf}
        self.client.post("/portal/", form, name="login", headers={"Referer": self.host})
        page = self.client.get("/portal/login/code/", name="login").text
        match = _DEVICE.search(page)
        device = match.group(1) or match.group(2)
        form = {
            "device": device,
            "token": _code(address, since),
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken"),
        }
        self.client.post("/portal/login/code/", form, name="login", headers={"Referer": self.host})
        self.portal = f"/portal/p/{SEED['portal']}/"

    @task(2)
    def first_page(self):
        self.client.get(self.portal + "documents/", name="portal: first page")

    @task(1)
    def search(self):
        self.client.get(self.portal + "documents/?q=Pismo", name="portal: search")

    @task(4)
    def download(self):
        share = random.choice(SEED["shares"])
        self.client.get(f"{self.portal}file/{share}/", name="download (x-accel)")


class StaticBaseline(HttpUser):
    """The same files as plain nginx static files: the physical floor."""

    wait_time = between(THINK / 2, THINK * 1.5)
    weight = 1

    @task
    def download(self):
        name = random.choice(SEED["files"]).rsplit("/", 1)[1]
        self.client.get(f"/_baseline/{name}", name="download (nginx static)")


class PortalDownloader(PortalClient):
    """Downloads only, through the portal's check and nginx's offload: the baseline's pair."""

    tasks = [PortalClient.download]
