"""The staff permission matrix, through the admin (DESIGN §5 and §9, STYLE "Tests").

Every admin registered for a model of ``accounts``, ``properties`` or ``communications`` has a
grid in ``MATRIX``: a row per page, a column per role, and in each cell what that page answers
that user. A world of two stratas (``strata`` is "own", ``other_strata`` is "other") with one
record of each model in each is built for every case. The matrix fails when an admin, an admin
URL, an autocomplete field or a foreign-key choice on an add form has no row, so a new one must
be added here.

Outcomes:

- ``login``  302 to the admin login page (anonymous, residents, ended memberships).
- ``403``    PermissionDenied; the page shows nothing of the record.
- ``404``    Not found, from the admin's own views (the template editor) for a strata outside the
             user's: the same answer as for a strata that does not exist.
- ``index``  302 to the admin index with Django's "… doesn't exist" warning and an empty body:
             what the admin does for a record outside the user's queryset, the same answer as
             for an id that does not exist (existence is not revealed).
- ``view``   200, the record shown read-only (no Save button).
- ``edit``   200, the record in a form with a Save button.
- ``200``    the page answers (add, import, export, history, password).
- ``own``/``other``/``both``  200 and exactly those of the two records listed (changelists,
             the email templates' list of stratas, autocomplete results, dashboard stratas and
             outbox figures, foreign-key choices).
- ``shown``/``hidden``  the model's entry on the dashboard's app list.
"""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.messages import get_messages
from django.forms import ModelChoiceField
from django.forms.models import InlineForeignKeyField
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_STRATA_ID
from accounts.models import AuditLog, Strata, StrataMembership, User
from properties.models import Occupancy, Unit
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.communications.factories import (
    EmailTemplateFactory,
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import (
    BikeLockerFactory,
    OccupancyFactory,
    ParkingSpotFactory,
    PersonFactory,
    StorageLockerFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "resident",
    "ended",
    "caretaker",
    "council",
    "manager",
    "other_manager",
    "superuser",
)
APPS = ("accounts", "properties", "communications")


def grid(**rows: str) -> dict[str, dict[str, str]]:
    """``page="login login …"`` (one word per role, in ``ROLES`` order) → {page: {role: word}}."""
    parsed = {}
    for page, row in rows.items():
        words = row.split()
        assert len(words) == len(ROLES), f"{page}: {len(words)} cells for {len(ROLES)} roles"
        parsed[page] = dict(zip(ROLES, words, strict=True))
    return parsed


# fmt: off
# The register's admins.
# Columns:                  anonymous resident ended caretaker council manager other_mgr superuser
REGISTER = grid(
    dashboard=              "login  login  login  shown  shown  shown  shown  shown",
    changelist=             "login  login  login  own    own    own    other  both",
    add=                    "login  login  login  403    403    200    200    200",
    change_own=             "login  login  login  view   view   edit   index  edit",
    change_other=           "login  login  login  index  index  index  edit   edit",
    history_own=            "login  login  login  200    200    200    index  200",
    history_other=          "login  login  login  index  index  index  200    200",
    delete_own=             "login  login  login  403    403    403    403    403",
    import_=                "login  login  login  403    403    200    200    200",
    export=                 "login  login  login  200    200    200    200    200",
)
OUTBOX = grid(
    dashboard=              "login  login  login  hidden hidden shown  shown  shown",
    changelist=             "login  login  login  403    403    own    other  both",
    add=                    "login  login  login  403    403    403    403    403",
    change_own=             "login  login  login  403    403    view   index  view",
    change_other=           "login  login  login  403    403    index  view   view",
    history_own=            "login  login  login  index  index  200    index  200",
    history_other=          "login  login  login  index  index  index  200    200",
    delete_own=             "login  login  login  403    403    403    403    403",
)
MATRIX = {
    "accounts.strata": grid(
        dashboard=          "login  login  login  shown  shown  shown  shown  shown",
        changelist=         "login  login  login  own    own    own    other  both",
        add=                "login  login  login  403    403    403    403    200",
        change_own=         "login  login  login  view   view   edit   index  edit",
        change_other=       "login  login  login  index  index  index  edit   edit",
        history_own=        "login  login  login  200    200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "accounts.user": grid(
        dashboard=          "login  login  login  hidden hidden hidden hidden shown",
        changelist=         "login  login  login  403    403    403    403    both",
        add=                "login  login  login  403    403    403    403    200",
        change_own=         "login  login  login  403    403    403    403    edit",
        change_other=       "login  login  login  403    403    403    403    edit",
        history_own=        "login  login  login  403    403    403    403    200",
        history_other=      "login  login  login  403    403    403    403    200",
        delete_own=         "login  login  login  403    403    403    403    403",
        password_change_own="login  login  login  403    403    403    403    200",
    ),
    # Memberships are invited and ended, never edited; the history page looks the record up
    # before it checks rights, so a record outside the queryset redirects there, not 403.
    "accounts.stratamembership": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    200    200    200",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "accounts.auditlog": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "properties.unit": REGISTER,
    "properties.person": REGISTER,
    "properties.occupancy": REGISTER,
    "properties.parkingspot": REGISTER,
    "properties.storagelocker": REGISTER,
    "properties.bikelocker": REGISTER,
    # The outbox and what hangs off it: managers of the strata (MANAGE_OUTBOX) read it; the
    # outbox service writes it, so nobody adds, changes or deletes in the admin.
    "communications.outboundemail": OUTBOX,
    "communications.trackingevent": OUTBOX,
    # Address-wide, seen by managers for the addresses their stratas know; added through
    # suppression_add, never changed; lifted (deleted) by superusers only.
    "communications.suppression": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    200    200    200",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    200",
    ),
    # The changelist is the list of templates with the user's stratas (each linking to its
    # editor); a saved version is read-only; the editor is per strata and template.
    "communications.emailtemplate": {
        **OUTBOX,
        **grid(
            edit_own=       "login  login  login  403    403    edit   404    edit",
            edit_other=     "login  login  login  403    403    404    edit   edit",
        ),
    },
}

