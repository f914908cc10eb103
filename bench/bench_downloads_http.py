"""Portal download throughput over real HTTP: gunicorn (sync workers, as in deploy/)
on 127.0.0.1, the previous stream and the recorded stream (SHA-256 while streaming,
a chained delivery record per download) side by side in the same run.

    .venv/bin/python bench/bench_downloads_http.py         # a throw-away SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_downloads_http.py     # PostgreSQL (test_bench)
    BENCH_WORKERS=2 .venv/bin/python bench/...              # sync workers per server (1)
    .venv/bin/python bench/bench_downloads_http.py --link 1gbit --link 10gbit  # as root

Three gunicorn servers of the same project on free ports: one serving downloads with
the previous stream (bench/_previous_stream.py), two with today's (the hash in the
sending thread, and on the pool of services/stream_hash.py); the same files, the
same session, rounds alternating between them; each request a new connection (sync
workers close it), the body read to its end in this process (a client on the same
2 cores: it competes with the server for them, as nginx would). Best of several
rounds. The database is a throw-away SQLite file the servers share, or with
``DATABASE_URL`` a PostgreSQL test database (``test_<name>``, created and dropped as
pytest-django does); files live in a temporary media root; everything is removed at
the end. What this measures beside bench_downloads.py (the Django test client, no
socket): README, "Performance".

``--link RATE`` (repeatable, tc's units: ``1gbit``, ``10gbit``) measures the same
servers, in the same run, a second time over a rate-limited link instead of loopback:
a network namespace joined to this one by a veth pair (10.203.0.1/30 here, .2 in the
namespace), a token bucket (``tc qdisc … tbf rate RATE``) on the host's end, which is
the sending side; the servers also listen on 10.203.0.1, the client reads from inside
the namespace (its thread entered it with setns). It needs root (CAP_NET_ADMIN) and
iproute2; without them the bench says so and measures loopback only. The namespace
and the veth pair are removed at the end, on Ctrl-C and on failure too.
"""

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = Path(tempfile.mkdtemp(prefix="clientportal-bench-http-"))
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "tests.settings",
    "DATABASE_URL": os.environ["DATABASE_URL"]
    if POSTGRES
    else f"sqlite:///{WORK / 'bench.sqlite3'}",
    "CLIENTPORTAL_TEST_MEDIA": str(WORK / "media"),
    "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
}
os.environ.update({k: ENV[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
os.environ["CLIENTPORTAL_TEST_MEDIA"] = ENV["CLIENTPORTAL_TEST_MEDIA"]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from _link import HOST_ADDRESS, Link, add_link_argument, open_link  # noqa: E402

django.setup()

CASES = ((1, 40), (48, 3))  # MiB per file, downloads per round
ROUNDS = 4
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
BUFFER = bytearray(1024 * 1024)
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(stream: str, link: "Link | None") -> tuple[subprocess.Popen, int]:
    port = free_port()
    binds = ["--bind", f"{LOOPBACK}:{port}"]
    if link:
        binds += ["--bind", f"{HOST_ADDRESS}:{port}"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *binds,
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--chdir",
            str(BENCH),
            "--control-socket",
            str(WORK / f"{stream}.ctl"),
            "--log-level",
            "warning",
            "_http_app:application",
        ],
        env={**ENV, "BENCH_STREAM": stream},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"gunicorn ({stream}) did not start on port {port}")


def server_cpu(master_pid: int) -> float:
    """CPU seconds (user + system, every thread) used so far by a server's workers: on a
    machine shared with other work the wall clock varies with their load, this less."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path(f"/proc/{master_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def fetch(host: str, port: int, path: str, cookie: str, repeat: int, size: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        assert download(host, port, path, cookie) == size
    return time.perf_counter() - start


def download(host: str, port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection(host, port)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    assert response.status == 200, response.status
    received = 0
    view = memoryview(BUFFER)
    while n := response.readinto(view):
        received += n
    connection.close()
    return received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_link_argument(
        parser, "also measure over a veth link limited to RATE (tc units, e.g. 1gbit); root"
    )
    rates = parser.parse_args().link
    # SIGTERM unwinds like Ctrl-C, so the finally blocks remove the link and servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from django.core.management import call_command
    from django.db import connection

    if POSTGRES:
        old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
        test_name = connection.settings_dict["NAME"]
        ENV["DATABASE_URL"] = ENV["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name
    else:
        call_command("migrate", verbosity=0)
    link = None
    try:
        link = open_link() if rates else None
        measure(link, rates if link else [])
    finally:
        if link:
            link.down()
        connection.close()
        if POSTGRES:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(WORK, ignore_errors=True)


def measure(link: "Link | None", rates: list[str]) -> None:
    from django.core.files.base import ContentFile
    from django.test import Client as TestClient

    from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory, UserFactory
    from wagtail_clientportal import services
    from wagtail_clientportal.models import DeliveryEvent
    from wagtail_clientportal.test_utils import otp_login

    admin = UserFactory(username="bench@example.com", is_superuser=True)
    portal = PortalFactory()
    member = PortalUserFactory(client=portal.client, portals=[portal])
    login = TestClient()
    otp_login(login, member.user)
    cookie = "; ".join(f"{k}={v.value}" for k, v in login.cookies.items())
    files = []
    for size_mb, repeat in CASES:
        body = os.urandom(size_mb * 1024 * 1024)
        doc = DocumentFactory(file=ContentFile(body, name=f"bench{size_mb}.pdf"))
        [share] = services.share_items(admin, [portal], [doc]).created
        files.append((size_mb, repeat, len(body), f"/portal/p/{portal.pk}/file/{share.pk}/"))

    servers = {name: start_server(name, link) for name in ("previous", "inline", "pool")}
    try:
        database = "PostgreSQL" if POSTGRES else "SQLite file"
        print(
            f"gunicorn, {WORKERS} sync worker(s) per server, {database}, "
            "one connection per download"
        )
        print("loopback, 127.0.0.1 (no link: the CPU is the bottleneck)")
        compare(servers, files, cookie, lambda *args: fetch(LOOPBACK, *args))
        for rate in rates:
            link.rate(rate)
            print(f"link {rate}: veth pair, tbf on the sending end, client in a namespace")
            compare(servers, files, cookie, lambda *args: link.run(fetch, HOST_ADDRESS, *args))
        recorded = DeliveryEvent.objects.filter(status=DeliveryEvent.Status.COMPLETE)
        print(f"complete delivery records written: {recorded.count()}")
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            process.wait(timeout=30)


def compare(servers, files, cookie: str, timed) -> None:
    for size_mb, repeat, size, path in files:
        best, cpu = {}, {}
        for name, (process, port) in list(servers.items()) * ROUNDS:
            used = server_cpu(process.pid)
            elapsed = timed(port, path, cookie, repeat, size)
            best[name] = min(best.get(name, float("inf")), elapsed)
            cpu[name] = min(cpu.get(name, float("inf")), server_cpu(process.pid) - used)
        mib = size_mb * repeat
        prev, inl, on_pool = (mib / best[k] for k in ("previous", "inline", "pool"))
        print(
            f"{size_mb:>3} MiB × {repeat:<3} previous {prev:7.1f} MiB/s   recorded, "
            f"hash inline {inl:7.1f} MiB/s (ratio {inl / prev:.2f}), "
            f"on the pool {on_pool:7.1f} MiB/s (ratio {on_pool / prev:.2f})"
        )
        ms = {k: cpu[k] / repeat * 1000 for k in cpu}
        print(
            f"{'':16}server CPU per download: previous {ms['previous']:6.1f} ms, "
            f"inline {ms['inline']:6.1f} ms (ratio {ms['previous'] / ms['inline']:.2f}), "
            f"pool {ms['pool']:6.1f} ms (ratio {ms['previous'] / ms['pool']:.2f})"
        )


if __name__ == "__main__":
    main()
