"""The fines ledger in the admin: the list, a charge's forms, the ledgers and the CSV."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog
from tests.properties.factories import PersonFactory, UnitFactory
from tests.violations.charges import charge_on
from tests.violations.drive import FAST_HASHERS, T0
from violations.models import Payment, Waiver
from violations.services.ledger import payment_record

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:violations_charge_changelist"
FEW, MANY = 10, 200


@pytest.fixture(autouse=True)
def _at_t0(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def charge(unit, owner, manager):
    owner.full_name = "Olive Owner"
    owner.save()
    return charge_on(unit, owner, manager, amount="200.00", reference="VIO-20261120-001")


def add_charges(strata, recorded_by, numbers) -> str:
    """A charge, partly paid, for each number, each on a unit and owner of its own."""
    last = ""
    for i in numbers:
        unit = UnitFactory(strata=strata, unit_number=f"L{i:03d}", strata_lot_number=500 + i)
        person = PersonFactory(strata=strata, full_name=f"Ledger Owner {i:03d}")
        charge = charge_on(unit, person, recorded_by, amount="100.00")
        Payment.objects.create(
            charge=charge,
            amount=Decimal("10.00"),
            paid_on=dt.date(2026, 11, 21),
            method="cash",
            recorded_by=recorded_by,
        )
        last = f"Ledger Owner {i:03d}"
    return last


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- query-count guards (registered in tests/test_admin_queries.py) ------------------------------


@pytest.mark.parametrize("page", ["changelist", "strata_ledger"])
def test_ledger_queries_do_not_grow_with_charges(
    client, strata, manager, django_assert_num_queries, page
):
    client.force_login(manager)
    if page == "changelist":
        url = reverse(CHANGELIST)
    else:
        url = reverse("admin:violations_charge_strata_ledger", args=[strata.pk])
    add_charges(strata, manager, range(1, FEW + 1))
    client.get(url)  # warm process-wide caches
    few = queries_of(client, url)

    last = add_charges(strata, manager, range(FEW + 1, MANY + 1))
    with django_assert_num_queries(few):
        response = client.get(url)

    assert response.status_code == 200
    assert last in response.text
    if page == "changelist":
        assert len(response.context["cl"].result_list) == 100  # one full page
    else:
        assert len(response.context["charges"]) == MANY
        assert response.context["totals"] == {
            "charged": Decimal("20000.00"),
            "paid": Decimal("2000.00"),
            "waived": Decimal("0.00"),
            "balance": Decimal("18000.00"),
        }


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_each_charges_balance_and_filters_those_owing(
    client, charge, manager, unit, owner
):
    paid_off = charge_on(unit, owner, manager, amount="30.00")
    payment_record(
        charge=paid_off, actor=manager, amount="30.00", paid_on=dt.date(2026, 11, 24), method="eft"
    )
    client.force_login(manager)

    everything = client.get(reverse(CHANGELIST))
    owing = client.get(reverse(CHANGELIST), {"owing": "yes"})
    settled = client.get(reverse(CHANGELIST), {"owing": "no"})

    assert {c.pk: c.balance for c in everything.context["cl"].result_list} == {
        charge.pk: Decimal("200.00"),
        paid_off.pk: Decimal("0.00"),
    }
    assert [c.pk for c in owing.context["cl"].result_list] == [charge.pk]
    assert [c.pk for c in settled.context["cl"].result_list] == [paid_off.pk]
    assert "VIO-20261120-001" in everything.text


def test_the_charge_page_lists_payments_and_offers_only_the_users_forms(
    client, charge, manager, council_member
):
    payment_record(
        charge=charge,
        actor=manager,
        amount="50.25",
        paid_on=dt.date(2026, 11, 24),
        method="cheque",
        reference="Cheque 118",
    )
    url = reverse("admin:violations_charge_change", args=[charge.pk])
    payment_url = reverse("admin:violations_charge_payment", args=[charge.pk])
    waiver_url = reverse("admin:violations_charge_waiver", args=[charge.pk])

    client.force_login(manager)
    as_manager = client.get(url)
    client.force_login(council_member)
    as_council = client.get(url)

    assert "Cheque 118" in as_manager.text
    assert "149.75" in as_manager.text
    assert payment_url in as_manager.text and waiver_url in as_manager.text
    assert payment_url not in as_council.text and waiver_url in as_council.text


# --- recording ----------------------------------------------------------------------------------


def test_a_manager_records_a_payment_through_the_form(client, charge, manager):
    client.force_login(manager)
    url = reverse("admin:violations_charge_payment", args=[charge.pk])

    response = client.post(
        url, {"amount": "50.25", "paid_on": "2026-11-24", "method": "eft", "reference": "T-9"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:violations_charge_change", args=[charge.pk])
    payment = Payment.objects.get()
    assert (payment.amount, payment.paid_on, payment.method, payment.reference) == (
        Decimal("50.25"),
        dt.date(2026, 11, 24),
        "eft",
        "T-9",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Payment of $50.25 recorded on VIO-20261120-001; $149.75 owing."
    ]


def test_an_overpayment_is_shown_on_the_form_and_nothing_is_recorded(client, charge, manager):
    client.force_login(manager)
    url = reverse("admin:violations_charge_payment", args=[charge.pk])

    response = client.post(url, {"amount": "200.01", "paid_on": "2026-11-24", "method": "cash"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": [
            "More than is owing: paying $200.01 would exceed the balance of $200.00 on this charge."
        ]
    }
    assert not Payment.objects.exists()


def test_a_waiver_form_without_a_resolution_is_refused(client, charge, council_member):
    client.force_login(council_member)
    url = reverse("admin:violations_charge_waiver", args=[charge.pk])

    response = client.post(url, {"amount": "20.00", "meeting_on": "2026-11-24", "resolution": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "resolution": [
            "A waiver must cite council's decision: give the text of council's resolution."
        ]
    }
    assert not Waiver.objects.exists()


def test_council_records_a_waiver_through_the_form(client, charge, council_member):
    client.force_login(council_member)
    url = reverse("admin:violations_charge_waiver", args=[charge.pk])

    response = client.post(
        url,
        {"amount": "49.75", "meeting_on": "2026-11-24", "resolution": "Waived: first offence."},
    )

    assert response.status_code == 302
    waiver = Waiver.objects.get()
    assert (waiver.amount, waiver.meeting_on, waiver.recorded_by) == (
        Decimal("49.75"),
        dt.date(2026, 11, 24),
        council_member,
    )


def test_council_cannot_open_the_payment_form(client, charge, council_member):
    client.force_login(council_member)
    url = reverse("admin:violations_charge_payment", args=[charge.pk])

    response = client.post(url, {"amount": "10.00", "paid_on": "2026-11-24", "method": "cash"})

    assert response.status_code == 403
    assert not Payment.objects.exists()


# --- the CSV ------------------------------------------------------------------------------------


def test_the_csv_has_the_accounting_columns_and_is_formula_safe(
    client, charge, manager, unit, owner, other_unit, other_manager
):
    payment_record(
        charge=charge, actor=manager, amount="50.25", paid_on=dt.date(2026, 11, 24), method="eft"
    )
    charge_on(
        unit,
        owner,
        manager,
        amount="12.34",
        charged_on=dt.date(2026, 10, 2),
        description='=HYPERLINK("http://evil.test")',
    )
    charge_on(other_unit, PersonFactory(strata=other_unit.strata), other_manager)
    client.force_login(manager)

    response = client.get(
        reverse("admin:violations_charge_export"),
        {"strata": charge.case.strata_id, "start": "2026-11-01", "end": "2026-11-30"},
    )
    everything = client.get(reverse("admin:violations_charge_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "date",
            "strata",
            "plan",
            "strata lot",
            "unit",
            "case reference",
            "liable person",
            "bylaw",
            "kind",
            "description",
            "amount",
            "paid",
            "waived",
            "balance",
        ],
        [
            "2026-11-20",
            "Harbour View",
            "BCS1234",
            "1",
            "101",
            "VIO-20261120-001",
            "Olive Owner",
            charge.bylaw.number,
            "Fine",
            "Fine for noise",
            "200.00",
            "50.25",
            "0.00",
            "149.75",
        ],
    ]
    all_rows = list(csv.reader(io.StringIO(everything.content.decode())))
    assert [row[9] for row in all_rows[1:]] == [
        '\'=HYPERLINK("http://evil.test")',
        "Fine for noise",
    ]
    narrowed, whole = AuditLog.objects.filter(action="charge.ledger_exported").order_by("id")
    assert (narrowed.actor, narrowed.strata, narrowed.changes) == (
        manager,
        charge.case.strata,
        {
            "filters": {
                "strata": str(charge.case.strata.uuid),
                "start": "2026-11-01",
                "end": "2026-11-30",
            },
            "rows": 1,
        },
    )
    assert (whole.strata, whole.changes["rows"]) == (None, 2)


def test_a_csv_of_another_stratas_ledger_is_refused(client, charge, other_manager):
    client.force_login(other_manager)

    response = client.get(
        reverse("admin:violations_charge_export"), {"strata": charge.case.strata_id}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Nothing exported. Strata: Select a valid choice.")


# --- links --------------------------------------------------------------------------------------


def test_the_person_ledger_totals_one_owners_charges(client, charge, manager, unit, owner):
    charge_on(unit, owner, manager, amount="0.10", charged_on=dt.date(2026, 11, 1))
    client.force_login(manager)

    response = client.get(reverse("admin:violations_charge_person_ledger", args=[owner.pk]))

    assert response.status_code == 200
    assert [c.amount for c in response.context["charges"]] == [
        Decimal("0.10"),
        Decimal("200.00"),
    ]
    assert response.context["totals"]["balance"] == Decimal("200.10")
    assert "$200.10" in response.text


@pytest.mark.parametrize(("role", "linked"), [("manager", True), ("caretaker", False)])
def test_the_case_page_links_its_charges_to_the_ledger(request, client, charge, role, linked):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:violations_violation_change", args=[charge.case_id]))

    assert response.status_code == 200
    link = f"{reverse(CHANGELIST)}?case__id__exact={charge.case_id}"
    assert (f'href="{link}"' in response.text) is linked
    if linked:
        ledger = client.get(link)
        assert [row.pk for row in ledger.context["cl"].result_list] == [charge.pk]


@pytest.mark.parametrize(("role", "linked"), [("manager", True), ("caretaker", False)])
def test_the_person_page_links_to_their_ledger(request, client, charge, owner, role, linked):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:properties_person_change", args=[owner.pk]))

    assert response.status_code == 200
    link = reverse("admin:violations_charge_person_ledger", args=[owner.pk])
    assert (f'href="{link}"' in response.text) is linked
