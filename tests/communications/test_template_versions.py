"""The versioned-template component email and letter templates share: one writer
(``communications.template_versions``), one model base, and one sandboxed preview frame."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditLog
from communications.admin.rendering import fitted_frame, html_frame
from communications.admin.template_editor import TemplateEditorAdmin
from communications.models import EmailTemplate, VersionedTemplate
from communications.template_versions import (
    TemplateFamily,
    template_version_revert,
    template_version_save,
)
from violations.admin.letter_templates import LetterTemplateAdmin
from violations.models import LetterTemplate
from violations.services.letter_templates import LETTER_TEMPLATES

pytestmark = pytest.mark.django_db

WELCOME = "accounts.invitation"


class Cleaner:
    """A family's ``clean`` that records what it was asked, and refuses "bad"."""

    def __init__(self):
        self.calls = []

    def __call__(self, key, sources):
        self.calls.append(key)
        if sources["body_text"] == "bad":
            raise ValidationError({"body_text": "Refused."})
        return {**sources, "subject": sources["subject"].strip()}


@pytest.fixture
def cleaner():
    return Cleaner()


@pytest.fixture
def family(cleaner):
    return TemplateFamily(
        model=EmailTemplate, audit="email_template", denied="Not yours.", clean=cleaner
    )


def save(family, strata, actor, body_text="Hello", key=WELCOME):
    return template_version_save(
        family=family,
        strata=strata,
        key=key,
        sources={"subject": " Hi ", "body_text": body_text, "body_html": ""},
        actor=actor,
    )


def test_each_template_of_each_strata_counts_its_own_versions(
    family, strata, other_strata, manager, superuser
):
    save(family, strata, manager)
    save(family, strata, manager)
    save(family, strata, manager, key="accounts.other")
    save(family, other_strata, superuser)

    rows = EmailTemplate.objects.order_by("strata__name", "name", "version")
    assert list(rows.values_list("strata__name", "name", "version", "is_active", "subject")) == [
        ("Cedar Grove", WELCOME, 1, True, "Hi"),
        ("Harbour View", WELCOME, 1, False, "Hi"),
        ("Harbour View", WELCOME, 2, True, "Hi"),
        ("Harbour View", "accounts.other", 1, True, "Hi"),
    ]


def test_a_user_without_the_right_is_refused_before_the_sources_are_read(
    family, cleaner, strata, caretaker
):
    with pytest.raises(PermissionDenied, match=r"^Not yours\.$"):
        save(family, strata, caretaker, body_text="bad")
    with pytest.raises(PermissionDenied, match=r"^Not yours\.$"):
        template_version_revert(family=family, strata=strata, key=WELCOME, actor=caretaker)

    assert cleaner.calls == []
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_refused_sources_save_nothing(family, cleaner, strata, manager):
    with pytest.raises(ValidationError) as error:
        save(family, strata, manager, body_text="bad")

    assert error.value.message_dict == {"body_text": ["Refused."]}
    assert cleaner.calls == [WELCOME]
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_revert_touches_only_its_own_template(family, strata, manager):
    save(family, strata, manager)
    save(family, strata, manager, key="accounts.other")

    assert template_version_revert(family=family, strata=strata, key=WELCOME, actor=manager) == 1

    assert set(EmailTemplate.objects.values_list("name", "is_active")) == {
        (WELCOME, False),
        ("accounts.other", True),
    }
    assert list(AuditLog.objects.order_by("id").values_list("action", "changes")) == [
        ("email_template.saved", {"name": WELCOME, "version": 1}),
        ("email_template.saved", {"name": "accounts.other", "version": 1}),
        ("email_template.reverted", {"name": WELCOME}),
    ]


def test_email_and_letter_templates_share_the_model_the_writer_and_the_editor():
    assert issubclass(EmailTemplate, VersionedTemplate)
    assert issubclass(LetterTemplate, VersionedTemplate)
    assert (EmailTemplate.key_field, LetterTemplate.key_field) == ("name", "kind")
    assert LETTER_TEMPLATES.model is LetterTemplate
    assert issubclass(LetterTemplateAdmin, TemplateEditorAdmin)
    constraints = {c.name for c in LetterTemplate._meta.constraints}
    assert {"letter_template_version_unique", "letter_template_one_active"} <= constraints


# --- the preview frame ------------------------------------------------------------------------


class Frame(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.iframes = []
        self.feed(str(page))

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.iframes.append(dict(attrs))


def test_an_email_frame_allows_nothing():
    (frame,) = Frame(html_frame("<p>Hi</p><script>x()</script>", title="A & B")).iframes

    assert frame == {
        "class": "email-html",
        "sandbox": "",
        "referrerpolicy": "no-referrer",
        "title": "A & B",
        "srcdoc": "<p>Hi</p><script>x()</script>",
    }


def test_a_fitted_frame_keeps_the_origin_for_its_height_and_still_runs_no_scripts():
    page = fitted_frame("<p>Dear owner</p>", title="Draft notice")
    (frame,) = Frame(page).iframes

    assert (frame["class"], frame["sandbox"]) == ("email-html letter-frame", "allow-same-origin")
    assert "allow-scripts" not in page
    assert frame["srcdoc"] == "<p>Dear owner</p>"


def test_an_empty_frame_says_so():
    assert html_frame("", title="x") == '<p class="quiet">This email has no HTML part.</p>'
    assert fitted_frame("", title="x") == '<p class="quiet">This letter is empty.</p>'
