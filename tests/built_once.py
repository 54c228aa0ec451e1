"""Rows built once for many tests: pytest's answer to Django's ``setUpTestData``.

Inside ``rows_kept_for_the_scope`` a module- or class-scoped fixture writes its rows in a
transaction that stays open while its tests run and is rolled back when the scope ends. Each
test's own ``db`` transaction is a savepoint inside it, so a test's writes vanish after it and
the built rows are there for the next test. Hand each test a ``copy.deepcopy`` of the built
objects, as ``setUpTestData`` does, so one test's changes to an instance cannot reach another.
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rows_kept_for_the_scope(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
