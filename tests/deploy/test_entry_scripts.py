"""The deployment entry points, run outside Docker exactly as the containers run them.

The containers start ``bin/<role>`` from the code root with the virtualenv's ``bin`` first on
PATH (the image puts /opt/venv/bin there); these tests do the same with the interpreter that
runs them. compose.yaml and the Dockerfile are docker-less here, so they are read and checked
against ``bin/`` and against what the design requires of them (DESIGN §7, §11).
"""

import ast
import http.client
import json
import os
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from contextlib import closing, suppress
from pathlib import Path

import pytest
import yaml

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "web", "worker-email", "worker", "beat"}
CELERY = [sys.executable, "-m", "celery", "-A", "stratatracker"]


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def scratch_dir():
    """A throwaway directory under the system temp dir, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="stratatracker-deploy-") as path:
        yield Path(path)


def script_env(**overrides: str) -> dict[str, str]:
    """The caller's environment with this interpreter's bin first on PATH, as in the image."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("DJANGO_DEBUG", None)
    env.update(overrides)
    return env


def run_script(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [f"bin/{name}", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(script: str, env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    """Start ``bin/<script>`` in a session of its own, so ``stop`` can reach every child."""
    return subprocess.Popen(
        [f"bin/{script}", *args], cwd=REPO, env=env, start_new_session=True, **kwargs
    )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process alone, as `docker stop` sends it; then nothing may remain.

    Whatever is left of the process group afterwards (a child a script forgot to ``exec``)
    is killed, so a failing test leaves no server behind.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def http_get(port: int, path: str) -> tuple[int, bytes] | None:
    """GET over loopback; None while nothing answers yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return None
    finally:
        connection.close()


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


# --- bin/migrate --------------------------------------------------------------------------------


def test_migrate_builds_the_schema_on_a_fresh_sqlite_database(scratch_dir):
    database = scratch_dir / "db.sqlite3"

    result = run_script("migrate", script_env(DATABASE_URL=f"sqlite:///{database}"))

    assert result.returncode == 0, result.stdout + result.stderr
    with closing(sqlite3.connect(database)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "accounts_strata" in tables


def test_migrate_refuses_production_settings_without_secrets(scratch_dir):
    database = scratch_dir / "db.sqlite3"
    env = script_env(DJANGO_DEBUG="False", DATABASE_URL=f"sqlite:///{database}")

    result = run_script("migrate", env)

    assert result.returncode != 0
    assert "DJANGO_DEBUG=False needs" in result.stderr
    assert not database.exists()


def test_migrate_stops_at_failing_deploy_checks_before_touching_the_database():
    # No HTTPS redirect in Django and its warning not silenced: the deploy check must fail.
    # Nothing listens on port 1, so reaching the database would fail differently.
    env = script_env(
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY="deploy-test-" + uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="tracker.example.test",
        DATABASE_URL="postgres://nobody:nothing@127.0.0.1:1/nothing",
        EMAIL_URL="smtp://127.0.0.1:25",
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_SILENCED_SYSTEM_CHECKS="",
    )

    result = run_script("migrate", env)

    assert result.returncode == 1
    assert "SystemCheckError" in result.stderr
    assert "(security.W008)" in result.stderr
    assert "Operations to perform" not in result.stdout
    assert "OperationalError" not in result.stderr


# --- bin/web ------------------------------------------------------------------------------------


def test_web_answers_the_liveness_check_and_stops_on_sigterm(scratch_dir):
    port = free_port()
    env = script_env(
        BIND="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{scratch_dir / 'db.sqlite3'}",
    )
    stdout_path, stderr_path = scratch_dir / "web.out", scratch_dir / "web.err"

    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = start("web", env, stdout=stdout, stderr=stderr)
        try:

            def answered():
                if process.poll() is not None:
                    raise AssertionError(f"bin/web exited: {stderr_path.read_text()}")
                return http_get(port, "/api/health/live")

            status, body = wait_until(
                answered, timeout=20, interval=0.1, message="bin/web did not answer in 20 s"
            )
            assert (status, json.loads(body)) == (200, {"status": "ok"})
            if Path("/proc").is_dir():
                # The script exec'd gunicorn: the signal below reaches the server itself.
                assert "gunicorn stratatracker.wsgi:application" in command_line(process.pid)
        finally:
            stop(process)

    assert process.returncode == 0, stderr_path.read_text()
    assert '"GET /api/health/live HTTP/1.1" 200' in stdout_path.read_text()


# --- bin/worker-email and bin/worker on Redis ---------------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize(
    ("script", "queues"),
    [("worker-email", ["email"]), ("worker", ["default", "heavy"])],
)
def test_worker_scripts_consume_their_queues(scratch_dir, settings, script, queues):
    import redis

    prefix = f"stratatracker-deploy-test-{uuid.uuid4().hex[:12]}:"
    node = f"{script}-{uuid.uuid4().hex[:8]}@deploy-test"
    env = script_env(
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_KEY_PREFIX=prefix,
        DATABASE_URL=f"sqlite:///{scratch_dir / 'db.sqlite3'}",
    )
    env["EMAIL_WORKER_HOSTNAME" if script == "worker-email" else "WORKER_HOSTNAME"] = node
    log_path = scratch_dir / "worker.log"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def active_queues():
        if process.poll() is not None:
            raise AssertionError(f"bin/{script} exited: {log_path.read_text()}")
        inspect = subprocess.run(
            [
                *CELERY,
                "inspect",
                "active_queues",
                "--destination",
                node,
                "--timeout",
                "2",
                "--json",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if inspect.returncode != 0:
            return None
        return sorted(queue["name"] for queue in json.loads(inspect.stdout)[node])

    try:
        with log_path.open("wb") as log:
            process = start(script, env, "--concurrency", "1", stdout=log, stderr=subprocess.STDOUT)
            try:
                consumed = wait_until(
                    active_queues, timeout=45, interval=0.5, message=f"{node} never answered"
                )
                assert consumed == queues
            finally:
                stop(process)
        # Celery's warm shutdown on SIGTERM exits cleanly.
        assert process.returncode == 0, log_path.read_text()
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()


# --- compose.yaml -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def option_values(command) -> dict[str, str]:
    """`--name value` pairs of a command given as a list or a string."""
    tokens = shlex.split(command) if isinstance(command, str) else [str(t) for t in command]
    return {
        token: value
        for token, value in zip(tokens, [*tokens[1:], None], strict=True)
        if token.startswith("--") and value is not None
    }


def test_compose_starts_web_and_workers_only_after_migrate_succeeded(compose):
    services = compose["services"]

    assert services["migrate"]["command"] == ["bin/migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker-email", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert services["web"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["web"]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_compose_runs_exactly_one_beat(compose):
    beat = compose["services"]["beat"]

    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1


def test_compose_broker_never_evicts_and_cache_is_a_separate_evicting_redis(compose):
    services = compose["services"]
    broker = option_values(services["redis"]["command"])
    cache = option_values(services["cache"]["command"])
    app_env = services["web"]["environment"]

    assert broker["--appendonly"] == "yes"
    assert broker["--maxmemory-policy"] == "noeviction"
    assert cache["--maxmemory-policy"] in {"allkeys-lru", "allkeys-lfu", "volatile-lru"}
    assert cache["--maxmemory"] == "256mb"
    assert app_env["REDIS_URL"] == "redis://redis:6379/0"
    assert app_env["CACHE_URL"] == "redis://cache:6379/0"


def test_compose_app_services_run_scripts_from_bin_with_private_media(compose):
    services = compose["services"]
    app_services = {name for name, service in services.items() if "build" in service}

    assert app_services == APP_SERVICES
    for name in sorted(app_services):
        script = REPO / services[name]["command"][0]
        assert services[name]["command"][0].startswith("bin/"), name
        assert script.is_file(), f"{name} runs {script}, which does not exist"
        assert os.access(script, os.X_OK), f"{script} is not executable"
    media_root = services["web"]["environment"]["DJANGO_MEDIA_ROOT"]
    for name in ("web", "worker-email", "worker"):
        assert f"media:{media_root}" in services[name]["volumes"], name
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


# --- Dockerfile ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def test_dockerfile_checks_liveness_and_starts_scripts_that_exist():
    instructions = dockerfile_instructions()
    healthchecks = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    commands = [args for keyword, args in instructions if keyword in ("CMD", "ENTRYPOINT")]

    assert len(healthchecks) == 1
    assert "/api/health/live" in healthchecks[0]
    assert commands, "the image has no default command"
    for arguments in commands:
        words = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
        for word in words:
            if word.startswith("bin/"):
                assert (REPO / word).is_file(), f"the Dockerfile runs {word}, which does not exist"
    assert json.loads(commands[-1]) == ["bin/web"]


def test_dockerfile_is_multi_stage_and_runs_as_a_non_root_user():
    instructions = dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    final_stage = instructions[
        max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM") :
    ]
    users = [args for keyword, args in final_stage if keyword == "USER"]

    assert len(stages) >= 2
    assert stages[-1].split()[0] == "python:3.13-slim-bookworm"
    assert users and users[-1] not in ("root", "0")


def test_docker_build_context_leaves_out_secrets_and_local_state():
    ignored = set((REPO / ".dockerignore").read_text().split())

    assert {".git", ".venv", "var", ".env"} <= ignored


# --- .env.example -------------------------------------------------------------------------------


def settings_variables() -> set[str]:
    """Names settings.py reads through django-environ: env.str("X"), env.db_url("X"), ..."""
    tree = ast.parse((REPO / "stratatracker" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def script_variables() -> set[str]:
    names = set()
    for script in (REPO / "bin").iterdir():
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", script.read_text()))
    return names - {"BASH_SOURCE", "TMPDIR"}


def test_env_example_documents_every_variable_and_sets_none():
    text = (REPO / ".env.example").read_text()
    documented = set(re.findall(r"^# (?:production: )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))
    active = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]

    assert len(settings_variables()) > 30
    assert settings_variables() - documented == set()
    assert script_variables() - documented == set()
    # Copying it to .env changes nothing for `make run`.
    assert active == []
