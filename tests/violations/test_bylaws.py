"""Bylaws: saves and revisions, the text in force on a date, the Reg 7.1 caps, rights, the
admin pages and the demo set."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog
from demo.bylaws import demo_bylaws_create
from tests.violations.factories import BylawCategoryFactory, BylawFactory
from violations.models import Bylaw, BylawRevision, ViolationCategory
from violations.selectors.cases import bylaw_revision_in_force
from violations.services.bylaws import bylaw_problems, bylaw_save, violation_category_save

pytestmark = pytest.mark.django_db

NOISE = "An owner, tenant or occupant must not cause unreasonable noise."


def new_bylaw(strata, **fields) -> Bylaw:
    return Bylaw(**{"strata": strata, "number": "3(1)", "title": "Noise", "text": NOISE, **fields})


def revisions(bylaw) -> list[tuple[str, dt.date]]:
    return list(
        BylawRevision.objects.filter(bylaw=bylaw)
        .order_by("effective_on", "id")
        .values_list("text", "effective_on")
    )


# --- saves and revisions ---------------------------------------------------------------------


def test_new_bylaw_gets_its_first_revision_in_force_from_the_given_date(strata, manager):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=manager, effective_on=dt.date(2019, 3, 20))

    assert revisions(bylaw) == [(NOISE, dt.date(2019, 3, 20))]
    revision = BylawRevision.objects.get(bylaw=bylaw)
    assert revision.created_by == manager
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata, entry.target_uuid) == (
        "bylaw.saved",
        manager,
        strata,
        bylaw.uuid,
    )
    assert entry.changes["text"] == {"in_force_from": "2019-03-20"}
    assert entry.changes["number"] == {"from": None, "to": "3(1)"}


def test_each_text_change_is_a_revision_and_an_unchanged_save_writes_nothing(strata, manager):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=manager, effective_on=dt.date(2019, 1, 1))

    bylaw.text = NOISE + " Quiet hours are 11 p.m. to 7 a.m."
    bylaw_save(bylaw=bylaw, actor=manager, effective_on=dt.date(2024, 6, 1))
    bylaw_save(bylaw=bylaw, actor=manager, effective_on=dt.date(2025, 1, 1))  # unchanged
    bylaw.title = "Noise and nuisance"
    bylaw_save(bylaw=bylaw, actor=manager, effective_on=dt.date(2025, 2, 1))  # title only

    assert revisions(bylaw) == [
        (NOISE, dt.date(2019, 1, 1)),
        (NOISE + " Quiet hours are 11 p.m. to 7 a.m.", dt.date(2024, 6, 1)),
    ]
    entries = list(AuditLog.objects.order_by("id").values_list("action", "changes"))
    assert [action for action, _changes in entries] == ["bylaw.saved"] * 3
    assert [changes for _action, changes in entries[1:]] == [
        {"text": {"in_force_from": "2024-06-01"}},
        {"title": {"from": "Noise", "to": "Noise and nuisance"}},
    ]


def test_line_endings_and_trailing_spaces_are_not_a_new_text(strata, manager):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=manager, effective_on=dt.date(2019, 1, 1))

    bylaw.text = NOISE + "  \r\n"
    bylaw_save(bylaw=bylaw, actor=manager, effective_on=dt.date(2024, 1, 1))

    assert revisions(bylaw) == [(NOISE, dt.date(2019, 1, 1))]


@time_machine.travel(dt.datetime(2026, 1, 1, 7, 0, tzinfo=dt.UTC), tick=False)
def test_in_force_date_defaults_to_today_in_strata_time(strata, superuser):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=superuser)

    # 07:00 UTC on New Year's Day is still New Year's Eve in Vancouver.
    assert revisions(bylaw) == [(NOISE, dt.date(2025, 12, 31))]


def test_revision_in_force_on_a_date(strata):
    bylaw = BylawFactory(strata=strata, text="First wording.", revision=dt.date(2020, 1, 1))
    amended = BylawRevision.objects.create(
        bylaw=bylaw, text="Amended wording.", effective_on=dt.date(2024, 6, 1)
    )
    corrected = BylawRevision.objects.create(
        bylaw=bylaw, text="Amended wording, corrected.", effective_on=dt.date(2024, 6, 1)
    )
    first = BylawRevision.objects.get(bylaw=bylaw, text="First wording.")

    assert bylaw_revision_in_force(bylaw, dt.date(2019, 12, 31)) is None
    assert bylaw_revision_in_force(bylaw, dt.date(2020, 1, 1)) == first
    assert bylaw_revision_in_force(bylaw, dt.date(2024, 5, 31)) == first
    # Two revisions in force from the same day: the one saved last.
    assert bylaw_revision_in_force(bylaw, dt.date(2024, 6, 1)) == corrected
    assert bylaw_revision_in_force(bylaw, dt.date(2030, 1, 1)) == corrected
    assert amended.pk < corrected.pk


def test_changed_text_cannot_take_effect_before_the_newest_revision(strata, manager):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=manager, effective_on=dt.date(2024, 6, 1))
    bylaw.text = "Backdated wording."

    with pytest.raises(ValidationError) as refused:
        bylaw_save(bylaw=bylaw, actor=manager, effective_on=dt.date(2023, 1, 1))

    assert refused.value.message_dict == {
        "effective_on": [
            "The text in force from 2024-06-01 is newer; a changed text takes effect on or "
            "after that date."
        ]
    }
    assert revisions(Bylaw.objects.get(pk=bylaw.pk)) == [(NOISE, dt.date(2024, 6, 1))]
    assert Bylaw.objects.get(pk=bylaw.pk).text == NOISE


# --- caps and same-strata rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"kind": Bylaw.Kind.RULE, "fine_amount": Decimal("60")},
            "fine_amount",
            "A rule may fine at most $50 per contravention (Reg 7.1).",
        ),
        (
            {"fine_amount": Decimal("200.01")},
            "fine_amount",
            "A bylaw may fine at most $200 per contravention (Reg 7.1); only a short-term "
            "rental bylaw may go to $1,000.",
        ),
        (
            {"is_short_term_rental": True, "fine_amount": Decimal("1000.01")},
            "fine_amount",
            "A short-term rental bylaw may fine at most $1,000 (Reg 7.1(1)).",
        ),
        (
            {"kind": Bylaw.Kind.RULE, "is_short_term_rental": True},
            "is_short_term_rental",
            "Only a bylaw can be a short-term rental bylaw, not a rule.",
        ),
        (
            {"continuing_interval_days": 6},
            "continuing_interval_days",
            "A continuing contravention may be fined at most every 7 days (Reg 7.1(2)); only "
            "a short-term rental bylaw may repeat daily.",
        ),
        (
            {"kind": Bylaw.Kind.RULE, "filed_on": dt.date(2024, 1, 1)},
            "filed_on",
            "Rules are not filed at the Land Title Office; give the date a general meeting "
            "ratified the rule instead.",
        ),
    ],
)
def test_limits_are_refused_in_words_and_nothing_is_stored(strata, manager, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        bylaw_save(bylaw=new_bylaw(strata, **fields), actor=manager)

    assert refused.value.message_dict == {field: [message]}
    assert not Bylaw.objects.exists()
    assert not BylawRevision.objects.exists()
    assert not AuditLog.objects.exists()


def test_limits_allowed_at_their_maximum(strata, manager):
    rule = bylaw_save(
        bylaw=new_bylaw(strata, kind=Bylaw.Kind.RULE, fine_amount=Decimal("50")), actor=manager
    )
    bylaw = Bylaw(
        strata=strata, number="4", title="Damage", text="No damage.", fine_amount=Decimal("200")
    )
    bylaw_save(bylaw=bylaw, actor=manager)
    rental = Bylaw(
        strata=strata,
        number="7.1",
        title="Short-term accommodation",
        text="No stays of less than 90 days.",
        is_short_term_rental=True,
        fine_amount=Decimal("1000"),
        continuing_interval_days=1,
    )
    bylaw_save(bylaw=rental, actor=manager)

    assert list(Bylaw.objects.order_by("kind", "number").values_list("number", "fine_amount")) == [
        ("4", Decimal("200.00")),
        ("7.1", Decimal("1000.00")),
        ("3(1)", Decimal("50.00")),
    ]
    assert rule.kind == Bylaw.Kind.RULE


def test_category_of_another_strata_is_refused(strata, other_strata, manager):
    foreign = BylawCategoryFactory(strata=other_strata, name="Noise")

    with pytest.raises(ValidationError) as refused:
        bylaw_save(bylaw=new_bylaw(strata, category=foreign), actor=manager)

    assert refused.value.message_dict == {"category": ["Choose a category of this bylaw's strata."]}
    assert not Bylaw.objects.exists()


def test_a_bylaw_cannot_move_to_another_strata(strata, other_strata, superuser):
    bylaw = BylawFactory(strata=strata)
    bylaw.strata = other_strata

    with pytest.raises(ValidationError) as refused:
        bylaw_save(bylaw=bylaw, actor=superuser)

    assert refused.value.message_dict == {
        "strata": ["A record stays in its strata; add a new one to the other strata."]
    }
    assert Bylaw.objects.get(pk=bylaw.pk).strata == strata


def test_duplicate_number_is_refused_in_words(strata, manager):
    BylawFactory(strata=strata, number="3(1)")

    with pytest.raises(ValidationError) as refused:
        bylaw_save(bylaw=new_bylaw(strata), actor=manager)

    assert refused.value.messages == ["This strata already has a bylaw with this number."]
    assert Bylaw.objects.count() == 1


# --- rights ----------------------------------------------------------------------------------


def test_council_member_may_save_a_bylaw(strata, council_member):
    bylaw = bylaw_save(bylaw=new_bylaw(strata), actor=council_member)

    assert Bylaw.objects.get() == bylaw


@pytest.mark.parametrize("who", ["caretaker", "other_manager"])
def test_caretaker_and_other_stratas_manager_cannot_save_a_bylaw(request, strata, who):
    actor = request.getfixturevalue(who)
    existing = BylawFactory(strata=strata, title="Noise")
    existing.title = "Changed"

    with pytest.raises(PermissionDenied):
        bylaw_save(bylaw=new_bylaw(strata, number="9"), actor=actor)
    with pytest.raises(PermissionDenied):
        bylaw_save(bylaw=existing, actor=actor)

    assert list(Bylaw.objects.values_list("number", "title")) == [(existing.number, "Noise")]
    assert BylawRevision.objects.count() == 1
    assert not AuditLog.objects.exists()


def test_caretaker_cannot_save_a_violation_category(strata, caretaker):
    with pytest.raises(PermissionDenied):
        violation_category_save(
            category=ViolationCategory(strata=strata, name="Noise"), actor=caretaker
        )

    assert not ViolationCategory.objects.exists()


def test_violation_category_names_only_bylaws_of_its_strata(strata, other_strata, manager):
    own = BylawFactory(strata=strata, number="3(1)")
    foreign = BylawFactory(strata=other_strata, number="3(1)")

    with pytest.raises(ValidationError) as refused:
        violation_category_save(
            category=ViolationCategory(strata=strata, name="Noise"),
            actor=manager,
            default_bylaws=[own, foreign],
        )
    category = violation_category_save(
        category=ViolationCategory(strata=strata, name="Noise"),
        actor=manager,
        default_bylaws=[own],
    )

    assert refused.value.message_dict == {
        "default_bylaws": ["Choose bylaws of this category's strata only."]
    }
    assert list(category.default_bylaws.all()) == [own]
    entry = AuditLog.objects.get()
    assert entry.action == "violation.category_saved"
    assert entry.changes["default_bylaws"] == {"from": [], "to": ["3(1)"]}


# --- admin -----------------------------------------------------------------------------------


def form_data(response) -> dict:
    """What a browser posts back for the admin change form in ``response``, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                value = ""
            elif isinstance(value, bool):
                if not value:
                    continue
                value = "on"
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, list | tuple):
                value = [str(v) for v in value]
            data[form.add_prefix(name)] = value if isinstance(value, list) else str(value)
    return data