# The autocomplete endpoint answers with the *remote* model admin's queryset and view right,
# whichever form asks: one row per remote model.
AUTOCOMPLETE = grid(
    strata=                 "login  login  login  own    own    own    other  both",
    user=                   "login  login  login  403    403    403    403    both",
    unit=                   "login  login  login  own    own    own    other  both",
    person=                 "login  login  login  own    own    own    other  both",
)

# The admin site's own pages.
SITE = grid(
    index=                  "login  login  login  own    own    own    other  both",
    switch_to_own=          "login  login  login  switched switched switched refused switched",
    switch_to_other=        "login  login  login  refused refused refused switched switched",
    outbox_panel=           "login  login  login  hidden hidden own    other  both",
)
# fmt: on

# What each admin URL name (after ``<app>_<model>_``) is covered by. A new URL fails
# test_every_admin_url_is_in_the_matrix until it is added here and to the grids.
URL_PAGES = {
    "changelist": ("changelist",),
    "add": ("add",),
    "change": ("change_own", "change_other"),
    "history": ("history_own", "history_other"),
    "delete": ("delete_own",),
    "import": ("import_",),
    "export": ("export",),
    "auth_user_password_change": ("password_change_own",),
    "edit": ("edit_own", "edit_other"),  # the email template editor of a (strata, template)
    # POST-only; its permission check is test_process_import_needs_the_import_right.
    "process_import": (),
}

# Foreign-key choices on each add form (the admin's form, or an inline's empty form) and the
# model they choose from. test_every_foreign_key_choice_is_in_the_matrix keeps this complete.
FK_CHOICES = {
    ("accounts.stratamembership", "form", "strata"): "strata",
    ("properties.unit", "form", "strata"): "strata",
    ("properties.unit", "OccupancyInline", "person"): "person",
    ("properties.unit", "OccupancyInline", "landlord"): "person",
    ("properties.person", "form", "strata"): "strata",
    # Logins have no strata: test_person_form_offers_a_manager_no_login_of_another_strata.
    ("properties.person", "form", "user"): None,
    ("properties.occupancy", "form", "unit"): "unit",
    ("properties.occupancy", "form", "person"): "person",
    ("properties.occupancy", "form", "landlord"): "person",
    ("properties.parkingspot", "form", "strata"): "strata",
    ("properties.parkingspot", "form", "unit"): "unit",
    ("properties.storagelocker", "form", "strata"): "strata",
    ("properties.storagelocker", "form", "unit"): "unit",
    ("properties.bikelocker", "form", "strata"): "strata",
    ("properties.bikelocker", "form", "unit"): "unit",
}
# Who reaches an add form, and whose records its choices must offer.
FK_EXPECTED = {"manager": "own", "other_manager": "other", "superuser": "both"}


def registered_admins() -> dict[str, admin.ModelAdmin]:
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }


def autocomplete_fields() -> list[tuple[str, str, str]]:
    """(source model label, field, remote model name) for every autocomplete widget."""
    found = set()
    for model_admin in registered_admins().values():
        holders = [
            model_admin,
            *(inline(model_admin.model, admin.site) for inline in model_admin.inlines),
        ]
        for holder in holders:
            for name in holder.autocomplete_fields:
                field = holder.model._meta.get_field(name)
                found.add(
                    (holder.model._meta.label_lower, name, field.related_model._meta.model_name)
                )
    return sorted(found)


