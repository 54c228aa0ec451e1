"""``manage.py seed_demo``: a demo strata, its register, one staff login per role, its bylaws and
a case in every status. It lives in the top app so it may seed every app below it."""

import argparse

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from demo import register_data as demo_data
from demo.campaigns import demo_campaigns_create
from demo.cases import demo_case_link, demo_cases_create, demo_resident


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of units above zero.")
    return number


class Command(BaseCommand):
    help = (
        "Create the demo: Harbourview Terrace (BCS2024) with a register of units, owners, "
        "tenants, stalls and lockers; Cedar Grove (VIS5678), a small second strata; and staff "
        "logins (manager, council, caretaker, a manager of the other strata, a superuser) that "
        "share one password; Harbourview's bylaws and rules and a bylaw case in every status, "
        "with its letters and service records. Safe to run again: stratas are found by plan "
        "number, users by email and cases by strata, and nothing that exists is changed. "
        "Refuses to run when DJANGO_DEBUG is False."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--units",
            type=positive_int,
            default=demo_data.DEFAULT_UNITS,
            metavar="N",
            help=(
                f"Units in Harbourview Terrace when it is created (default "
                f"{demo_data.DEFAULT_UNITS}: 101 to 410 on four floors and townhouses TH1 to TH4). "
                "Try 20000 to see the register at scale. Ignored if the strata exists."
            ),
        )
        parser.add_argument(
            "--password",
            help=(
                f"Password of the demo logins (default {demo_data.DEMO_PASSWORD}). Given "
                "explicitly, it also resets the password of demo logins that already exist; "
                "without it existing passwords are left alone."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=(
                "Seed even though DJANGO_DEBUG is False. The demo logins have a published "
                "password: never use this on a site with real residents."
            ),
        )

    def handle(self, *args, units, password, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to seed demo data because DJANGO_DEBUG is False (this looks like "
                "production and the demo logins share a published password); pass "
                "--allow-production if this really is a throwaway site."
            )
        reset_passwords = password is not None
        password = demo_data.DEMO_PASSWORD if password is None else password
        try:
            password_validation.validate_password(password)
        except ValidationError as error:
            raise CommandError(
                "The demo password is too weak: " + " ".join(error.messages)
            ) from error

        report = demo_data.demo_seed(
            units=units, password=password, reset_passwords=reset_passwords
        )
        cases = demo_cases_create(report.stratas[0].strata)
        communication = demo_campaigns_create(report.stratas[0].strata)
        resident = demo_resident(report.stratas[0].strata)
        # A link is a new secret: made on the run that creates the cases only, so a second
        # run still changes nothing; later runs point to the sign-in page instead.
        link = demo_case_link(*resident) if cases and resident else None
        self._print_report(report, units_asked=units, resident=resident, link=link)
        if cases:
            self.stdout.write(
                self.style.SUCCESS(f"Created {cases} bylaw cases, one in every status.")
            )
        if communication:
            self.stdout.write(
                self.style.SUCCESS(
                    "Created a draft newsletter (admin → Campaigns) and an announcement."
                )
            )

    def _print_report(
        self,
        report: demo_data.SeedReport,
        *,
        units_asked: int,
        resident: tuple | None,
        link: str | None,
    ) -> None:
        write = self.stdout.write
        for outcome in report.stratas:
            strata = outcome.strata
            if outcome.created:
                counts = outcome.counts
                write(
                    self.style.SUCCESS(f"Created {strata}: ")
                    + f"{counts['units']} units, {counts['persons']} persons, "
                    f"{counts['occupancies']} occupancies, {counts['parking_stalls']} parking "
                    f"stalls, {counts['storage_lockers']} storage lockers, "
                    f"{counts['bike_lockers']} bike lockers."
                )
            else:
                write(f"{strata} already exists; its register was left as it is.")
        main = report.stratas[0]
        if not main.created and units_asked != demo_data.DEFAULT_UNITS:
            write(
                self.style.WARNING(
                    f"--units {units_asked} was ignored: {main.strata} already exists. Seed a "
                    "fresh database to try another size."
                )
            )
        if not report.changed:
            write("Nothing changed: the demo was already in place.")

        rows = [("EMAIL", "ROLE", "STRATA", "PASSWORD")]
        for outcome in report.logins:
            rows.append(
                (
                    outcome.login.email,
                    str(outcome.login.role),
                    str(outcome.strata) if outcome.strata else "every strata",
                    outcome.password or "(kept; pass --password to reset it)",
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        write("")
        write(self.style.MIGRATE_HEADING("Demo logins:"))
        for *padded, last in rows:
            cells = [cell.ljust(width) for cell, width in zip(padded, widths, strict=True)]
            write("  " + "  ".join([*cells, last]))
        write("")
        write(f"Admin: {settings.SITE_URL}{reverse('admin:index')}")
        if resident:
            case, person = resident
            address = person.email_for_notices or person.email
            ways = [f"{link} (their personal case link)"] if link else []
            if address:
                ways.append(
                    f"a sign-in link by email to {address} at {settings.SITE_URL}/my/sign-in/ "
                    "(the email is written under var/mail/)"
                )
            if ways:
                write(
                    f"Resident: {person.full_name}, respondent of {case.reference}: "
                    + " or ".join(ways)
                )
