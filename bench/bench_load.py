"""Load on the reference stack (deploy/): 50 portal users for 60 s, against nginx static.

Boots the stack (nginx → gunicorn ×4 → PostgreSQL, Redis, two db_workers; needs
PostgreSQL at DATABASE_URL and nginx), seeds 50 people and 20 documents of 20 KiB,
waits until the workers have sent the seeding's notifications, then runs locust
headless once per user class below (the small downloads ``--rounds`` times), loopback
only, with no think time (capacity):

1. ``PortalClient``: each user logs in with its emailed code, then browses the
   first page (2), searches (1) and downloads (4) through the x-accel offload;
2. ``PortalDownloader``: downloads only, through the check and the offload, everyone
   from the one portal (the worst case: every delivery locks that portal's chain);
   ``PortalSpreadDownloader``: the same, each person from their own matter's portal,
   the people spread over ``--matters`` portals (default 10) as a firm's clients are;
3. ``StaticBaseline``: the same files as plain nginx static files;
4. ``WagtailServe``: as many small documents through Wagtail's own serve view, public
   and fetched anonymously (the cheapest case: no session, no user, no device);
   ``WagtailServePrivate``: the same from a collection Wagtail shows to logged-in people
   only, fetched by the same logged-in people (like for like: a private file);
5. ``PortalLargeDownloader`` / ``StaticLargeBaseline``: 20 MiB files (``--large-mib``)
   through the check and the offload, and as nginx static files: bytes per second.

Prints requests/s, p50/p95/p99 and errors per request kind and the download ratio, and
the servers' CPU per request of the small-download runs (gunicorn, PostgreSQL, nginx,
Redis, read from /proc around each run): on two shared cores, CPU per request is what
bounds requests per second, and it says which server spends it. Also locust's own CPU
per request and how idle the machine was: where the client is the limit (large files
on loopback), a third of the machine stays idle.
``--users`` and ``--seconds`` change the load (defaults 50 and 60). ``--rounds N`` runs
the small-download comparison (one portal, spread, Wagtail's private document) N times,
alternating, and prints each round's ratios and their median: on two shared cores one
run's ratio moves with whatever else the machine does.

``--link RATE`` (repeatable, tc units: ``1gbit``) runs the download pairs (small files,
and large files, each through the check + offload and as nginx static files) again,
in the same run, over a rate-limited link instead of loopback: locust inside a
network namespace, nginx also listening on the veth pair's address, a token bucket
on the sending end (bench/_link.py; root and iproute2, else it says so and skips).
On loopback the CPU bounds every download, and the check's CPU is taken from the
copying of bytes; over a link the wire bounds them, as for a firm's clients.
"""

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from _harness import process_cpu  # noqa: E402
from _link import HOST_ADDRESS, NS_ADDRESS, add_link_argument, open_link  # noqa: E402

from deploy.stack import Stack  # noqa: E402


def log_everyone_in(stack):
    """Every seeded person logs in over HTTP (password, then the emailed code)."""
    from deploy.portal_client import PortalClient

    def one(address):
        client = PortalClient(stack.url, stack.mail_dir)
        client.login(address, stack.seed["password"])
        return {c.name: c.value for c in client.jar}

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, stack.seed["emails"]))


def wait_for_outbox(stack, timeout=300):
    """Wait until the workers have sent every notification the seeding queued (each
    share onto each matter tells its people): otherwise the first timed run shares the
    two cores with the ``db_worker`` processes. Returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        waiting = stack.run_python(
            "from wagtail_clientportal.models import Notification\n"
            "S = Notification.Status\n"
            "result = Notification.objects.filter(status__in=(S.QUEUED, S.SENDING)).count()"
        )
        if not waiting:
            return time.monotonic() - started
        time.sleep(1)
    raise RuntimeError(f"{waiting} notifications still unsent after {timeout} s")


SERVERS = ("gunicorn", "postgres", "nginx", "redis")


def server_cpu() -> dict[str, float]:
    """CPU seconds used so far by each server of the stack (by command line), from /proc.

    A process's own time plus its reaped children's (``cutime``/``cstime``): when
    gunicorn recycles a worker (``max_requests``) or PostgreSQL ends a backend, the CPU
    moves to the parent's count, so the difference of two readings stays right. Every
    PostgreSQL on the machine is counted: nothing else uses it during the run."""
    totals = dict.fromkeys(SERVERS, 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended meanwhile
        server = next((name for name in SERVERS if name in command), None)
        if server and "locust" not in command:
            totals[server] += process_cpu(pid, children=True) or 0.0  # or ended meanwhile
    return totals


def run_locust(stack, user_class, users, seconds, link=None):
    """One locust run of ``user_class``; over ``link`` (in its namespace) if given.

    The stats row of each request kind, and under ``"cpu"`` the servers' CPU seconds
    used during the run (``server_cpu``)."""
    prefix = stack.dir / f"locust-{user_class}{'-link' if link else ''}"
    host = f"http://{HOST_ADDRESS}:{stack.http_port}" if link else stack.url
    env = {
        **stack.env,
        "CLIENTPORTAL_SEED": json.dumps(stack.seed),
        "CLIENTPORTAL_SESSIONS": json.dumps(stack.sessions),
        "PYTHONPATH": str(ROOT),
    }
    if link:
        link.forget()
    before, idle_before, client_before = server_cpu(), machine_idle(), _children_cpu()
    subprocess.run(
        [
            *(link.exec_prefix() if link else []),
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            user_class,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    after, idle_after, client_after = server_cpu(), machine_idle(), _children_cpu()
    with open(f"{prefix}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    rows["cpu"] = {name: after[name] - before[name] for name in SERVERS}
    # locust's own CPU (its start-up and stop included) and the machine's idle share.
    rows["client"] = {
        "cpu": client_after - client_before,
        "idle": (idle_after[0] - idle_before[0]) / max(1, idle_after[1] - idle_before[1]),
    }
    return rows


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def machine_idle() -> tuple[int, int]:
    """Idle and total jiffies of all CPUs so far (/proc/stat), for the idle share of a run."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return values[3] + values[4], sum(values)