# --- the world --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hundreds of cases each create a dozen logins: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(
    strata,
    other_strata,
    manager,
    council_member,
    caretaker,
    other_manager,
    superuser,
    unit,
    owner,
    other_unit,
):
    """Every role, and one record of every model in each of the two stratas."""
    today = timezone.localdate()
    ended = MembershipFactory(
        strata=strata,
        role=StrataMembership.Role.MANAGER,
        user=UserFactory(email="ended@example.test", full_name="Eddie Ended"),
        starts_on=today - dt.timedelta(days=365),
        ends_on=today - dt.timedelta(days=1),
    ).user
    resident = UserFactory(email="rita.resident@example.test", full_name="Rita Resident")
    PersonFactory(strata=strata, full_name="Rita Resident", user=resident)

    owner.full_name = "Olive Owner"
    owner.email = "olive.owner@example.test"
    owner.save()
    unit.notes = "Own unit notes"
    unit.save()
    other_unit.notes = "Other unit notes"
    other_unit.save()
    outsider = PersonFactory(
        strata=other_strata, full_name="Otto Outsider", email="otto.outsider@example.test"
    )
    other_occupancy = OccupancyFactory(unit=other_unit, person=outsider)

    def membership(strata, name):
        email = f"{name.split()[0].lower()}@example.test"
        return MembershipFactory(
            strata=strata,
            role=StrataMembership.Role.COUNCIL,
            user=UserFactory(email=email, full_name=name),
        )

    def audit(strata, actor, label):
        return AuditLog.objects.create(
            actor=actor,
            actor_label=actor.email,
            action="register.unit_changed",
            strata=strata,
            target_label=label,
        )

    def facilities(factory, prefix):
        return (
            factory(strata=strata, unit=unit, identifier=f"{prefix}-OWN"),
            factory(strata=other_strata, unit=other_unit, identifier=f"{prefix}-OTHER"),
        )

    objects = {
        "accounts.strata": (strata, other_strata),
        "accounts.user": (resident, other_manager),
        "accounts.stratamembership": (
            membership(strata, "Mona Member"),
            membership(other_strata, "Oscar Othermember"),
        ),
        "accounts.auditlog": (
            audit(strata, manager, "Own audit target"),
            audit(other_strata, other_manager, "Other audit target"),
        ),
        "properties.unit": (unit, other_unit),
        "properties.person": (owner, outsider),
        "properties.occupancy": (Occupancy.objects.get(person=owner), other_occupancy),
        "properties.parkingspot": facilities(ParkingSpotFactory, "P"),
        "properties.storagelocker": facilities(StorageLockerFactory, "S"),
        "properties.bikelocker": facilities(BikeLockerFactory, "B"),
    }
    emails = (
        OutboundEmailFactory(strata=strata, to_address=owner.email, subject="Own outbox mail"),
        OutboundEmailFactory(strata=other_strata, to_address=outsider.email, subject="Other mail"),
    )
    objects |= {
        "communications.outboundemail": emails,
        "communications.trackingevent": tuple(
            TrackingEventFactory(email=email, url=f"https://example.test/{label}-click")
            for email, label in zip(emails, ("own", "other"), strict=True)
        ),
        "communications.suppression": (
            SuppressionFactory(address=owner.email),
            SuppressionFactory(address=outsider.email),
        ),
        "communications.emailtemplate": (
            EmailTemplateFactory(strata=strata, version=1, subject="Own wording {{ role }}"),
            EmailTemplateFactory(
                strata=other_strata, version=1, subject="Other wording {{ role }}"
            ),
        ),
    }
    # Text each record's change page shows, and no other page of these tests does.
    markers = {
        "accounts.strata": ("Harbour View", "Cedar Grove"),
        "accounts.user": ("rita.resident@example.test", "other-manager@example.test"),
        "accounts.stratamembership": ("Mona Member", "Oscar Othermember"),
        "accounts.auditlog": ("Own audit target", "Other audit target"),
        "properties.unit": ("Own unit notes", "Other unit notes"),
        "properties.person": ("Olive Owner", "Otto Outsider"),
        "properties.occupancy": ("Olive Owner", "Otto Outsider"),
        "properties.parkingspot": ("P-OWN", "P-OTHER"),
        "properties.storagelocker": ("S-OWN", "S-OTHER"),
        "properties.bikelocker": ("B-OWN", "B-OTHER"),
        "communications.outboundemail": ("Own outbox mail", "Other mail"),
        "communications.trackingevent": (
            "https://example.test/own-click",
            "https://example.test/other-click",
        ),
        "communications.suppression": ("olive.owner@example.test", "otto.outsider@example.test"),
        "communications.emailtemplate": ("Own wording {{ role }}", "Other wording {{ role }}"),
    }
    users = {
        "anonymous": None,
        "resident": resident,
        "ended": ended,
        "caretaker": caretaker,
        "council": council_member,
        "manager": manager,
        "other_manager": other_manager,
        "superuser": superuser,
    }
    by_model = {label.split(".")[1]: pair for label, pair in objects.items()}
    return SimpleNamespace(
        users=users,
        objects=objects,
        by_model=by_model,
        markers=markers,
        stratas=(strata, other_strata),
    )


