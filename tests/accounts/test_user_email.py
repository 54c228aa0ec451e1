"""A login's email has one unique index, the field's own, kept case-insensitive by storing
every address lower-cased (issue 14: there were two, the field's and one on Lower(email))."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_email_has_exactly_one_unique_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, User._meta.db_table)
    unique = sorted(
        info["columns"]
        for info in constraints.values()
        if info["unique"] and not info["primary_key"]
    )
    assert unique == [["email"], ["legacy_id"], ["uuid"]]


def test_the_database_refuses_an_email_stored_otherwise_than_lower_case():
    user = UserFactory(email="jane.doe@example.test")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email="Jane.Doe@example.test")

    user.refresh_from_db()
    assert user.email == "jane.doe@example.test"


def test_sign_in_finds_the_user_by_the_lowered_address_through_the_index():
    user = UserFactory(email="mixed.case@example.test")
    with CaptureQueriesContext(connection) as queries:
        found = User.objects.get_by_natural_key("Mixed.Case@Example.TEST")
    assert found == user
    sql = queries.captured_queries[0]["sql"].upper()
    assert "UPPER(" not in sql and "LIKE" not in sql
