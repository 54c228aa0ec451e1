"""The locked-down template engine and per-strata versioned overrides (DESIGN §4)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditLog
from communications import template_engine
from communications.email_templates import defaults, render_email
from communications.models import EmailTemplate
from communications.services import email_template_revert, email_template_save, queue_email

INVITATION = "accounts.invitation"


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}{% static 'x' %}",
        "{% include 'admin/base.html' %}",
        "{% extends 'admin/base.html' %}",
        "{% debug %}",
        "{% for c in name %}{{ c }}{% endfor %}",
        "{{ name|safe }}",
    ],
)
def test_the_engine_refuses_tags_and_filters_outside_its_whitelist(source):
    with pytest.raises(template_engine.TemplateError):
        template_engine.render(source, {"name": "x"}, html=True)


def test_templates_see_strings_not_objects():
    with pytest.raises(template_engine.TemplateError, match="use a plain name"):
        template_engine.validate("{{ user.password }}", allowed={"user"})
    with pytest.raises(TypeError, match="must be a string"):
        template_engine.render("{{ n }}", {"n": 3}, html=False)


def test_unknown_variables_are_named_with_the_available_ones():
    with pytest.raises(template_engine.TemplateError) as error:
        template_engine.validate("Hi {{ nmae }}", allowed={"name", "unit"})
    assert str(error.value) == "Unknown variable(s): nmae. Available: name, unit."


def test_html_is_escaped_and_text_is_not():
    context = {"name": "<b>Tom & Jerry</b>"}
    assert template_engine.render("{{ name }}", context, html=True) == (
        "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    )
    assert template_engine.render("{{ name }}", context, html=False) == "<b>Tom & Jerry</b>"


def test_every_default_template_renders_with_its_sample_values():
    assert {INVITATION, "accounts.password_reset"} <= set(defaults())
    for name, default in defaults().items():
        rendered = render_email(name, strata=None, context=default.sample)
        assert rendered.subject and "\n" not in rendered.subject
        assert default.sample["recipient_name"] in rendered.body_text
        assert "{" not in rendered.body_text + rendered.body_html
        assert rendered.template_version is None


def test_a_template_needs_exactly_its_variables():
    with pytest.raises(ValueError, match="missing"):
        render_email(INVITATION, strata=None, context={"strata_name": "x"})


@pytest.mark.django_db
def test_an_override_is_versioned_and_used_for_its_strata_only(strata, other_strata, manager):
    sample = defaults()[INVITATION].sample
    first = email_template_save(
        strata=strata,
        name=INVITATION,
        subject="Welcome to {{ strata_name }}",
        body_text="Hi {{ recipient_name }}: {{ accept_url }}",
        body_html="",
        actor=manager,
    )
    second = email_template_save(
        strata=strata,
        name=INVITATION,
        subject="Welcome aboard, {{ recipient_name }}",
        body_text="Hi {{ recipient_name }}: {{ accept_url }}",
        body_html="<p>Hi {{ recipient_name }}</p>",
        actor=manager,
    )
    assert (first.version, second.version) == (1, 2)
    assert list(EmailTemplate.objects.values_list("version", "is_active")) == [
        (2, True),
        (1, False),
    ]
    ours = render_email(INVITATION, strata=strata, context=sample)
    assert (ours.subject, ours.template_version) == ("Welcome aboard, Alex Morgan", 2)
    theirs = render_email(INVITATION, strata=other_strata, context=sample)
    assert theirs.subject == "You have been added to Harbour View on StrataTracker"
    assert theirs.template_version is None
    row = queue_email(
        kind="system", to="a@example.test", strata=strata, template=INVITATION, context=sample
    )
    assert (row.template_name, row.template_version) == (INVITATION, 2)
    assert [e.action for e in AuditLog.objects.order_by("pk")] == [
        "email_template.saved",
        "email_template.saved",
    ]

    assert email_template_revert(strata=strata, name=INVITATION, actor=manager) == 1
    assert render_email(INVITATION, strata=strata, context=sample).template_version is None
    assert EmailTemplate.objects.count() == 2


@pytest.mark.django_db
def test_an_override_with_an_unknown_variable_or_a_load_tag_is_refused(strata, manager):
    with pytest.raises(ValidationError) as error:
        email_template_save(
            strata=strata,
            name=INVITATION,
            subject="{{ strata_nam }}",
            body_text="{% load static %}",
            body_html="",
            actor=manager,
        )
    assert set(error.value.message_dict) == {"subject", "body_text"}
    assert "Unknown variable(s): strata_nam" in error.value.message_dict["subject"][0]
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["council_member", "caretaker", "other_manager"])
def test_only_the_stratas_managers_edit_its_templates(request, strata, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        email_template_save(
            strata=strata, name=INVITATION, subject="x", body_text="y", body_html="", actor=actor
        )
    assert not EmailTemplate.objects.exists()


@pytest.mark.django_db
def test_emails_sent_to_logins_have_no_strata_version(strata, manager):
    from communications.selectors import email_template_overview

    with pytest.raises(ValidationError, match="cannot have a strata version"):
        email_template_save(
            strata=strata,
            name="accounts.password_reset",
            subject="x",
            body_text="{{ reset_url }}",
            body_html="",
            actor=manager,
        )
    listed = {row["template"].name for row in email_template_overview([strata])}
    assert INVITATION in listed
    assert "accounts.password_reset" not in listed


@pytest.mark.django_db
def test_an_editable_invitation_is_not_given_the_sign_in_link(strata, manager):
    with pytest.raises(ValidationError) as error:
        email_template_save(
            strata=strata,
            name=INVITATION,
            subject="Your link: {{ set_password_url }}",
            body_text="Hello",
            body_html="",
            actor=manager,
        )
    assert error.value.message_dict == {
        "subject": [
            "Unknown variable(s): set_password_url. Available: accept_url, inviter_name, "
            "login_email, recipient_name, role, strata_name."
        ]
    }


def test_a_template_is_for_one_kind_of_email():
    with pytest.raises(ValueError, match="is for system email"):
        queue_email(
            kind="campaign",
            to="a@example.test",
            template=INVITATION,
            context=defaults()[INVITATION].sample,
        )


@pytest.mark.parametrize(
    "source",
    [
        "{% if secret %}x{% endif %}",
        "{% if name and not secret %}x{% endif %}",
        "{% firstof name secret %}",
        "{{ name|default:secret }}",
    ],
)
def test_names_in_tags_and_filter_arguments_are_checked_too(source):
    with pytest.raises(template_engine.TemplateError, match="Unknown variable"):
        template_engine.validate(source, allowed={"name"})


def test_the_preview_checks_exactly_what_saving_checks():
    from communications.selectors import email_template_preview

    with pytest.raises(ValidationError) as error:
        email_template_preview(
            template=defaults()[INVITATION],
            subject="{{ set_password_url }}",
            body_text="{{ nmae }}",
            body_html="",
        )
    assert set(error.value.message_dict) == {"subject", "body_text"}
    assert "Unknown variable(s): set_password_url" in error.value.message_dict["subject"][0]