def log_in(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return user


def listed(outcome: str) -> tuple[bool, bool]:
    """Whether the own and the other record are expected in a list answering ``outcome``."""
    return outcome in ("own", "both"), outcome in ("other", "both")


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


def assert_missing_redirect(response, model, pk):
    """What Django's admin does for a record outside the queryset: as if it did not exist."""
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert response.content == b""
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{model._meta.verbose_name} with ID \u201c{pk}\u201d doesn\u2019t exist. "
        "Perhaps it was deleted?"
    ]


# --- the matrix -------------------------------------------------------------------------------


def test_every_staff_admin_is_in_the_matrix():
    assert set(registered_admins()) == set(MATRIX)


def test_every_admin_url_is_in_the_matrix():
    for label, model_admin in registered_admins().items():
        prefix = label.replace(".", "_") + "_"
        names = {p.name.removeprefix(prefix) for p in model_admin.urls if p.name}
        assert names <= set(URL_PAGES), f"{label}: no matrix row for {names - set(URL_PAGES)}"
        pages = {page for name in names for page in URL_PAGES[name]}
        assert pages == set(MATRIX[label]) - {"dashboard"}, label


def test_import_rows_are_exactly_the_admins_with_resources():
    for label, model_admin in registered_admins().items():
        has_import = bool(getattr(model_admin, "resource_classes", None))
        assert ("import_" in MATRIX[label]) is has_import, label


PAGE_URL_NAMES = {page: name for name, pages in URL_PAGES.items() for page in pages}
# The arguments of URLs that take more than the record's pk.
URL_ARGS = {"edit": lambda template: [template.strata_id, template.name]}
# Lists that link each record to another page than its change page.
LIST_LINKS = {"communications.emailtemplate": "edit_own"}


def page_url(label: str, page: str, record=None) -> str:
    if page == "dashboard":
        return reverse("admin:index")
    name = PAGE_URL_NAMES[page]
    if not name.startswith("auth_"):  # Django's UserAdmin names its password page so
        name = f"{label.replace('.', '_')}_{name}"
    args = [] if record is None else URL_ARGS.get(PAGE_URL_NAMES[page], lambda r: [r.pk])(record)
    return reverse(f"admin:{name}", args=args)


MATRIX_CASES = [
    pytest.param(
        label,
        page,
        role,
        outcome,
        id=f"{label}-{page.rstrip('_')}-{role}",
    )
    for label, pages in MATRIX.items()
    for page, row in pages.items()
    for role, outcome in row.items()
]


@pytest.mark.parametrize(("label", "page", "role", "outcome"), MATRIX_CASES)
def test_admin_page_answers_each_role(client, world, label, page, role, outcome):
    log_in(client, world, role)
    app, model_name = label.split(".")
    model_admin = registered_admins()[label]
    own, other = world.objects[label]
    marker_own, marker_other = world.markers[label]
    record, marker = None, None
    if page.endswith(("_own", "_other")):
        mine = page.endswith("_own")
        record, marker = (own, marker_own) if mine else (other, marker_other)
    url = page_url(label, page, record)

    response = client.get(url)

    if outcome == "login":
        assert_login_redirect(response)
    elif outcome in ("403", "404"):
        assert response.status_code == int(outcome)
        assert marker_own not in response.text
        assert marker_other not in response.text
    elif outcome == "index":
        assert_missing_redirect(response, model_admin.model, record.pk)
    elif outcome in ("view", "edit"):
        assert response.status_code == 200
        assert marker in response.text
        assert ('name="_save"' in response.text) is (outcome == "edit")
    elif outcome == "200":
        assert response.status_code == 200
    elif outcome in ("shown", "hidden"):
        assert response.status_code == 200
        on_dashboard = {
            m["object_name"].lower()
            for app_entry in response.context["app_list"]
            if app_entry["app_label"] == app
            for m in app_entry["models"]
        }
        assert (model_name in on_dashboard) is (outcome == "shown")
    else:
        assert response.status_code == 200
        for record, expected in zip((own, other), listed(outcome), strict=True):
            link = page_url(label, LIST_LINKS.get(label, "change_own"), record)
            assert (f'href="{link}"' in response.text) is expected
        if "cl" in response.context:
            pks = {row.pk for row in response.context["cl"].result_list}
            for record, expected in zip((own, other), listed(outcome), strict=True):
                assert (record.pk in pks) is expected
        else:  # the email templates: every template, for each of the user's stratas
            stratas = set(response.context["template_stratas"])
            assert stratas == {
                s for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok
            }


