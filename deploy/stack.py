"""The reference stack on this machine, loopback only: ``make stack`` (Ctrl-C stops it).

nginx (its own prefix and config in a temporary folder, not the system service)
→ gunicorn, 4 sync workers → PostgreSQL (the local server, a dedicated database),
Redis (cache, sessions, login throttling) and two django-tasks-db ``db_worker``
processes delivering the outbox. ``Stack`` is also what tests/test_stack.py and
bench/bench_load.py start; it stops exactly the processes it started.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up(port=6379) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Stack:
    def __init__(
        self,
        *,
        database_url=None,
        workers=4,
        mail_delay=0.0,
        stuck_after=900,
        login_ip_limit=20,
        verbose=False,
        also_listen=None,
    ):
        """``also_listen``: ``(address, peer)``, a second local address nginx listens on
        (the load test's rate-limited link) and the one client there that may fetch the
        baseline's static files."""
        self.dir = Path(tempfile.mkdtemp(prefix="clientportal-stack-"))
        # nginx's workers run as another user when started by root: they may traverse
        # this folder and read the files (0644), not list it.
        self.dir.chmod(0o711)
        self.verbose = verbose
        self.procs: dict[str, subprocess.Popen] = {}
        self.http_port, self.app_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        base = database_url or os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clientportal"
        )
        self.db_name = os.environ.get("CLIENTPORTAL_STACK_DB") or (
            base.rsplit("/", 1)[1].split("?")[0] + "_stack"
        )
        self.database_url = base.rsplit("/", 1)[0] + "/" + self.db_name
        for sub in ("media", "private", "static", "mail", "run"):
            (self.dir / sub).mkdir()
        self.mail_dir = self.dir / "mail"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
            "DJANGO_SETTINGS_MODULE": "deploy.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": self.database_url,
            "CLIENTPORTAL_PUBLIC_URL": self.url,
            "CLIENTPORTAL_MEDIA_ROOT": str(self.dir / "media"),
            "CLIENTPORTAL_PRIVATE_ROOT": str(self.dir / "private"),
            "CLIENTPORTAL_STATIC_ROOT": str(self.dir / "static"),
            "CLIENTPORTAL_MAIL_DIR": str(self.mail_dir),
            "CLIENTPORTAL_REDIS_PREFIX": f"stack-{secrets.token_hex(4)}",
            "CLIENTPORTAL_STUCK_AFTER": str(stuck_after),
            "CLIENTPORTAL_LOGIN_IP_LIMIT": str(login_ip_limit),
            "CLIENTPORTAL_GUNICORN_BIND": f"127.0.0.1:{self.app_port}",
            "CLIENTPORTAL_GUNICORN_WORKERS": str(workers),
            "CLIENTPORTAL_GUNICORN_CONTROL": str(self.dir / "run" / "gunicorn.ctl"),
        }
        self.mail_delay = mail_delay
        self.also_listen = also_listen
        if also_listen:
            self.env["CLIENTPORTAL_ALLOWED_HOSTS"] = also_listen[0]

    # --- processes -------------------------------------------------------------------

    def _log(self, name):
        return open(self.dir / "run" / f"{name}.log", "ab")

    def spawn(self, name, args, env=None):
        log = self._log(name)
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def django(self, *args, check=True, env=None):
        """A management command in the stack's settings; returns its output."""
        done = subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
        )
        if check and done.returncode:
            raise RuntimeError(f"{args}: {done.stdout}\n{done.stderr}")
        return done.stdout

    def run_python(self, code: str):
        """Run ``code`` with Django set up; it sets ``result``, returned as JSON."""
        wrapper = (
            "import django, json; django.setup()\nresult = None\n"
            + code
            + "\nprint('@@RESULT@@' + json.dumps(result))"
        )
        done = subprocess.run(
            [sys.executable, "-c", wrapper],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(done.stdout + done.stderr)
        return json.loads(done.stdout.rsplit("@@RESULT@@", 1)[1])

    def _database(self):
        import psycopg

        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')

    def start(self, seed_users=1, seed_documents=5, **seed_options):
        if not _redis_up():
            self.spawn(
                "redis",
                [
                    "redis-server",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "6379",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
            )
            self._wait(_redis_up, "redis")
        self._database()
        self.django("migrate", "--noinput", "-v", "0")
        self.django("collectstatic", "--noinput", "-v", "0")
        self.seed = self.run_python(
            "from deploy.seed import seed\n"
            f"result = seed({seed_users}, {seed_documents}, **{seed_options!r})"
        )
        self.spawn(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "wagtail_clientportal_stack_wsgi:application",
            ],
            env={
                **self.env,
                "PYTHONPATH": self.env["PYTHONPATH"] + os.pathsep + str(ROOT / "deploy"),
            },
        )
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        for key, value in {
            "RUN": self.dir / "run",
            "UPSTREAM": f"127.0.0.1:{self.app_port}",
            "LISTEN": f"127.0.0.1:{self.http_port}",
            "STATIC": self.dir / "static",
            "PRIVATE": self.dir / "private",
            "CONF": ROOT / "deploy",
            "MEDIA": self.dir / "media",
        }.items():
            conf = conf.replace(f"@@{key}@@", str(value))
        if self.also_listen:
            address, peer = self.also_listen
            listen = f"listen 127.0.0.1:{self.http_port};"
            conf = conf.replace(listen, f"{listen}\n        listen {address}:{self.http_port};")
            conf = conf.replace("allow 127.0.0.1;", f"allow 127.0.0.1;\n            allow {peer};")
        (self.dir / "nginx.conf").write_text(conf)
        self.spawn(
            "nginx",
            [
                NGINX,
                "-p",
                str(self.dir),
                "-c",
                str(self.dir / "nginx.conf"),
                "-e",
                str(self.dir / "run" / "nginx-error.log"),
            ],
        )
        for n in (1, 2):
            self.start_worker(n)
        self._wait(self._answers, "nginx → gunicorn")
        return self

    def start_worker(self, n):
        env = {**self.env, "CLIENTPORTAL_MAIL_DELAY": str(self.mail_delay)}
        return self.spawn(
            f"db_worker{n}",
            [
                sys.executable,
                "-m",
                "django",
                "db_worker",
                "--backend",
                "clientportal",
                "--interval",
                "0.2",
            ],
            env=env,
        )

    def _answers(self):
        try:
            with urllib.request.urlopen(self.url + "/portal/", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def _wait(self, ready, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready after {timeout} s")

    def log(self, name) -> str:
        path = self.dir / "run" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs[name]
        os.killpg(proc.pid, sig)
        proc.wait(10)

    def stop(self):
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    stack = Stack(verbose=True)
    try:
        stack.start()
        print(f"Portal: {stack.url}/portal/  (admin: {stack.url}/admin/)")
        print(f"Client: {stack.seed['email']} / {stack.seed['password']}; codes: {stack.mail_dir}")
        print("Ctrl-C stops nginx, gunicorn, the workers (and Redis if it was started here).")
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
