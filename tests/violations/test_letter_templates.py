"""Per-strata letter wording (DESIGN §4): versions, checks, rights and the admin editor."""

from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog, StrataMembership
from tests.accounts.factories import MembershipFactory, StrataFactory, UserFactory
from violations.models import LetterKind, LetterTemplate
from violations.selectors import letters
from violations.services.letter_templates import letter_template_revert, letter_template_save

pytestmark = pytest.mark.django_db

WARNING_WORDING = "<p>{{ strata_name }}: a friendly word about {{ unit }}.</p>"
CHANGELIST = reverse("admin:violations_lettertemplate_changelist")


def last_audit_id() -> int:
    return AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def edit_url(strata, kind=LetterKind.WARNING):
    return reverse("admin:violations_lettertemplate_edit", args=[strata.pk, kind])


def pdf_url(strata, kind=LetterKind.WARNING):
    return reverse("admin:violations_lettertemplate_pdf", args=[strata.pk, kind])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def save(strata, actor, body_html=WARNING_WORDING, kind=LetterKind.WARNING):
    return letter_template_save(strata=strata, kind=kind, body_html=body_html, actor=actor)


class Iframes(HTMLParser):
    """The iframes and scripts of a page, with their attributes unescaped."""

    def __init__(self, page: str):
        super().__init__()
        self.iframes, self.scripts = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.iframes.append(dict(attrs))
        elif tag == "script":
            self.scripts.append(dict(attrs))


# --- the services -----------------------------------------------------------------------------


def test_saving_makes_a_new_version_and_only_the_newest_is_in_use(strata, manager):
    first = save(strata, manager)
    second = save(strata, manager, "<p>{{ reference }} for {{ unit }}</p>")

    assert (first.version, second.version) == (1, 2)
    rows = list(
        LetterTemplate.objects.order_by("version").values_list(
            "strata", "kind", "version", "is_active", "created_by"
        )
    )
    assert rows == [
        (strata.pk, "warning", 1, False, manager.pk),
        (strata.pk, "warning", 2, True, manager.pk),
    ]
    entries = list(
        AuditLog.objects.order_by("created_at", "id").values_list(
            "action", "actor", "strata", "changes"
        )
    )
    assert entries == [
        ("letter_template.saved", manager.pk, strata.pk, {"kind": "warning", "version": 1}),
        ("letter_template.saved", manager.pk, strata.pk, {"kind": "warning", "version": 2}),
    ]


def test_a_letter_rendered_after_saving_uses_the_override_and_names_its_version(
    strata, other_strata, manager, case
):
    save(strata, manager, "<p>Old wording</p>")
    save(strata, manager)
    context = letters.base_context(case, ["Olive Owner"])

    html, version = letters.render(LetterKind.WARNING, strata, context)

    assert (html, version) == ("<p>Harbour View: a friendly word about Unit 101.</p>", 2)
    # Another strata's letters, and this strata's other letters, still use the defaults.
    assert letters.render(LetterKind.WARNING, other_strata, context)[1] is None
    notice_sample = letters.SAMPLES[LetterKind.NOTICE]
    assert letters.render(LetterKind.NOTICE, strata, notice_sample)[1] is None


def unknown_variable_message(kind):
    return (
        "Unknown variable(s): tenant_name. Available: "
        + ", ".join(sorted(letters.SAMPLES[kind]))
        + "."
    )


@pytest.mark.parametrize(
    ("body_html", "message"),
    [
        ("<p>Dear {{ tenant_name }}</p>", unknown_variable_message(LetterKind.WARNING)),
        (
            "{% load static %}<p>{{ unit }}</p>",
            "Invalid block tag on line 1: 'load'. Did you forget to register or load this tag?",
        ),
        (
            '{% include "admin/base.html" %}',
            "Invalid block tag on line 1: 'include'. Did you forget to register or load this tag?",
        ),
        (
            "<p>{{ case.unit }}</p>",
            "{{ case.unit }}: use a plain name such as {{ case }}; templates see strings, not "
            "objects.",
        ),
        ("  \n", "A letter needs some wording."),
    ],
)
def test_wording_the_locked_engine_refuses_is_not_saved(strata, manager, body_html, message):
    with pytest.raises(ValidationError) as error:
        save(strata, manager, body_html)

    assert error.value.message_dict == {"body_html": [message]}
    assert not LetterTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_notice_that_no_longer_gives_the_reply_email_is_refused(strata, manager):
    without_email = letters.default_source(LetterKind.NOTICE).replace("{{ reply_email }}", "")

    with pytest.raises(ValidationError) as error:
        save(strata, manager, without_email, kind=LetterKind.NOTICE)

    assert error.value.message_dict == {
        "body_html": [
            "A notice must state everything SPA s.135(1) requires; this wording leaves out: "
            "an email address for replies."
        ]
    }
    assert not LetterTemplate.objects.exists()


