"""A password reset request does the same work whether or not the address is known: the
lookup and the email happen after the response, in a task (docs/security.md)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communications.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _normalised(queries) -> list[str]:
    """The SQL text with its literals (strings, numbers) replaced, so two requests compare."""
    statements = []
    for query in queries:
        sql = re.sub(r"'(?:[^']|'')*'", "?", query["sql"])
        statements.append(re.sub(r"\b\d+\b", "?", sql))
    return statements


def _post_reset(client, email, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    return _normalised(queries.captured_queries), callbacks


def test_known_and_unknown_addresses_run_the_same_queries_in_the_request(
    client, manager, django_capture_on_commit_callbacks
):
    known, known_callbacks = _post_reset(
        client, manager.email.upper(), django_capture_on_commit_callbacks
    )
    unknown, unknown_callbacks = _post_reset(
        client, "nobody@example.test", django_capture_on_commit_callbacks
    )
    assert known == unknown
    assert len(known_callbacks) == len(unknown_callbacks) == 1
    assert not OutboundEmail.objects.exists()


def test_the_task_queues_one_email_for_a_known_address_and_none_for_an_unknown_one(
    client, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert not OutboundEmail.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": manager.email.upper()})
    row = OutboundEmail.objects.get()
    assert (row.to_address, row.kind, row.template_name, row.sensitive) == (
        manager.email,
        "login",
        "accounts.password_reset",
        True,
    )


def test_a_user_without_a_usable_password_gets_no_reset(
    client, manager, django_capture_on_commit_callbacks
):
    manager.set_unusable_password()
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": manager.email})
    assert not OutboundEmail.objects.exists()