def client_line(name, run, row) -> str:
    """The client's CPU per request and how idle the machine was: is locust the limit?"""
    per = 1000 / max(1, int(row["Request Count"]))
    client = run["client"]
    return f"| {name} | {client['cpu'] * per:.1f} | {client['idle'] * 100:.0f} % |"


def cpu_line(name, run, row) -> str:
    """CPU milliseconds per request of each server (the run holds one request kind)."""
    per = 1000 / max(1, int(row["Request Count"]))
    each = [f"{run['cpu'][server] * per:.2f}" for server in SERVERS]
    return f"| {name} | {sum(run['cpu'].values()) * per:.2f} | " + " | ".join(each) + " |"


def line(name, row):
    return (
        f"| {name} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
        f"{row['99%']} | {row['Failure Count']} / {row['Request Count']} |"
    )


def rate(row) -> float:
    return float(row["Requests/s"])


SMALL_ROUND = (
    ("PortalDownloader", "download (x-accel)"),
    ("PortalSpreadDownloader", "download (x-accel, spread)"),
    ("WagtailServePrivate", "download (Wagtail serve view, logged in)"),
)


def small_round(stack, args):
    """One round of the small-download comparison: the portal from one portal, spread
    over the matters, and Wagtail's serve view of a private document, back to back."""
    return [run_locust(stack, name, args.users, args.seconds) for name, _ in SMALL_ROUND]