def change_url(bylaw) -> str:
    return reverse("admin:violations_bylaw_change", args=[bylaw.pk])


def test_manager_adds_a_bylaw_in_the_admin_with_its_in_force_date(client, strata, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:violations_bylaw_add"),
        {
            "strata": strata.pk,
            "kind": Bylaw.Kind.BYLAW,
            "number": "3(1)",
            "title": "Noise",
            "text": NOISE,
            "effective_on": "2019-03-20",
            "is_active": "on",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    bylaw = Bylaw.objects.get(strata=strata, number="3(1)")
    assert revisions(bylaw) == [(NOISE, dt.date(2019, 3, 20))]
    assert AuditLog.objects.get().action == "bylaw.saved"


def test_admin_change_writes_a_revision_only_when_the_text_changes(client, strata, manager):
    bylaw = BylawFactory(strata=strata, text=NOISE, revision=dt.date(2020, 1, 1))
    client.force_login(manager)
    data = form_data(client.get(change_url(bylaw)))

    data["title"] = "Noise at night"
    unchanged = client.post(change_url(bylaw), data)
    changed = client.post(
        change_url(bylaw), {**data, "text": "New wording.", "effective_on": "2025-05-01"}
    )

    assert (unchanged.status_code, changed.status_code) == (302, 302)
    assert revisions(bylaw) == [(NOISE, dt.date(2020, 1, 1)), ("New wording.", dt.date(2025, 5, 1))]
    bylaw.refresh_from_db()
    assert (bylaw.title, bylaw.text) == ("Noise at night", "New wording.")


def test_admin_shows_a_rule_fine_over_50_as_a_form_error(client, strata, manager):
    rule = BylawFactory(strata=strata, kind=Bylaw.Kind.RULE, number="2", title="Parking")
    client.force_login(manager)
    data = form_data(client.get(change_url(rule)))

    response = client.post(change_url(rule), {**data, "fine_amount": "60.00"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "fine_amount": ["A rule may fine at most $50 per contravention (Reg 7.1)."]
    }
    rule.refresh_from_db()
    assert rule.fine_amount is None
    assert not AuditLog.objects.exists()


def test_admin_allows_a_short_term_rental_fine_of_1000_daily(client, strata, manager):
    bylaw = BylawFactory(strata=strata, number="7.1", title="Short-term accommodation")
    client.force_login(manager)
    data = form_data(client.get(change_url(bylaw)))

    response = client.post(
        change_url(bylaw),
        {
            **data,
            "is_short_term_rental": "on",
            "fine_amount": "1000.00",
            "continuing_interval_days": "1",
        },
    )

    assert response.status_code == 302
    bylaw.refresh_from_db()
    assert (bylaw.fine_amount, bylaw.continuing_interval_days) == (Decimal("1000.00"), 1)


def test_revisions_are_listed_newest_first_and_read_only(client, strata, manager):
    bylaw = BylawFactory(strata=strata, text="First.", revision=dt.date(2020, 1, 1))
    BylawRevision.objects.create(bylaw=bylaw, text="Second.", effective_on=dt.date(2024, 1, 1))
    client.force_login(manager)

    response = client.get(change_url(bylaw))

    inline = response.context["inline_admin_formsets"][0]
    assert [form.instance.text for form in inline.formset.forms] == ["Second.", "First."]
    assert not inline.has_add_permission
    assert not inline.has_change_permission


def test_caretaker_reads_bylaws_but_cannot_change_them(client, strata, caretaker):
    bylaw = BylawFactory(strata=strata, title="Noise")
    client.force_login(caretaker)

    listed = client.get(reverse("admin:violations_bylaw_changelist"))
    shown = client.get(change_url(bylaw))
    posted = client.post(change_url(bylaw), {"title": "Changed", "text": "Changed."})
    add = client.get(reverse("admin:violations_bylaw_add"))

    assert listed.status_code == 200
    assert [b.pk for b in listed.context["cl"].result_list] == [bylaw.pk]
    assert "bylaw-import-link" not in listed.text
    assert shown.status_code == 200
    assert "id_effective_on" not in shown.text
    assert (posted.status_code, add.status_code) == (403, 403)
    bylaw.refresh_from_db()
    assert bylaw.title == "Noise"
    assert BylawRevision.objects.count() == 1
    assert not AuditLog.objects.exists()


def test_other_stratas_manager_does_not_see_this_stratas_bylaws(
    client, strata, other_manager, other_strata
):
    BylawFactory(strata=strata, title="Ours")
    theirs = BylawFactory(strata=other_strata, title="Theirs")
    client.force_login(other_manager)

    response = client.get(reverse("admin:violations_bylaw_changelist"))

    assert [b.pk for b in response.context["cl"].result_list] == [theirs.pk]


def test_violation_category_admin_refuses_bylaws_of_another_strata(
    client, strata, other_strata, superuser
):
    foreign = BylawFactory(strata=other_strata)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:violations_violationcategory_add"),
        {"strata": strata.pk, "name": "Noise", "default_bylaws": [foreign.pk], "is_active": "on"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "default_bylaws": ["Choose bylaws of this category's strata only."]
    }
    assert not ViolationCategory.objects.exists()


def test_manager_adds_a_violation_category_with_default_bylaws(client, strata, manager):
    noise = BylawFactory(strata=strata, number="3(1)")
    client.force_login(manager)

    response = client.post(
        reverse("admin:violations_violationcategory_add"),
        {"strata": strata.pk, "name": "Noise", "default_bylaws": [noise.pk], "is_active": "on"},
    )

    assert response.status_code == 302
    category = ViolationCategory.objects.get()
    assert list(category.default_bylaws.all()) == [noise]
    assert AuditLog.objects.get().action == "violation.category_saved"


def test_manager_adds_a_bylaw_category(client, strata, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:violations_bylawcategory_add"),
        {"strata": strata.pk, "name": "Noise", "description": "Music and parties."},
    )

    assert response.status_code == 302
    assert AuditLog.objects.get().action == "bylaw.category_saved"


# --- query-count guards ----------------------------------------------------------------------


def add_bylaws(strata, numbers):
    category = BylawCategoryFactory(strata=strata, name=f"Category {numbers[0]}")
    for i in numbers:
        bylaw = BylawFactory(
            strata=strata,
            number=f"{i}.1",
            title=f"Bylaw Row {i:03d}",
            category=category,
            part_number=str(i % 5),
            part_title=f"Part {i % 5}",
            fine_amount=Decimal("100"),
        )
        BylawRevision.objects.create(bylaw=bylaw, text="Amended.", effective_on=dt.date(2024, 1, 1))
    return f"Bylaw Row {numbers[-1]:03d}"


def add_violation_categories(strata, numbers):
    for i in numbers:
        category = ViolationCategory.objects.create(strata=strata, name=f"Category Row {i:03d}")
        category.default_bylaws.set(
            [BylawFactory(strata=strata, number=f"{i}.1"), BylawFactory(strata=strata)]
        )
    return f"Category Row {numbers[-1]:03d}"


def add_bylaw_categories(strata, numbers):
    for i in numbers:
        category = BylawCategoryFactory(strata=strata, name=f"Category Row {i:03d}")
        BylawFactory(strata=strata, category=category)
    return f"Category Row {numbers[-1]:03d}"


@pytest.mark.parametrize(
    ("label", "make"),
    [
        ("violations_bylaw", add_bylaws),
        ("violations_bylawcategory", add_bylaw_categories),
        ("violations_violationcategory", add_violation_categories),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(
    client, strata, manager, django_assert_num_queries, label, make
):
    url = reverse(f"admin:{label}_changelist")
    make(strata, range(1, 6))
    client.force_login(manager)
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)

    last = make(strata, range(6, 51))
    with django_assert_num_queries(len(few)):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50
    assert last in response.text


def test_bylaw_change_page_queries_do_not_grow_with_revisions(
    client, strata, manager, django_assert_num_queries
):
    bylaw = BylawFactory(strata=strata)

    def amend(years):
        for year in years:
            BylawRevision.objects.create(
                bylaw=bylaw, text=f"Wording of {year}.", effective_on=dt.date(year, 1, 1)
            )

    amend(range(2021, 2023))
    client.force_login(manager)
    client.get(change_url(bylaw))
    with CaptureQueriesContext(connection) as few:
        client.get(change_url(bylaw))

    amend(range(2023, 2043))
    with django_assert_num_queries(len(few)):
        response = client.get(change_url(bylaw))

    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 23


# --- demo ------------------------------------------------------------------------------------


def test_demo_bylaws_are_idempotent_and_within_the_caps(strata):
    first = demo_bylaws_create(strata)
    second = demo_bylaws_create(strata)

    assert [b.pk for b in first] == [b.pk for b in second]
    assert Bylaw.objects.filter(strata=strata).count() == 18
    assert BylawRevision.objects.filter(bylaw__strata=strata).count() == 18
    for bylaw in Bylaw.objects.filter(strata=strata):
        assert bylaw_problems(bylaw) == {}, bylaw
        bylaw.full_clean()
        assert (bylaw.filed_on is None) == (bylaw.kind == Bylaw.Kind.RULE), bylaw
        assert (bylaw.ratified_on is None) == (bylaw.kind == Bylaw.Kind.BYLAW), bylaw
        assert bylaw_revision_in_force(bylaw, dt.date(2026, 1, 1)).text == bylaw.text
    rental = Bylaw.objects.get(strata=strata, is_short_term_rental=True)
    assert (rental.number, rental.fine_amount, rental.continuing_interval_days) == (
        "7.1",
        Decimal("1000.00"),
        1,
    )
    assert {
        category.name: sorted(b.number for b in category.default_bylaws.all())
        for category in ViolationCategory.objects.filter(strata=strata)
    } == {
        "Alterations/Damage": ["3(2)", "5", "6"],
        "Garbage": ["3"],
        "Noise": ["3(1)"],
        "Parking": ["2"],
        "Pets": ["3(3)", "3(4)"],
        "Short-term rental": ["7.1"],
    }