def test_a_notice_that_states_every_element_is_saved(strata, manager):
    wording = letters.default_source(LetterKind.NOTICE).replace(
        "Notice of complaint", "Formal notice of complaint"
    )

    saved = save(strata, manager, wording, kind=LetterKind.NOTICE)

    assert (saved.kind, saved.version, saved.is_active) == ("notice", 1, True)


def test_revert_goes_back_to_the_default_and_keeps_the_versions(strata, manager):
    save(strata, manager, "<p>Old wording</p>")
    save(strata, manager)
    seen = last_audit_id()  # the audit log is append-only: count what follows

    reverted = letter_template_revert(strata=strata, kind=LetterKind.WARNING, actor=manager)
    again = letter_template_revert(strata=strata, kind=LetterKind.WARNING, actor=manager)

    assert (reverted, again) == (1, 0)
    assert list(LetterTemplate.objects.order_by("version").values_list("version", "is_active")) == [
        (1, False),
        (2, False),
    ]
    sample = letters.SAMPLES[LetterKind.WARNING]
    html, version = letters.render(LetterKind.WARNING, strata, sample)
    assert version is None
    assert html == letters.template_engine.render(
        letters.default_source(LetterKind.WARNING), sample, html=True
    )
    entry = AuditLog.objects.get(
        pk__gt=seen
    )  # the second revert changed nothing and records nothing
    assert (entry.action, entry.actor, entry.strata, entry.changes) == (
        "letter_template.reverted",
        manager,
        strata,
        {"kind": "warning"},
    )


@pytest.mark.parametrize("role", ["caretaker", "council_member", "other_manager"])
def test_only_the_stratas_managers_may_save_or_revert_its_letters(request, strata, manager, role):
    save(strata, manager)
    seen = last_audit_id()  # the audit log is append-only: count what follows
    actor = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        save(strata, actor, "<p>Mine now</p>")
    with pytest.raises(PermissionDenied):
        letter_template_revert(strata=strata, kind=LetterKind.WARNING, actor=actor)

    assert list(LetterTemplate.objects.values_list("version", "is_active", "body_html")) == [
        (1, True, WARNING_WORDING)
    ]
    assert not AuditLog.objects.filter(pk__gt=seen).exists()


def test_a_superuser_may_save_any_stratas_letters(strata, superuser):
    assert save(strata, superuser).created_by == superuser


# --- the editor -------------------------------------------------------------------------------


def test_the_editor_starts_from_the_default_and_lists_every_variable(client, manager, strata):
    client.force_login(manager)

    response = client.get(edit_url(strata, LetterKind.NOTICE))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["body_html"].value() == letters.default_source(LetterKind.NOTICE)
    assert dict(response.context["variables"]) == letters.SAMPLES[LetterKind.NOTICE]
    assert "{{ reply_email }}" in response.text
    assert "council@example.test" in response.text  # its sample
    assert "an email address for replies" in response.text  # what a notice must state
    assert response.context["versions"] == []
    assert pdf_url(strata, LetterKind.NOTICE) in response.text


def test_saving_in_the_editor_makes_versions_and_starts_from_the_newest(client, manager, strata):
    client.force_login(manager)

    first = client.post(edit_url(strata), {"body_html": "<p>One {{ unit }}</p>", "_save": "1"})
    second = client.post(edit_url(strata), {"body_html": WARNING_WORDING, "_save": "1"})

    assert first.status_code == second.status_code == 302
    assert second["Location"] == edit_url(strata)
    assert messages_of(second) == [
        "Saved version 1 of “Warning letter” for Harbour View.",
        "Saved version 2 of “Warning letter” for Harbour View.",
    ]
    page = client.get(edit_url(strata))
    assert page.context["form"]["body_html"].value() == WARNING_WORDING
    assert page.context["in_use"].version == 2
    assert [(v.version, v.created_by) for v in page.context["versions"]] == [
        (2, manager),
        (1, manager),
    ]
    older = client.get(edit_url(strata), {"from_version": "1"})
    assert older.context["form"]["body_html"].value() == "<p>One {{ unit }}</p>"