def print_rounds(rounds):
    """Each round's portal / Wagtail (logged in) ratios, and their medians."""
    if len(rounds) < 2:
        return
    ratios = []
    for runs in rounds:
        one, spread, wagtail = (run[name] for run, (_, name) in zip(runs, SMALL_ROUND, strict=True))
        ratios.append((rate(one) / rate(wagtail), rate(spread) / rate(wagtail)))
    print("small downloads / Wagtail's serve view (logged in), each round: one portal, spread")
    for n, (one, spread) in enumerate(ratios, 1):
        print(f"round {n}: {one:.2f}x, {spread:.2f}x")
    print(
        f"median of {len(ratios)}: {statistics.median(r[0] for r in ratios):.2f}x, "
        f"{statistics.median(r[1] for r in ratios):.2f}x"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--large-mib", type=int, default=20)
    parser.add_argument("--matters", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    add_link_argument(parser, "also run the download pairs over a veth link limited to RATE (root)")
    args = parser.parse_args()
    # SIGTERM (kill, timeout) unwinds like Ctrl-C: the finally blocks stop the stack and
    # remove the link's namespace and veth pair.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    link = open_link() if args.link else None
    try:
        return measure(args, link)
    finally:
        if link:
            link.down()


def measure(args, link):
    stack = Stack(login_ip_limit=10_000, also_listen=(HOST_ADDRESS, NS_ADDRESS) if link else None)
    over_link = {}
    try:
        stack.start(
            seed_users=args.users,
            seed_documents=20,
            large=4,
            large_size=args.large_mib * 1024 * 1024,
            public=20,
            private=20,
            matters=args.matters,
        )
        started = time.monotonic()
        stack.sessions = log_everyone_in(stack)
        logins = time.monotonic() - started
        drained = wait_for_outbox(stack)
        portal = run_locust(stack, "PortalClient", args.users, args.seconds)
        rounds = [small_round(stack, args) for _ in range(args.rounds)]
        downloads, spread, private = rounds[0]
        static = run_locust(stack, "StaticBaseline", args.users, args.seconds)
        wagtail = run_locust(stack, "WagtailServe", args.users, args.seconds)
        large = run_locust(stack, "PortalLargeDownloader", args.users, args.seconds)
        large_static = run_locust(stack, "StaticLargeBaseline", args.users, args.seconds)
        for link_rate in args.link if link else []:
            link.rate(link_rate)
            over_link[link_rate] = {
                name: run_locust(stack, name, args.users, args.seconds, link)
                for name in (
                    "PortalDownloader",
                    "StaticBaseline",
                    "PortalLargeDownloader",
                    "StaticLargeBaseline",
                )
            }
    finally:
        stack.stop()
    print(f"{args.users} users, {args.seconds} s each run, no think time, loopback")
    print(f"{args.users} logins with emailed codes, 4 at a time: {logins:.1f} s")
    print(f"then the seeding's notifications sent by the workers: {drained:.1f} s more")
    print("| request | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, row in portal.items():
        if name not in ("Aggregated", "cpu", "client"):
            print(line(name, row))
    print(line("portal run, all", portal["Aggregated"]))
    offloaded = downloads["download (x-accel)"]
    baseline = static["download (nginx static)"]
    print(line("downloads only, portal check + x-accel, one portal", offloaded))
    spread_row = spread["download (x-accel, spread)"]
    print(line(f"downloads only, portal check + x-accel, {args.matters} portals", spread_row))
    print(line("downloads only, nginx static", baseline))
    served = wagtail["download (Wagtail serve view)"]
    print(line("downloads only, Wagtail's serve view, public (baseline)", served))
    closed = private["download (Wagtail serve view, logged in)"]
    print(line("downloads only, Wagtail's serve view, logged in (baseline)", closed))
    big = large["large download (x-accel)"]
    big_static = large_static["large download (nginx static)"]
    print(line(f"{args.large_mib} MiB files, portal check + x-accel", big))
    print(line(f"{args.large_mib} MiB files, nginx static (baseline)", big_static))

    print("Server CPU per request (ms), downloads only, loopback:")
    print("| run | all | " + " | ".join(SERVERS) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in SERVERS) + " |")
    print(cpu_line("portal check + x-accel, one portal", downloads, offloaded))
    print(cpu_line(f"portal check + x-accel, {args.matters} portals", spread, spread_row))
    print(cpu_line("Wagtail's serve view, logged in", private, closed))
    print(cpu_line("Wagtail's serve view, public", wagtail, served))
    print(cpu_line("nginx static", static, baseline))

    print("Client (locust) CPU per request (ms) and the machine's idle share, loopback:")
    print("| run | locust ms | idle |")
    print("| --- | --- | --- |")
    print(client_line("small, portal check + x-accel", downloads, offloaded))
    print(client_line("small, nginx static", static, baseline))
    print(client_line(f"{args.large_mib} MiB, portal check + x-accel", large, big))
    print(client_line(f"{args.large_mib} MiB, nginx static", large_static, big_static))

    print(f"small downloads, portal / nginx static: {rate(offloaded) / rate(baseline):.2f}x")
    public, logged_in = rate(offloaded) / rate(served), rate(offloaded) / rate(closed)
    print(
        f"small downloads, one portal / Wagtail's serve view: public {public:.2f}x, "
        f"logged in {logged_in:.2f}x"
    )
    print(
        f"small downloads, {args.matters} portals / Wagtail's serve view: public "
        f"{rate(spread_row) / rate(served):.2f}x, logged in {rate(spread_row) / rate(closed):.2f}x"
    )
    print_rounds(rounds)
    print(
        f"{args.large_mib} MiB downloads, portal / nginx static: "
        f"{rate(big) * args.large_mib:.0f} / {rate(big_static) * args.large_mib:.0f} MiB/s = "
        f"{rate(big) / rate(big_static):.2f}x"
    )
    for link_rate, runs in over_link.items():
        small = runs["PortalDownloader"]["download (x-accel)"]
        small_static = runs["StaticBaseline"]["download (nginx static)"]
        big = runs["PortalLargeDownloader"]["large download (x-accel)"]
        big_static = runs["StaticLargeBaseline"]["large download (nginx static)"]
        print(f"over a {link_rate} link (veth, tbf on the sending end, locust in a namespace):")
        print(line("downloads only (20 KiB), check + x-accel", small))
        print(line("the same files, nginx static", small_static))
        print(line(f"{args.large_mib} MiB files, check + x-accel", big))
        print(line(f"{args.large_mib} MiB files, nginx static", big_static))
        print(
            f"{link_rate}: small downloads, portal / nginx static "
            f"{rate(small) / rate(small_static):.2f}x; {args.large_mib} MiB downloads "
            f"{rate(big) * args.large_mib:.0f} / {rate(big_static) * args.large_mib:.0f} "
            f"MiB/s = {rate(big) / rate(big_static):.2f}x"
        )
    runs = [portal, static, wagtail, large, large_static, *(r for run in rounds for r in run)]
    runs += [run for by_class in over_link.values() for run in by_class.values()]
    errors = sum(int(r["Aggregated"]["Failure Count"]) for r in runs)
    return 1 if errors else 0


if __name__ == "__main__":
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clientportal")
    sys.exit(main())
