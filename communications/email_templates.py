"""Email templates: defaults as files in each app, per-strata overrides in the database.

A default lives in ``<app>/emails/<name>/``: ``template.toml`` (label, kind, every variable
with a sample value, ``secret`` naming variables that carry credentials, and
``per_strata = false`` for emails no strata may override),
``subject.txt``, ``body.txt`` and optionally ``body.html``. Its full name is
``<app label>.<name>`` (``accounts.invitation``). The outbox finds defaults by this layout,
so it imports no app that sends email. An ``EmailTemplate`` row overrides a default for one
strata; the newest active version wins.

An email that carries a sign-in secret (a ``secret`` variable: a set-password or reset link)
is never overridden: an edited version could put the secret anywhere (an image's address, a
stylesheet, a redirect) and send it to another host. Saving refuses it and rendering ignores
any row saved for it, so only the shipped wording, reviewed with the code, carries a secret.
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.apps import apps
from django.utils.translation import gettext as _

from communications import template_engine
from communications.models import EmailKind, EmailTemplate


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    label: str
    kind: str
    subject: str
    body_text: str
    body_html: str
    sample: dict[str, str] = field(default_factory=dict)
    # False for emails sent to a login rather than on behalf of a strata (password resets):
    # no strata can override them.
    per_strata: bool = True
    # Variables that carry credentials (a set-password link): allowed in the body only.
    secret: frozenset[str] = frozenset()

    @property
    def variables(self) -> set[str]:
        return set(self.sample)

    @property
    def overridable(self) -> bool:
        """Whether a strata may use its own wording: never for an email carrying a secret."""
        return self.per_strata and not self.secret


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str
    template_name: str
    template_version: int | None  # None: the default file


@cache
def defaults() -> dict[str, DefaultTemplate]:
    """Every default template of the installed apps, by name."""
    found = {}
    for config in apps.get_app_configs():
        root = Path(config.path) / "emails"
        for meta_file in sorted(root.glob("*/template.toml")):
            folder = meta_file.parent
            meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
            html_file = folder / "body.html"
            template = DefaultTemplate(
                name=f"{config.label}.{folder.name}",
                label=meta["label"],
                kind=EmailKind(meta["kind"]),
                subject=(folder / "subject.txt").read_text(encoding="utf-8").strip(),
                body_text=(folder / "body.txt").read_text(encoding="utf-8"),
                body_html=html_file.read_text(encoding="utf-8") if html_file.exists() else "",
                sample={key: str(value) for key, value in meta.get("variables", {}).items()},
                per_strata=meta.get("per_strata", True),
                secret=frozenset(meta.get("secret", [])),
            )
            found[template.name] = template
    return found


def default_for(name: str) -> DefaultTemplate:
    try:
        return defaults()[name]
    except KeyError:
        raise LookupError(f"No email template named {name!r}.") from None


def active_override(name: str, strata) -> EmailTemplate | None:
    if strata is None:
        return None
    return (
        EmailTemplate.objects.filter(strata=strata, name=name, is_active=True)
        .order_by("-version")
        .first()
    )


def render_email(name: str, *, strata, context: dict[str, str]) -> RenderedEmail:
    """Render a template for a strata: its active override, else the default file."""
    default = default_for(name)
    missing = default.variables - set(context)
    extra = set(context) - default.variables
    if missing or extra:
        raise ValueError(
            f"Template {name!r} takes exactly {sorted(default.variables)}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}."
        )
    # An override of an email carrying a secret (one saved before that was refused) is
    # ignored: only the shipped wording may carry a sign-in link.
    override = active_override(name, strata) if default.overridable else None
    source = override or default
    return render_sources(
        source.subject,
        source.body_text,
        source.body_html,
        context=context,
        name=name,
        version=getattr(source, "version", None),
    )


def render_sources(
    subject: str, body_text: str, body_html: str, *, context, name: str, version: int | None
) -> RenderedEmail:
    """Render one set of sources through the locked engine; the subject is one line."""
    return RenderedEmail(
        subject=" ".join(template_engine.render(subject, context, html=False).split()),
        body_text=template_engine.render(body_text, context, html=False),
        body_html=template_engine.render(body_html, context, html=True) if body_html else "",
        template_name=name,
        template_version=version,
    )


def source_errors(
    default: DefaultTemplate, *, subject: str, body_text: str, body_html: str
) -> dict[str, str]:
    """Field → message for edited sources that do not compile, read a name the template is
    not given, or put a credential in the subject (staff see subjects). Saving and previewing
    both check with this."""
    errors = {}
    sources = {"subject": subject, "body_text": body_text, "body_html": body_html}
    for name, source in sources.items():
        try:
            template_engine.validate(source, allowed=default.variables)
        except template_engine.TemplateError as error:
            errors[name] = str(error)
    in_subject = set() if "subject" in errors else template_engine.variables_used(subject)
    if in_subject & default.secret:
        errors["subject"] = _("%(names)s may only appear in the body: staff see subjects.") % {
            "names": ", ".join(sorted(in_subject & default.secret))
        }
    return errors


def not_overridable_reason(default: DefaultTemplate) -> str:
    """Why a strata cannot have its own version of ``default`` ("" when it can)."""
    if default.secret:
        return _(
            "“%(label)s” carries a sign-in link (%(names)s). Only the system's own wording may "
            "carry it, so that no edited version can send the link anywhere else: this email "
            "cannot have a strata version."
        ) % {"label": default.label, "names": ", ".join(sorted(default.secret))}
    if not default.per_strata:
        return _(
            "%(label)s is sent to logins, not on behalf of a strata: it has no strata version."
        ) % {"label": default.label}
    return ""