@pytest.mark.parametrize("role", ["caretaker", "other_manager"])
def test_a_record_of_another_strata_looks_like_a_missing_one(client, world, role):
    log_in(client, world, role)
    foreign = world.objects["properties.person"][0 if role == "other_manager" else 1]
    marker = "Olive Owner" if role == "other_manager" else "Otto Outsider"
    missing_pk = 987654

    foreign_page = client.get(
        reverse("admin:properties_person_change", args=[foreign.pk]), follow=True
    )
    missing_page = client.get(
        reverse("admin:properties_person_change", args=[missing_pk]), follow=True
    )

    assert foreign_page.redirect_chain == missing_page.redirect_chain == [("/admin/", 302)]
    assert foreign_page.status_code == missing_page.status_code == 200
    assert marker not in foreign_page.text
    assert f"Person with ID \u201c{foreign.pk}\u201d doesn\u2019t exist" in foreign_page.text
    assert f"Person with ID \u201c{missing_pk}\u201d doesn\u2019t exist" in missing_page.text


# --- autocomplete ---------------------------------------------------------------------------


def test_every_autocomplete_field_is_in_the_matrix():
    remotes = {remote for _, _, remote in autocomplete_fields()}
    assert remotes <= set(AUTOCOMPLETE), remotes - set(AUTOCOMPLETE)


AUTOCOMPLETE_CASES = [
    pytest.param(source, field, role, AUTOCOMPLETE[remote][role], id=f"{source}.{field}-{role}")
    for source, field, remote in autocomplete_fields()
    if remote in AUTOCOMPLETE
    for role in ROLES
]


@pytest.mark.parametrize(("source", "field", "role", "outcome"), AUTOCOMPLETE_CASES)
def test_autocomplete_offers_only_records_the_user_may_see(
    client, world, source, field, role, outcome
):
    log_in(client, world, role)
    app_label, model_name = source.split(".")
    remote_model = apps.get_model(source)._meta.get_field(field).related_model
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field, "term": ""},
    )

    if outcome == "login":
        assert_login_redirect(response)
        return
    if outcome == "403":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    own, other = world.by_model[remote_model._meta.model_name]
    expect_own, expect_other = listed(outcome)
    assert (own.pk in ids) is expect_own
    assert (other.pk in ids) is expect_other
    allowed = {s.pk for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    if remote_model is Strata:
        assert ids <= allowed
    elif remote_model is not User:
        stratas = set(remote_model.objects.filter(pk__in=ids).values_list("strata", flat=True))
        assert stratas <= allowed


# --- foreign-key choices ----------------------------------------------------------------------


def choice_fields(response) -> dict[tuple[str, str], ModelChoiceField]:
    """The foreign-key choice fields of an add page: its form's and its inlines' empty forms."""
    fields = {
        ("form", name): field
        for name, field in response.context["adminform"].form.fields.items()
        if isinstance(field, ModelChoiceField)
    }
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.empty_form.fields.items():
            is_link = (
                isinstance(field, InlineForeignKeyField) or name == formset.model._meta.pk.name
            )
            if isinstance(field, ModelChoiceField) and not is_link:
                fields[(type(inline.opts).__name__, name)] = field
    return fields


def test_every_foreign_key_choice_is_in_the_matrix(client, world):
    client.force_login(world.users["superuser"])
    found = set()
    for label in registered_admins():
        app, model_name = label.split(".")
        response = client.get(reverse(f"admin:{app}_{model_name}_add"))
        if MATRIX[label]["add"]["superuser"] == "403":  # nobody adds here (the audit log)
            assert response.status_code == 403, label
            continue
        assert response.status_code == 200, label
        found |= {(label, *key) for key in choice_fields(response)}
    assert found == set(FK_CHOICES)


FK_CASES = [
    pytest.param(
        label,
        form,
        field,
        remote,
        role,
        outcome,
        id=f"{label}-{form}.{field}-{role}",
    )
    for (label, form, field), remote in FK_CHOICES.items()
    if remote is not None
    for role, outcome in FK_EXPECTED.items()
]


@pytest.mark.parametrize(("label", "form", "field", "remote", "role", "outcome"), FK_CASES)
def test_add_form_offers_only_records_of_stratas_the_user_edits(
    client, world, label, form, field, remote, role, outcome
):
    log_in(client, world, role)
    app, model_name = label.split(".")
    response = client.get(reverse(f"admin:{app}_{model_name}_add"))
    assert response.status_code == 200

    offered = choice_fields(response)[(form, field)].queryset
    own, other = world.by_model[remote]
    expect_own, expect_other = listed(outcome)
    assert offered.filter(pk=own.pk).exists() is expect_own
    assert offered.filter(pk=other.pk).exists() is expect_other
    allowed = {s.pk for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    via = "pk" if remote == "strata" else "strata"
    assert set(offered.values_list(via, flat=True)) <= allowed


@pytest.mark.parametrize("role", ["manager", "other_manager"])
def test_person_form_offers_a_manager_no_login_of_another_strata(client, world, role):
    log_in(client, world, role)
    foreign_login = world.users["other_manager" if role == "manager" else "resident"]
    response = client.get(reverse("admin:properties_person_add"))
    assert response.status_code == 200
    field = response.context["adminform"].form.fields.get("user")
    assert field is None or not field.queryset.filter(pk=foreign_login.pk).exists()


# --- the site's own pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["index"].items()],
)
def test_dashboard_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    names = {row["name"] for row in response.context["register_counts"]}
    expected = {s.name for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    assert names == expected
    for strata in world.stratas:
        assert (strata.plan_number in response.text) is (strata.name in expected)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["outbox_panel"].items()],
)
def test_dashboard_outbox_panel_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    panel = response.context["outbox_stats"]
    if outcome == "hidden":
        assert panel is None
        assert 'id="outbox-dashboard"' not in response.text
        return
    queued = next(row for row in panel if row["key"] == "queued")
    expected = sum(listed(outcome))  # the world's emails, one per strata, queued just now
    assert (queued["day"], queued["week"]) == (expected, expected)
    assert 'id="outbox-dashboard"' in response.text


