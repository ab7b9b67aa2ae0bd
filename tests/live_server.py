"""A real gunicorn serving the app on 127.0.0.1, and a small browser (cookies, CSRF) to drive it over HTTP.

For the concurrency and crash tests: the app runs in other processes, exactly as in production, against
the test's database. The server's instance folder holds a config.py with the test's settings.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
FLASK = Path(sys.executable).parent / "flask"

TEST_SETTINGS = {
    "SECRET_KEY": "live-test-secret",
    # Hundreds of experts log in from one address within a minute.
    "LOGIN_RATE_LIMIT": "1000 per minute",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
    "TOTP_REQUIRED_ROLES": (),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_instance(instance: Path, settings: dict) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {value!r}" for key, value in {**TEST_SETTINGS, **settings}.items()]
    (instance / "config.py").write_text("\n".join(lines) + "\n")


def environment(database_url: str, upload_dir: Path, shared: Path | None = None) -> dict:
    unset = ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR", "SHARED_DIR", "ARCHIVE_DIR", "JOB_RUNNER")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DATABASE_URL=database_url, UPLOAD_DIR=str(upload_dir), PYTHONPATH=str(ROOT))
    if shared is not None:
        env["SHARED_DIR"] = str(shared)
    return env


class Server:
    """gunicorn with `workers` processes of `threads` threads; `settings` go to instance/config.py. With
    `shared`, the folder several servers share (SHARED_DIR: uploads, archives, keys), as on several hosts."""

    def __init__(self, database_url: str, folder: Path, *, workers: int = 4, threads: int = 4, settings=None,
                 shared: Path | None = None):
        self.database_url = database_url
        self.folder = folder
        self.instance = folder / "instance"
        self.uploads = (shared or folder) / "uploads"
        self.shared = shared
        self.workers, self.threads = workers, threads
        write_instance(self.instance, settings or {})
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Server":
        self.port = free_port()
        self.log = open(self.folder / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                f"review_app:create_app(instance_path={str(self.instance)!r})",
            ],
            cwd=ROOT,
            env=environment(self.database_url, self.uploads, self.shared),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that a kill reaches the workers too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.folder / f'gunicorn-{self.port}.log').read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a power cut, as far as the database can tell."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        if not self.log.closed:
            self.log.close()

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run `flask <args>` against the same database and instance folder."""
        return subprocess.run(
            [str(FLASK), "--app", f"review_app:create_app(instance_path={str(self.instance)!r})", *args],
            cwd=ROOT,
            env=environment(self.database_url, self.uploads, self.shared),
            capture_output=True,
            text=True,
            timeout=120,
        )


class Worker:
    """`flask run-jobs` beside a server (JOB_RUNNER = "worker"): the same database, instance and shared folder."""

    def __init__(self, server: Server, poll: float = 0.2):
        self.log = open(server.folder / f"worker-{id(self)}.log", "w")  # noqa: SIM115 (closed in stop)
        app = f"review_app:create_app(instance_path={str(server.instance)!r})"
        self.process = subprocess.Popen(
            [str(FLASK), "--app", app, "run-jobs", "--poll", str(poll)],
            cwd=ROOT,
            env=environment(server.database_url, server.uploads, server.shared),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status: int, body: str, headers):
        self.status, self.text, self.headers = status, body, headers

    @property
    def location(self) -> str:
        return self.headers.get("Location", "") or ""


class Browser:
    """One user's cookies; redirects are not followed, so every status is seen."""

    def __init__(self, base: str, timeout: float = 60):
        self.base, self.timeout = base, timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        self.token = ""

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                result = Response(response.status, response.read().decode("utf-8", "replace"), response.headers)
        except urllib.error.HTTPError as error:
            result = Response(error.code, error.read().decode("utf-8", "replace"), error.headers)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', result.text)
        if match:
            self.token = match.group(1)
        return result

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict | None = None) -> Response:
        return self.request("POST", path, {**(data or {}), "csrf_token": self.token})

    def post_files(self, path: str, fields: dict, files: dict[str, tuple[str, bytes]]) -> Response:
        """A multipart POST (uploads), CSRF token included."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {**fields, "csrf_token": self.token}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, data) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Response(response.status, response.read().decode("utf-8", "replace"), response.headers)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8", "replace"), error.headers)

    def login(self, username: str, password: str) -> Response:
        self.get("/auth/login")
        return self.post("/auth/login", {"username": username, "password": password})
