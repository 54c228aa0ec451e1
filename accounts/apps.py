from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created

from accounts.resident_session import password_login_clears_resident_mark
from accounts.strata_time import register_sqlite_functions


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # A strata's today in a query (strata_time.LocalDate) needs a function SQLite lacks.
        connection_created.connect(register_sqlite_functions, dispatch_uid="accounts.local_date")
        # A password login is a full login: it ends the resident-only mark of a link.
        user_logged_in.connect(
            password_login_clears_resident_mark, dispatch_uid="accounts.resident_mark"
        )
