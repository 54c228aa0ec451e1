"""Production behind a proxy refuses to start without the proxy count (docs/security.md,
item 11): with every client sharing the proxy's address, a login lockout locks out everyone."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SENTENCE = "DJANGO_BEHIND_PROXY=True needs DJANGO_TRUSTED_PROXY_COUNT"


def import_production_settings(**overrides: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with production secrets set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AXES_")) and key not in {"DATABASE_URL", "EMAIL_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="stratatracker.settings",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="tracker.example.test",
        DATABASE_URL="postgres://app:secret@127.0.0.1:5432/app",
        EMAIL_URL="smtp://127.0.0.1:25",
        **overrides,
    )
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_behind_a_proxy_refuses_to_start_without_the_proxy_count():
    result = import_production_settings(DJANGO_BEHIND_PROXY="True")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert SENTENCE in result.stderr


def test_production_behind_a_proxy_refuses_a_proxy_count_of_zero():
    result = import_production_settings(DJANGO_BEHIND_PROXY="True", DJANGO_TRUSTED_PROXY_COUNT="0")
    assert result.returncode != 0
    assert SENTENCE in result.stderr


def test_production_behind_a_proxy_starts_with_the_proxy_count():
    result = import_production_settings(DJANGO_BEHIND_PROXY="True", DJANGO_TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0, result.stderr


def test_production_not_behind_a_proxy_starts_without_the_proxy_count():
    result = import_production_settings()
    assert result.returncode == 0, result.stderr
