"""The emailed links council members approve a prepared notice from (DESIGN §6: "the notice
waits until N council members approve").

When a strata requires approvals, preparing a notice emails each current council member who
is not recused a link to a page that shows the draft and asks for a POST to approve it. The
link is signed for one letter and one member and expires; it is not a login: the member must
be signed in as themselves (``notice_approvals.notice_approve_by_link``).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.models import User
from communications.models import EmailKind
from communications.services import queue_email
from violations.models import Letter, Violation
from violations.selectors.access import council_members, is_recused

SALT = "violations.notice-approval"
MAX_AGE = dt.timedelta(days=14)


def approval_token(letter: Letter, user: User) -> str:
    return signing.dumps({"letter": letter.pk, "user": str(user.uuid)}, salt=SALT)


def approval_token_read(token: str) -> tuple[int, str]:
    """The letter id and user uuid a link was made for. Raises ``signing.BadSignature``
    (``SignatureExpired`` after ``MAX_AGE``) for a link altered or too old."""
    data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    if not isinstance(data, dict) or not {"letter", "user"} <= data.keys():
        raise signing.BadSignature("Not an approval link.")
    return data["letter"], data["user"]


def approval_url(letter: Letter, user: User) -> str:
    path = reverse("admin:notice_approval", args=[approval_token(letter, user)])
    return f"{settings.SITE_URL}{path}"


def approval_requests_queue(case: Violation, letter: Letter) -> None:
    """Email each current council member of the case's strata who is not recused from it and
    did not prepare ``letter`` (their approval would not count) a link to approve it: once
    per member and draft (a new draft gets new links)."""
    council = council_members(case.strata).filter(is_active=True).exclude(pk=letter.created_by_id)
    for member in council:
        if is_recused(member, case):
            continue
        url = approval_url(letter, member)
        values = {
            "name": member.full_name or member.email,
            "case": case.reference,
            "unit": str(case.unit),
            "strata": case.strata.name,
            "required": case.strata.notice_approvals_required,
            "days": MAX_AGE.days,
        }
        body = _(
            "Hello %(name)s,\n\nA notice of complaint on %(case)s (%(unit)s, %(strata)s) is "
            "ready and needs %(required)d council approval(s) before it can be sent.\n\n"
            "Read it and approve it here (you will be asked to sign in; the link works for "
            "%(days)d days):\n%(url)s\n"
        ) % {**values, "url": url}
        queue_email(
            kind=EmailKind.SYSTEM,
            to=member.email,
            to_name=member.full_name,
            strata=case.strata,
            subject=_("%(case)s: a notice awaits your approval") % values,
            body_text=body,
            body_html=format_html(
                "<p>Hello {},</p><p>A notice of complaint on {} ({}, {}) is ready and needs {} "
                "council approval(s) before it can be sent.</p>"
                '<p><a href="{}">Read and approve the notice</a> (you will be asked to sign '
                "in; the link works for {} days).</p>",
                values["name"],
                values["case"],
                values["unit"],
                values["strata"],
                values["required"],
                url,
                values["days"],
            ),
            dedup_key=f"violation:{case.uuid}:approve:{letter.pk}:{member.uuid}",
            about=case.uuid,
        )
