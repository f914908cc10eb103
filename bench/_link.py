"""A rate-limited link for the benches: a network namespace joined to this one by a veth
pair (10.203.0.1/30 here, .2 in the namespace, a private /30 that is never routed out),
with a token bucket (``tc qdisc … tbf``) on this end, the servers' and sending side.

Loopback makes the CPU the bottleneck of every download; a link makes the wire one, as
it is for a firm's clients. Used by bench_downloads_http.py (a client thread enters the
namespace with setns) and bench_load.py (locust runs inside it with ``ip netns exec``).
It needs root (CAP_NET_ADMIN) and iproute2; ``open_link`` says so and returns ``None``
without them. ``down`` removes the namespace and the pair, also after a failure.
"""

import argparse
import concurrent.futures
import ctypes
import os
import shutil
import subprocess

HOST_ADDRESS, NS_ADDRESS = "10.203.0.1", "10.203.0.2"  # a private /30, never routed out
CLONE_NEWNET = 0x40000000


class Link:
    """A veth pair between this network namespace and a new one, rate-limited on this
    (the servers') end. ``run`` calls a function in a thread that entered the other
    namespace, so the sockets it opens are the client's end of the link."""

    def __init__(self) -> None:
        tag = str(os.getpid())[-7:]
        self.namespace = f"cpbench{tag}"
        self.host_veth, self.ns_veth = f"cpb{tag}h", f"cpb{tag}n"
        self.created = False
        self.client = None

    @staticmethod
    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, text=True)

    def up(self) -> None:
        self.created = True  # from the first command on, down() removes what exists
        ns = self.namespace
        self.ip("netns", "add", ns)
        self.ip("link", "add", self.host_veth, "type", "veth", "peer", "name", self.ns_veth)
        self.ip("link", "set", self.ns_veth, "netns", ns)
        self.ip("addr", "add", f"{HOST_ADDRESS}/30", "dev", self.host_veth)
        self.ip("link", "set", self.host_veth, "up")
        self.ip("-n", ns, "addr", "add", f"{NS_ADDRESS}/30", "dev", self.ns_veth)
        self.ip("-n", ns, "link", "set", self.ns_veth, "up")
        self.ip("-n", ns, "link", "set", "lo", "up")
        self.client = concurrent.futures.ThreadPoolExecutor(1, initializer=self._enter)
        self.client.submit(lambda: None).result()  # fails here if setns is refused

    def _enter(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{self.namespace}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
        finally:
            os.close(fd)

    def rate(self, rate: str) -> None:
        """A token bucket on the sending end, its burst 1 ms of the rate (1mbit at
        1gbit, as the usual recipe) so the bucket refills smoothly at any rate."""
        bits = parse_rate(rate)
        burst = str(max(bits // 8000, 125_000))  # bytes
        subprocess.run(
            ["tc", "qdisc", "replace", "dev", self.host_veth, "root", "tbf", "rate", rate]
            + ["burst", burst, "latency", "50ms"],
            check=True,
            capture_output=True,
            text=True,
        )

    def run(self, function, *args):
        self.forget()
        return self.client.submit(function, *args).result()

    def exec_prefix(self) -> list[str]:
        """A command line's start that runs the command inside the namespace."""
        return ["ip", "netns", "exec", self.namespace]

    def forget(self) -> None:
        """Drop what the kernel remembers of the last connections to the client (its
        RTT, cwnd and ssthresh, kept per destination): a new connection would start
        from them, so one variant's round, or the previous rate, would set the pace
        of the next."""
        subprocess.run(["ip", "tcp_metrics", "delete", NS_ADDRESS], capture_output=True)

    def down(self) -> None:
        if self.client:
            self.client.shutdown(wait=True)
        if not self.created:
            return
        self.forget()
        # Deleting the namespace destroys the veth inside it and so its peer; each
        # step on its own, so a half-made link is removed as far as it exists.
        for args in (["link", "del", self.host_veth], ["netns", "del", self.namespace]):
            subprocess.run(["ip", *args], capture_output=True)


def parse_rate(rate: str) -> int:
    """Bits per second of a tc rate ("1gbit", "500mbit")."""
    units = {"kbit": 10**3, "mbit": 10**6, "gbit": 10**9, "bit": 1}
    for unit, factor in units.items():
        if rate.lower().endswith(unit) and rate[: -len(unit)].replace(".", "").isdigit():
            bits = int(float(rate[: -len(unit)]) * factor)
            if bits > 0:
                return bits
    raise argparse.ArgumentTypeError(f"not a rate tc understands here: {rate!r}")


def add_link_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--link RATE``, repeatable, checked by ``parse_rate``: the benches' one spelling."""
    parser.add_argument(
        "--link",
        action="append",
        default=[],
        type=lambda rate: parse_rate(rate) and rate,
        metavar="RATE",
        help=help,
    )


def open_link() -> "Link | None":
    """The link, or None with the reason printed: it needs root and iproute2."""
    if os.geteuid() != 0:
        print("--link skipped: it needs root (network namespaces, tc); loopback only")
        return None
    if not (shutil.which("ip") and shutil.which("tc")):
        print("--link skipped: `ip` and `tc` (Debian package iproute2) are missing")
        return None
    link = Link()
    try:
        link.up()
    except (subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", None) or error
        print(f"--link skipped: could not make the veth pair ({str(detail).strip()})")
        link.down()
        return None
    return link