SWITCH_CASES = [
    pytest.param(target, role, outcome, id=f"{page}-{role}")
    for page, target in (("switch_to_own", 0), ("switch_to_other", 1))
    for role, outcome in SITE[page].items()
]


@pytest.mark.parametrize(("target", "role", "outcome"), SWITCH_CASES)
def test_strata_switcher_accepts_only_the_users_stratas(client, world, target, role, outcome):
    log_in(client, world, role)
    strata = world.stratas[target]
    response = client.post(
        reverse("admin:switch_strata"), {"strata": str(strata.uuid), "next": "/admin/"}
    )
    if outcome == "login":
        assert_login_redirect(response)
        assert SESSION_STRATA_ID not in client.session
        return
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    if outcome == "switched":
        assert client.session[SESSION_STRATA_ID] == strata.pk
        assert messages == [f"Showing {strata.name} only."]
    else:
        assert SESSION_STRATA_ID not in client.session
        assert messages == ["You have no role in that strata."]


def test_switching_strata_narrows_a_superusers_changelist(client, world):
    client.force_login(world.users["superuser"])
    other = world.objects["properties.unit"][1]
    client.post(reverse("admin:switch_strata"), {"strata": str(world.stratas[1].uuid)})
    response = client.get(reverse("admin:properties_unit_changelist"))
    assert [row.pk for row in response.context["cl"].result_list] == [other.pk]


# --- writes -----------------------------------------------------------------------------------


def form_data(*forms) -> dict:
    """The POST a browser sends back for unbound ``forms`` left as they are."""
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                data[key] = ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, dt.date):
                data[key] = value.isoformat()
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def change_form_data(response) -> dict:
    """The whole change form of an admin page: the record's form and every inline formset."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return form_data(*forms)


def unit_row(unit) -> dict:
    return Unit.objects.values().get(pk=unit.pk)


@pytest.fixture
def unit_form(client, superuser, unit, owner, tenant):
    """The unit's change form as a browser would submit it unchanged (with two occupancies)."""
    client.force_login(superuser)
    response = client.get(reverse("admin:properties_unit_change", args=[unit.pk]))
    client.logout()
    return change_form_data(response)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("caretaker", "403"),
        ("council", "403"),
        ("other_manager", "index"),
        ("ended", "login"),
        ("resident", "login"),
        ("anonymous", "login"),
    ],
)
def test_only_a_manager_may_change_a_unit(client, world, unit_form, role, outcome):
    unit = world.objects["properties.unit"][0]
    before = unit_row(unit)
    audit_before = AuditLog.objects.count()
    log_in(client, world, role)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]), {**unit_form, "floor": "3"}
    )

    if outcome == "403":
        assert response.status_code == 403
    elif outcome == "index":
        assert_missing_redirect(response, Unit, unit.pk)
    else:
        assert_login_redirect(response)
    assert unit_row(unit) == before
    assert AuditLog.objects.count() == audit_before