def test_a_refused_wording_shows_its_error_on_the_field(client, manager, strata):
    client.force_login(manager)
    wording = letters.default_source(LetterKind.NOTICE).replace("{{ reply_email }}", "")

    for button in ("_save", "_preview", "_preview_pdf"):
        response = client.post(
            edit_url(strata, LetterKind.NOTICE), {"body_html": wording, button: "1"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "body_html": [
                "A notice must state everything SPA s.135(1) requires; this wording leaves "
                "out: an email address for replies."
            ]
        }
        assert response.context["preview_html"] is None
    assert not LetterTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_preview_shows_the_sample_letter_in_a_sandboxed_frame_and_saves_nothing(
    client, manager, strata
):
    client.force_login(manager)
    wording = "<p>Dear {{ recipients }}</p><script>alert('pwned')</script>"

    response = client.post(edit_url(strata), {"body_html": wording, "_preview": "1"})

    assert response.status_code == 200
    (frame,) = Iframes(response.text).iframes
    assert frame["sandbox"] == ""  # no scripts, forms, pop-ups or same-origin access
    assert frame["srcdoc"] == "<p>Dear Terry Tenant; Olive Owner</p><script>alert('pwned')</script>"
    assert "<script>alert(" not in response.text  # only ever escaped, inside srcdoc
    assert not LetterTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_pdf_preview_of_the_edited_wording(client, manager, strata):
    client.force_login(manager)

    response = client.post(edit_url(strata), {"body_html": WARNING_WORDING, "_preview_pdf": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="warning-preview.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    assert not LetterTemplate.objects.exists()


def test_pdf_preview_of_the_wording_in_use_and_of_an_old_version(client, manager, strata):
    save(strata, manager, "<p>Old wording</p>")
    save(strata, manager)
    client.force_login(manager)

    in_use = client.get(pdf_url(strata, LetterKind.NOTICE))
    old = client.get(pdf_url(strata), {"version": "1"})
    missing = client.get(pdf_url(strata), {"version": "7"})

    for response in (in_use, old):
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert in_use["Content-Disposition"] == 'inline; filename="BCS1234-notice-preview.pdf"'
    assert missing.status_code == 404


def test_the_pdf_preview_fetches_nothing_the_wording_names(client, manager, strata, caplog):
    client.force_login(manager)
    wording = (
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<p>{{ unit }}</p><img src="https://tracker.example/pixel.gif">'
    )

    response = client.post(edit_url(strata), {"body_html": wording, "_preview_pdf": "1"})

    assert response.content.startswith(b"%PDF-")
    refused = sorted(r.getMessage() for r in caplog.records if r.name == "weasyprint")
    assert refused == [
        "Failed to load image at 'https://tracker.example/pixel.gif': ValueError: Letters may "
        "not load https://tracker.example/pixel.gif",
        "Failed to load stylesheet at file:///etc/passwd: ValueError: Letters may not load "
        "file:///etc/passwd",
    ]


def test_the_strata_switcher_narrows_the_list_but_not_the_editor(
    client, superuser, strata, other_strata
):
    client.force_login(superuser)
    client.post(reverse("admin:switch_strata"), {"strata": str(other_strata.uuid)})

    listing = client.get(CHANGELIST)
    editor = client.get(edit_url(strata))

    assert listing.context["template_stratas"] == [other_strata]
    assert editor.status_code == 200


def test_revert_in_the_editor(client, manager, strata):
    save(strata, manager)
    client.force_login(manager)

    response = client.post(edit_url(strata), {"_revert": "1"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Harbour View uses the default “Warning letter” again; its saved versions are kept."
    ]
    page = client.get(edit_url(strata))
    assert page.context["in_use"] is None
    assert page.context["form"]["body_html"].value() == letters.default_source("warning")
    assert "Revert to the default" not in page.text


def test_a_saved_version_is_shown_read_only_with_its_preview(client, manager, strata):
    version = save(strata, manager)
    client.force_login(manager)

    response = client.get(reverse("admin:violations_lettertemplate_change", args=[version.pk]))

    assert response.status_code == 200
    (frame,) = Iframes(response.text).iframes
    assert (frame["sandbox"], frame["srcdoc"]) == (
        "",
        "<p>Harbour View: a friendly word about Unit 101.</p>",
    )
    assert f"{edit_url(strata)}?from_version=1" in response.text
    assert f"{pdf_url(strata)}?version=1" in response.text
    assert 'name="_save"' not in response.text


def test_the_list_shows_each_letter_for_each_strata(
    client, superuser, manager, strata, other_strata
):
    save(strata, manager, "<p>Old wording</p>")
    save(strata, manager)
    client.force_login(superuser)

    response = client.get(CHANGELIST)

    rows = {row["kind"]: row for row in response.context["rows"]}
    assert list(rows) == list(LetterKind)
    cells = {c["strata"].name: c["override"] for c in rows[LetterKind.WARNING]["stratas"]}
    assert (cells["Harbour View"].version, cells["Cedar Grove"]) == (2, None)
    assert response.text.count("its own wording (version 2)") == 1
    assert edit_url(other_strata, LetterKind.DECISION) in response.text


# --- who may use the editor -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caretaker", "council_member"])
def test_council_and_caretakers_are_refused_the_letter_editor(client, request, strata, role):
    client.force_login(request.getfixturevalue(role))

    responses = [
        client.get(CHANGELIST),
        client.get(edit_url(strata)),
        client.post(edit_url(strata), {"body_html": WARNING_WORDING, "_save": "1"}),
        client.post(edit_url(strata), {"_revert": "1"}),
        client.get(pdf_url(strata)),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert not LetterTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_manager_of_another_strata_finds_no_such_letter(client, other_manager, manager, strata):
    own = save(strata, manager, "<p>Own wording {{ unit }}</p>")
    seen = last_audit_id()  # the audit log is append-only: count what follows
    client.force_login(other_manager)

    responses = [
        client.get(edit_url(strata)),
        client.post(edit_url(strata), {"body_html": WARNING_WORDING, "_save": "1"}),
        client.post(edit_url(strata), {"_revert": "1"}),
        client.get(pdf_url(strata)),
        client.get(reverse("admin:violations_lettertemplate_change", args=[own.pk])),
    ]
    listing = client.get(CHANGELIST)

    assert [r.status_code for r in responses[:4]] == [404] * 4
    assert responses[4].status_code == 302  # the admin's "does not exist" redirect
    assert "Own wording" not in "".join(r.text for r in responses)
    assert edit_url(strata) not in listing.text
    assert list(LetterTemplate.objects.values_list("version", "is_active")) == [(1, True)]
    assert not AuditLog.objects.filter(pk__gt=seen).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, strata):
    for url in (CHANGELIST, edit_url(strata), pdf_url(strata)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_unknown_letter_is_not_found(client, manager, strata):
    client.force_login(manager)
    assert client.get(edit_url(strata, "invoice")).status_code == 404
    assert client.get(pdf_url(strata, "invoice")).status_code == 404


# --- queries ----------------------------------------------------------------------------------


def test_the_letter_list_queries_do_not_grow_with_stratas(
    client, strata, manager, django_assert_num_queries
):
    def add_stratas(numbers):
        for i in numbers:
            other = StrataFactory(name=f"Strata Row {i:03d}", plan_number=f"EPS{i:04d}")
            MembershipFactory(strata=other, user=manager, role=StrataMembership.Role.MANAGER)
            LetterTemplate.objects.create(
                strata=other, kind="warning", version=1, body_html="x", is_active=False
            )
            LetterTemplate.objects.create(
                strata=other, kind="warning", version=2, body_html="y", created_by=UserFactory()
            )

    add_stratas(range(1, 3))
    client.force_login(manager)
    client.get(CHANGELIST)  # warm process-wide caches
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)

    add_stratas(range(3, 31))
    with django_assert_num_queries(len(few)):
        response = client.get(CHANGELIST)

    assert len(response.context["template_stratas"]) == 31
    assert response.text.count("its own wording (version 2)") == 30
