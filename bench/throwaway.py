"""What a benchmark run sets up and always removes again, all on loopback: a PostgreSQL
database of its own (created, migrated, dropped), the SMTP sink and the email worker as child
processes, and a Redis key prefix.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class BenchError(Exception):
    """A failure of the run (not a missed target): reported and exits non-zero."""


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {raw!r}.") from None
    if value <= 0:
        raise BenchError(f"{name} must be positive, not {value}.")
    return value


def loopback(url: SplitResult, name: str) -> None:
    if (url.hostname or "127.0.0.1") not in LOOPBACK:
        raise BenchError(f"{name} must point at this machine (127.0.0.1), not {url.hostname!r}.")


# --- The throwaway database ---------------------------------------------------------------


def server_url() -> SplitResult:
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        raw = os.environ.get(name, "")
        if raw.startswith(("postgres://", "postgresql://", "pgsql://")):
            url = urlsplit(raw)
            loopback(url, name)
            return url
    return urlsplit("postgres://postgres@127.0.0.1:5432/postgres")


def _conninfo(server: SplitResult, database: str) -> str:
    return urlunsplit(
        ("postgresql", server.netloc or "127.0.0.1", f"/{database}", server.query, "")
    )


class Database:
    """CREATE DATABASE on enter, DROP DATABASE … WITH (FORCE) on exit."""

    def __init__(self, server: SplitResult, name: str):
        self.server, self.name = server, name
        self.url = urlunsplit(
            ("postgres", server.netloc or "127.0.0.1", f"/{name}", server.query, "")
        )

    def _execute(self, statement) -> None:
        import psycopg

        try:
            with psycopg.connect(
                _conninfo(self.server, "postgres"), autocommit=True, connect_timeout=10
            ) as conn:
                conn.execute(statement)
        except psycopg.Error as error:
            raise BenchError(f"PostgreSQL at {self.server.hostname}: {error}") from error

    def __enter__(self):
        from psycopg import sql

        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self

    def __exit__(self, *exc_info):
        from psycopg import sql

        try:
            self._execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
        except BenchError as error:
            print(f"warning: could not drop database {self.name}: {error}", file=sys.stderr)


# --- Child processes ------------------------------------------------------------------------


def _stop(process: subprocess.Popen, *, graceful: float = 20) -> None:
    """SIGTERM the process group (warm shutdown), SIGKILL it if it is still there."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=graceful)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Sink:
    """``bench.smtp_sink`` in its own process; ``count()`` asks it how many it accepted."""

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C reaches the bench only; it stops the sink
        )
        try:
            words = self._reply(timeout=30).split()
            if len(words) != 2 or words[0] != "ready":
                raise BenchError(f"The SMTP sink did not start: {' '.join(words)!r}")
            self.port = int(words[1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def _reply(self, *, timeout: float) -> str:
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise BenchError(f"The SMTP sink did not answer within {timeout} s.")
        line = self.process.stdout.readline()
        if not line:
            raise BenchError(f"The SMTP sink exited (status {self.process.poll()}).")
        return line

    def count(self) -> int:
        try:
            self.process.stdin.write("count\n")
            self.process.stdin.flush()
        except OSError as error:
            raise BenchError(f"The SMTP sink is gone: {error}") from error
        return int(self._reply(timeout=10).split()[0])

    def __exit__(self, *exc_info):
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # end of input: the sink stops by itself
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _stop(self.process, graceful=5)
        self.process.stdout.close()


class Worker:
    """Exactly one email worker: ``bin/worker-email --pool solo --concurrency 1``."""

    def __init__(self, env: dict[str, str], node: str, log_path: Path):
        self.env, self.node, self.log_path = env, node, log_path

    def __enter__(self):
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own entry script
                [str(REPO / "bin" / "worker-email"), "--pool", "solo", "--concurrency", "1"],
                cwd=REPO,
                env={**self.env, "EMAIL_WORKER_HOSTNAME": self.node},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(
                f"The email worker exited with status {self.process.returncode}:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no worker log)"
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, app, timeout: float = 60) -> float:
        """Until the worker answers a ping over the broker; returns the seconds it took."""
        started = time.monotonic()
        while True:
            self.check_alive()
            if app.control.ping(destination=[self.node], timeout=0.5):
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise BenchError(
                    f"The email worker did not answer within {timeout} s:\n{self.log_tail()}"
                )

    def stop(self) -> None:
        _stop(self.process)

    def __exit__(self, *exc_info):
        self.stop()


def flush_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=10)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    except redis.RedisError as error:
        print(f"warning: could not delete the Redis keys {prefix}*: {error}", file=sys.stderr)
    finally:
        client.close()