def test_managers_change_of_a_unit_is_saved_and_audited_once(client, manager, unit, unit_form):
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]), {**unit_form, "floor": "3"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:properties_unit_changelist")
    unit.refresh_from_db()
    assert unit.floor == "3"
    entry = AuditLog.objects.get()
    assert entry.action == "register.unit_changed"
    assert entry.actor == manager
    assert entry.strata_id == unit.strata_id
    assert entry.target_uuid == unit.uuid
    assert entry.changes == {"floor": {"from": "", "to": "3"}}


def test_managers_change_of_a_person_is_saved_and_audited_once(client, manager, superuser, owner):
    client.force_login(superuser)
    data = change_form_data(client.get(reverse("admin:properties_person_change", args=[owner.pk])))
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_person_change", args=[owner.pk]),
        {**data, "phone": "+1 604 555 0199"},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.phone == "+1 604 555 0199"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_uuid) == (
        "register.person_changed",
        manager,
        owner.uuid,
    )


def test_managers_new_unit_is_saved_and_audited_once(client, manager, strata):
    client.force_login(manager)
    empty_inlines = {
        f"{prefix}-{key}": "0"
        for prefix in (
            "occupancies",
            NEW_OCCUPANCY_PREFIX,
            "parking_spots",
            "storage_lockers",
            "bike_lockers",
        )
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }

    response = client.post(
        reverse("admin:properties_unit_add"),
        {"strata": strata.pk, "unit_number": "205", "strata_lot_number": "25", **empty_inlines},
    )

    assert response.status_code == 302
    unit = Unit.objects.get(strata=strata, unit_number="205")
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_uuid) == (
        "register.unit_created",
        manager,
        unit.uuid,
    )


