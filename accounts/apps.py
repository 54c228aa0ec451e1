from django.apps import AppConfig
from django.db.backends.signals import connection_created

from accounts.strata_time import register_sqlite_functions


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # A strata's today in a query (strata_time.LocalDate) needs a function SQLite lacks.
        connection_created.connect(register_sqlite_functions, dispatch_uid="accounts.local_date")
