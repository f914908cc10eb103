"""A real RFC 3161 time-stamping authority for the tests: ``openssl ts -reply`` on 127.0.0.1.

A test CA and a TSA certificate (extendedKeyUsage critical, timeStamping) are made
with ``openssl`` in a temporary folder; a tiny ``http.server`` in a thread answers
each ``application/timestamp-query`` POST by running ``openssl ts -reply``. The
answer embeds the signing certificate only (no ``certs`` in the configuration).
"""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(folder: Path) -> None:
    """ca.crt (self-signed root) and tsa.crt/tsa.key signed by it; ca.pem for verifying."""
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
         "ca.crt", "-days", "30", "-subj", "/CN=Test Root CA/O=Test", cwd=folder)  # fmt: skip
    (folder / "tsa.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
         "-subj", "/CN=Test TSA/O=Test", cwd=folder)  # fmt: skip
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "tsa.crt", "-days", "30", "-extfile", "tsa.ext",
         cwd=folder)  # fmt: skip
    (folder / "tsaserial").write_text("01\n")
    (folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))


@dataclass
class LocalTSA:
    url: str
    ca_file: Path
    folder: Path
    requests: int = 0
    refuse: bool = False  # answer 503, as a TSA that is down


def start(folder: Path):
    """Start the TSA; returns (LocalTSA, stop)."""
    make_pki(folder)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            tsa.requests += 1
            if tsa.refuse or self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_response(503)
                self.end_headers()
                return
            with lock, tempfile.TemporaryDirectory(dir=folder) as work:
                query, reply = Path(work) / "q.tsq", Path(work) / "r.tsr"
                query.write_bytes(body)
                _run("ts", "-reply", "-config", str(folder / "tsa.cnf"), "-queryfile",
                     str(query), "-out", str(reply), cwd=folder)  # fmt: skip
                answer = reply.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tsa = LocalTSA(
        url=f"http://127.0.0.1:{server.server_address[1]}/tsa",
        ca_file=folder / "ca.crt",
        folder=folder,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()

    return tsa, stop