def test_manager_cannot_put_an_occupancy_on_a_person_of_another_strata(
    client, manager, unit, owner, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_occupancy_add"),
        {
            "unit": unit.pk,
            "person": outsider.pk,
            "role": Occupancy.Role.OCCUPANT,
            "starts_on": "2025-01-01",
            "receives_newsletters": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "person": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not Occupancy.objects.filter(person=outsider).exists()
    assert not AuditLog.objects.exists()


# The unit page lists current occupancies first ("occupancies"), then the add-only inline.
NEW_OCCUPANCY_PREFIX = "occupancies-2"


def add_inline_occupancy(data: dict, **fields) -> dict:
    """``data`` with one more (new) row in the unit page's add-only occupancy inline."""
    prefix = NEW_OCCUPANCY_PREFIX
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    row = {"role": Occupancy.Role.OCCUPANT, "starts_on": "2025-01-01", **fields}
    return {
        **data,
        f"{prefix}-TOTAL_FORMS": str(index + 1),
        **{f"{prefix}-{index}-{name}": str(value) for name, value in row.items()},
    }


def test_manager_cannot_put_an_occupancy_on_a_person_of_another_strata_from_the_unit_page(
    client, manager, unit, unit_form, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_occupancy(unit_form, person=outsider.pk, unit=unit.pk),
    )

    assert response.status_code == 200
    occupancy_formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == NEW_OCCUPANCY_PREFIX
    )
    assert occupancy_formset.total_error_count() == 1
    assert "person" in occupancy_formset.forms[-1].errors
    assert not Occupancy.objects.filter(person=outsider).exists()
    assert not AuditLog.objects.exists()


def test_refusing_another_stratas_person_on_the_unit_page_does_not_name_them(
    client, manager, unit, unit_form, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_occupancy(unit_form, person=outsider.pk, unit=unit.pk),
    )

    assert response.status_code == 200
    assert "Otto Outsider" not in response.text


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_staff_without_edit_right_cannot_archive_units_by_action(client, world, role):
    unit = world.objects["properties.unit"][0]
    log_in(client, world, role)
    audit_before = AuditLog.objects.count()

    response = client.post(
        reverse("admin:properties_unit_changelist"),
        {"action": "archive_selected", "_selected_action": [unit.pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Only this strata's managers can change its register."
    ]
    unit.refresh_from_db()
    assert unit.archived_at is None
    assert AuditLog.objects.count() == audit_before


def test_manager_of_another_strata_cannot_end_a_membership_by_action(client, world):
    membership = world.objects["accounts.stratamembership"][0]
    log_in(client, world, "other_manager")
    audit_before = AuditLog.objects.count()

    client.post(
        reverse("admin:accounts_stratamembership_changelist"),
        {"action": "end_selected", "_selected_action": [membership.pk]},
    )

    membership.refresh_from_db()
    assert membership.ends_on is None
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("role", ["caretaker", "council", "other_manager"])
def test_only_its_managers_may_change_a_strata(client, world, role):
    strata = world.stratas[0]
    client.force_login(world.users["superuser"])
    data = form_data(
        client.get(reverse("admin:accounts_strata_change", args=[strata.pk]))
        .context["adminform"]
        .form
    )
    log_in(client, world, role)
    audit_before = AuditLog.objects.count()

    response = client.post(
        reverse("admin:accounts_strata_change", args=[strata.pk]), {**data, "name": "Renamed"}
    )

    assert response.status_code == (302 if role == "other_manager" else 403)
    strata.refresh_from_db()
    assert strata.name == "Harbour View"
    assert AuditLog.objects.count() == audit_before


# --- import and export ------------------------------------------------------------------------


def csv_upload(text: str):
    upload = io.BytesIO(text.encode())
    upload.name = "units.csv"
    return upload


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_importing_needs_the_import_right(client, world, role):
    log_in(client, world, role)
    text = "strata,unit_number,strata_lot_number\r\nBCS1234,77,77\r\n"

    response = client.post(
        reverse("admin:properties_unit_import"),
        {"format": "0", "resource": "0", "import_file": csv_upload(text)},
    )

    assert not Unit.objects.filter(unit_number="77").exists()
    assert AuditLog.objects.count() == 2  # the world's two entries
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_process_import_needs_the_import_right(world, role):
    client = Client(raise_request_exception=False)
    log_in(client, world, role)
    units_before = Unit.objects.count()

    response = client.post(
        reverse("admin:properties_unit_process_import"),
        {
            "import_file_name": "units.csv",
            "original_file_name": "units.csv",
            "format": "0",
            "resource": "0",
        },
    )

    assert Unit.objects.count() == units_before
    assert response.status_code == 403


def test_manager_import_into_another_strata_is_refused(client, world):
    log_in(client, world, "manager")
    units_before = Unit.objects.count()
    audit_before = AuditLog.objects.count()
    text = "strata,unit_number,strata_lot_number\r\nVIS5678,77,77\r\n"

    response = client.post(
        reverse("admin:properties_unit_import"),
        {"format": "0", "resource": "0", "import_file": csv_upload(text)},
    )

    assert response.status_code == 200
    assert "No strata with plan number VIS5678 that you may import into." in response.text
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert Unit.objects.count() == units_before
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize(
    ("role", "outcome"), [("caretaker", "own"), ("other_manager", "other"), ("superuser", "both")]
)
def test_unit_export_holds_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    url = reverse("admin:properties_unit_export")
    data = form_data(client.get(url).context["form"])
    del data["export_items"]  # only posted by the changelist's export action

    response = client.post(url, {**data, "format": "0"})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    plans = {row["strata"] for row in rows}
    expected = {s.plan_number for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    assert plans == expected


# The least-privileged role that sees each changelist (see MATRIX).
CHANGELIST_VIEWERS = {
    "communications.outboundemail": "manager",
    "communications.trackingevent": "manager",
    "communications.suppression": "manager",
    "communications.emailtemplate": "manager",
    "accounts.strata": "caretaker",
    "accounts.stratamembership": "manager",
    "accounts.auditlog": "manager",
    "properties.unit": "caretaker",
    "properties.person": "caretaker",
    "properties.occupancy": "caretaker",
    "properties.parkingspot": "caretaker",
    "properties.storagelocker": "caretaker",
    "properties.bikelocker": "caretaker",
}


@pytest.mark.parametrize(
    ("label", "role"),
    [
        pytest.param(
            label,
            role,
            id=f"{label}-{role}",
        )
        for label, role in CHANGELIST_VIEWERS.items()
    ],
)
def test_changelist_names_no_other_strata(client, world, label, role):
    log_in(client, world, role)
    app, model_name = label.split(".")
    response = client.get(reverse(f"admin:{app}_{model_name}_changelist"))
    assert response.status_code == 200
    assert "Harbour View" in response.text
    assert "Cedar Grove" not in response.text
    assert "VIS5678" not in response.text


def test_every_staff_changelist_is_checked_for_other_stratas():
    assert set(CHANGELIST_VIEWERS) == set(MATRIX) - {"accounts.user"}
