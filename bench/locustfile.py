"""Locust users of bench_load.py: portal clients browsing and downloading, or the baseline.

Run by bench/bench_load.py against the reference stack (deploy/stack.py); the
environment says where the stack is and who may log in.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

SEED = json.loads(os.environ.get("CLIENTPORTAL_SEED", "{}"))
_sessions = itertools.cycle(json.loads(os.environ.get("CLIENTPORTAL_SESSIONS", "[{}]")))
# Seconds each user waits between requests: 0 (the default) measures capacity.
THINK = float(os.environ.get("CLIENTPORTAL_THINK", "0"))


class PortalClient(HttpUser):
    """A person already logged in (bench_load.py logs everyone in first, over HTTP with
    the emailed code, so the timed run measures browsing and downloading)."""

    wait_time = between(THINK / 2, THINK * 1.5)
    weight = 1

    def on_start(self):
        for name, value in next(_sessions).items():
            self.client.cookies.set(name, value)
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
