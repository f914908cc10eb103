"""Password-reset timing: a known versus an unknown address (issue 9; not a timed test).

    .venv/bin/python bench/bench_password_reset.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_password_reset.py

Posts the real reset form through Django's test client, alternating a known
portal user's address and an unknown one, and prints the median of each and
their ratio (target: within 1.5x, so the answer time says nothing about whether
an account exists). Tasks go to django-tasks-db's database backend, as in
production: enqueueing is an INSERT, the worker runs later. With the immediate
backend the worker would run inside the request, and no ratio would hold.
"""

import statistics
import time

import _harness

_harness.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

ROUNDS, WARMUP, TARGET = 20, 3, 1.5


def main():
    with _harness.test_database():
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
            TASKS={
                "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
                "clientportal": {"BACKEND": "django_tasks_db.DatabaseBackend"},
            },
            WAGTAILCLIENTPORTAL_TASK_BACKEND="clientportal",
            # The throttle would stop the requests early (less work): out of the way here.
            WAGTAILCLIENTPORTAL_LOGIN_LIMIT=10**6,
            WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT=10**6,
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ):
            run()


def run():
    from django.test import Client as TestClient

    from tests.factories import PortalFactory, PortalUserFactory

    portal = PortalFactory()
    known = PortalUserFactory(client=portal.client, portals=[portal]).email
    unknown = "nikt-taki@example.com"
    browser = TestClient()
    url = "/portal/password-reset/"

    def post(email) -> float:
        start = time.perf_counter()
        response = browser.post(url, {"email": email})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed

    for _ in range(WARMUP):
        post(known)
        post(unknown)
    times = {known: [], unknown: []}
    for i in range(ROUNDS):  # interleaved, and the order swapped every round
        pair = (known, unknown) if i % 2 == 0 else (unknown, known)
        for email in pair:
            times[email].append(post(email))
    known_ms = statistics.median(times[known]) * 1000
    unknown_ms = statistics.median(times[unknown]) * 1000
    ratio = max(known_ms, unknown_ms) / min(known_ms, unknown_ms)
    print(f"{connection.vendor}: password reset, median of {ROUNDS} interleaved requests each")
    print(f"  known address    {known_ms:7.2f} ms")
    print(f"  unknown address  {unknown_ms:7.2f} ms")
    verdict = "within" if ratio <= TARGET else "ABOVE"
    print(f"  ratio            {ratio:7.2f}x ({verdict} the {TARGET}x target)")
    from django_tasks_db.models import DBTaskResult

    requests = 2 * (ROUNDS + WARMUP)
    print(f"  tasks enqueued   {DBTaskResult.objects.count()} for {requests} requests")


if __name__ == "__main__":
    main()
