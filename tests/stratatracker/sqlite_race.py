"""Two requests reject the same case at once, on a file-backed SQLite database, as a
double-submitted form does under ``make run``. Run in a process of its own by
``test_sqlite_concurrency.py``: ``python -m tests.stratatracker.sqlite_race <path>``; prints
what each request got, as JSON.

Both requests meet just after reading the case (inside the transition's frame) whenever both
can get there, so a database that lets two transactions read before either writes shows it
every time rather than by chance.
"""

import json
import os
import sys
import threading

MEET_TIMEOUT = 2.0  # seconds the first request waits there for the second


class Meeting:
    """Each caller waits until ``parties`` have arrived, or ``timeout`` seconds."""

    def __init__(self, parties: int, timeout: float):
        self.parties, self.timeout = parties, timeout
        self.arrived = 0
        self.condition = threading.Condition()

    def __call__(self) -> None:
        with self.condition:
            self.arrived += 1
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.arrived >= self.parties, timeout=self.timeout)


def main(path: str) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stratatracker.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import OperationalError, connection

    from tests import people
    from tests.sqlite_schema import create_schema
    from tests.violations.factories import ViolationFactory
    from violations import services
    from violations.domain.workflow import TransitionRefused
    from violations.models import Violation, ViolationEvent
    from violations.services import frame

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    create_schema()
    strata = people.harbour_view()
    manager = people.manager_of(strata)
    case = ViolationFactory(unit=people.unit_101(strata), reference="VIO-20261101-001")
    connection.close()

    meeting = Meeting(parties=2, timeout=MEET_TIMEOUT)
    check_actor = frame.check_actor

    def check_actor_then_meet(*args, **kwargs):
        check_actor(*args, **kwargs)
        meeting()

    frame.check_actor = check_actor_then_meet
    start = threading.Barrier(2)

    def reject():
        try:
            start.wait(timeout=10)
            services.violation_reject(
                case=Violation.objects.get(pk=case.pk), actor=manager, reason="Not a bylaw matter."
            )
            return "rejected"
        except TransitionRefused as refusal:
            return f"refused: {refusal.code}"
        except OperationalError as error:
            return f"error: {error}"
        finally:
            connection.close()

    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(reject())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    case.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal_mode,) = cursor.fetchone()
    return {
        "outcomes": sorted(outcomes),
        "status": case.status,
        "rejections": ViolationEvent.objects.filter(case=case, to_status="rejected").count(),
        "journal_mode": journal_mode,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
