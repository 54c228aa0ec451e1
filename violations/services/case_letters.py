"""What transitions share for parties, letters and fines: who is served, drafting and issuing
letters, and the wording of a fine."""

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.login_tokens import case_links_revoke
from accounts.strata_time import strata_zone
from properties.models import Person
from properties.selectors import current_occupancies
from violations.domain import rule_pack
from violations.domain.pdf import html_to_pdf
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    Bylaw,
    CaseParty,
    Decision,
    Letter,
    Violation,
)
from violations.selectors import letters
from violations.selectors.drafts import draft_get

# --- parties, letters and service: the parts transitions share -----------------------------


def _parties_set(case: Violation, respondent_role: str, respondent: Person | None) -> list:
    """Choose the respondent and compute the parties (DESIGN §6), keeping earlier rows:
    a person no longer to be served stays on the case with ``required`` off."""
    if respondent_role not in Violation.RespondentRole.values:
        raise TransitionRefused({"respondent_role": _("Choose the owner(s) or a tenant.")})
    occupancies = list(
        current_occupancies().filter(unit=case.unit).select_related("person", "landlord")
    )
    if respondent_role == Violation.RespondentRole.TENANT:
        tenants = {o.person_id for o in occupancies if o.role == "tenant"}
        if respondent is None or respondent.pk not in tenants:
            raise TransitionRefused(
                {"respondent": _("Choose a current tenant of %(unit)s.") % {"unit": case.unit}}
            )
    else:
        respondent = None
    computed = rule_pack.parties_to_serve(
        respondent_role=respondent_role, respondent=respondent, occupancies=occupancies
    )
    if not computed:
        raise TransitionRefused(
            {
                "respondent_role": _(
                    "%(unit)s has no current owner on the register; add the owner before "
                    "serving anything."
                )
                % {"unit": case.unit}
            }
        )
    case.respondent_role = respondent_role
    case.respondent = respondent
    case.save(update_fields=["respondent_role", "respondent", "updated_at"])
    wanted = {person.pk: role for person, role in computed}
    for party in case.parties.all():
        if party.person_id not in wanted and party.required:
            party.required = False
            party.save(update_fields=["required", "updated_at"])
            # No longer a party: their personal link to the case stops too.
            case_links_revoke(case_uuid=case.uuid, person_uuid=party.person.uuid)
    parties = []
    for person, role in computed:
        party, _created = CaseParty.objects.update_or_create(
            case=case, person=person, defaults={"role": role, "required": True}
        )
        parties.append(party)
    return parties


def _fine_terms(case: Violation) -> tuple[Decimal, int | None]:
    """The fine the notice contemplates (the highest cap among the case's bylaws) and, for a
    continuing contravention, the shortest lawful interval."""
    limits = [rule_pack.fine_limit(bylaw, case.strata) for bylaw in case.bylaws.all()]
    return max(limit.amount for limit in limits), min(limit.interval_days for limit in limits)


def _check_party(case: Violation, party: CaseParty) -> None:
    if party.case_id != case.pk or not party.required:
        raise TransitionRefused(
            {"party": _("%(person)s is not a party to this case.") % {"person": party.person}}
        )


def _letter_create(
    case: Violation, kind: str, context: dict[str, str], actor, *, html: str | None = None
) -> Letter:
    rendered, version = letters.render(kind, case.strata, context)
    return Letter.objects.create(
        case=case,
        kind=kind,
        template_version=version,
        html=html if html is not None else rendered,
        edited=html is not None and html != rendered,
        created_by=actor,
    )


def _draft(case: Violation, kind: str) -> Letter:
    draft = draft_get(case, kind)
    if draft is None:
        refuse(_("There is no prepared %(kind)s; prepare it first.") % {"kind": kind})
    return draft


def _issued(case: Violation, kind: str) -> Letter:
    letter = case.letters.filter(kind=kind, issued_at__isnull=False).order_by("-id").first()
    if letter is None:
        refuse(_("No %(kind)s has been sent on this case.") % {"kind": kind})
    return letter


def _when(case: Violation, moment: dt.datetime) -> str:
    local = moment.astimezone(strata_zone(case.strata))
    return f"{letters.long_date(local.date())} at {letters.clock(local)}"


def _fine_text(decision: Decision, bylaw: Bylaw | None) -> str:
    if bylaw is None:
        return ""
    text = _("a fine of %(amount)s under %(bylaw)s") % {
        "amount": letters.money(decision.fine_amount),
        "bylaw": bylaw,
    }
    if decision.continuing_every_days:
        text += _(", repeated every %(days)d days until the contravention stops") % {
            "days": decision.continuing_every_days
        }
    return text


def letter_issue(letter: Letter) -> Letter:
    """Freeze a draft: render its PDF from the exact HTML and keep both."""
    pdf = html_to_pdf(letter.html)
    letter.pdf.save(
        f"{letter.case.reference}-{letter.kind}-{letter.uuid}.pdf", ContentFile(pdf), save=False
    )
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    letter.issued_at = timezone.now()
    letter.save()
    return letter
