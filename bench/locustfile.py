"""Locust users of bench_load.py: portal clients browsing and downloading, or the baselines.

Run by bench/bench_load.py against the reference stack (deploy/stack.py); the
environment says where the stack is and who may log in. Each class is run on its
own; locust adds a base class's tasks to a subclass's, so the portal users share
an abstract base holding only the login cookies.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

SEED = json.loads(os.environ.get("CLIENTPORTAL_SEED", "{}"))
SESSIONS = json.loads(os.environ.get("CLIENTPORTAL_SESSIONS", "[{}]"))
# The n-th user started in this process is the n-th person logged in (and their seat).
_people = itertools.cycle(range(len(SESSIONS)))
# Seconds each user waits between requests: 0 (the default) measures capacity.
THINK = float(os.environ.get("CLIENTPORTAL_THINK", "0"))


class _User(HttpUser):
    abstract = True
    wait_time = between(THINK / 2, THINK * 1.5)


class _LoggedIn(_User):
    """A person already logged in (bench_load.py logs everyone in first, over HTTP with
    the emailed code, so the timed run measures browsing and downloading)."""

    abstract = True

    def on_start(self):
        self.person = next(_people)
        for name, value in SESSIONS[self.person].items():
            self.client.cookies.set(name, value)
        self.portal = f"/portal/p/{SEED['portal']}/"

    def fetch(self, shares, name):
        self.client.get(f"{self.portal}file/{random.choice(shares)}/", name=name)


class PortalClient(_LoggedIn):
    @task(2)
    def first_page(self):
        self.client.get(self.portal + "documents/", name="portal: first page")

    @task(1)
    def search(self):
        self.client.get(self.portal + "documents/?q=Pismo", name="portal: search")

    @task(4)
    def download(self):
        self.fetch(SEED["shares"], "download (x-accel)")


class PortalDownloader(_LoggedIn):
    """Downloads only, through the portal's check and nginx's offload: the baseline's pair."""

    @task
    def download(self):
        self.fetch(SEED["shares"], "download (x-accel)")


class PortalSpreadDownloader(_LoggedIn):
    """The same downloads, each person from their own matter's portal (``seats`` of
    deploy/seed.py): people spread over several portals, as a firm's clients are, rather
    than all queuing on one portal's delivery chain."""

    def on_start(self):
        super().on_start()
        seat = SEED["seats"][self.person]
        self.portal, self.shares = f"/portal/p/{seat['portal']}/", seat["shares"]

    @task
    def download(self):
        self.fetch(self.shares, "download (x-accel, spread)")


class PortalLargeDownloader(_LoggedIn):
    """Large files through the portal's check and nginx's offload: bytes per second."""

    @task
    def download(self):
        self.fetch(SEED["large_shares"], "large download (x-accel)")


class StaticBaseline(_User):
    """The same small files as plain nginx static files: the physical floor."""

    @task
    def download(self):
        name = random.choice(SEED["files"]).rsplit("/", 1)[1]
        self.client.get(f"/_baseline/{name}", name="download (nginx static)")


class StaticLargeBaseline(_User):
    """The same large files as plain nginx static files."""

    @task
    def download(self):
        name = random.choice(SEED["large_files"]).rsplit("/", 1)[1]
        self.client.get(f"/_baseline/{name}", name="large download (nginx static)")


class WagtailServe(_User):
    """Small documents through Wagtail's own serve view (``serve_view``; never shared, so
    public): what a Wagtail site costs per file, the small-download baseline."""

    @task
    def download(self):
        self.client.get(random.choice(SEED["public"]), name="download (Wagtail serve view)")


class WagtailServePrivate(_LoggedIn):
    """Small documents through Wagtail's serve view from a collection restricted to
    logged-in people, fetched by the same logged-in people: what Wagtail itself costs
    per file when the file must not be public, the like-for-like small-download baseline."""

    @task
    def download(self):
        self.client.get(
            random.choice(SEED["private"]), name="download (Wagtail serve view, logged in)"
        )
