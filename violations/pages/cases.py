"""My cases: the list, one case as served (letters, where it stands, the next date, the
evidence shared with me), and the two written answers a party may send (SPA s.135, s.34.1).
Another person's case, or no case at all, is the same 404."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.request_meta import AuditContext
from properties.link_throttle import answer_allowed
from properties.pages.signed_in import resident_required
from violations.domain.resident_words import status_words, step_words
from violations.pages.forms import HearingForm, RespondForm, refusal_to_form
from violations.selectors.letters import html_to_text
from violations.selectors.resident import (
    may_answer,
    next_date,
    next_dates,
    resident_case_get,
    resident_cases,
    resident_events,
    resident_evidence,
    resident_hearing_requests,
    resident_letters,
    resident_responses,
)
from violations.services.responses import resident_request_hearing, resident_respond


def _case_or_404(request, case_uuid):
    case = resident_case_get(request.user, case_uuid)
    if case is None:
        raise Http404
    return case


def _when(next_at):
    """A next date for the template, and whether it has a time of day (a hearing, the end of
    the day to answer) or is a day (the day a hearing must be held by)."""
    if next_at is None:
        return None
    return {
        "label": next_at.label,
        "at": next_at.at,
        "has_time": isinstance(next_at.at, dt.datetime),
    }


@resident_required
@require_GET
def resident_home(request):
    cases = list(resident_cases(request.user))
    dates = next_dates(cases)
    rows = [
        {"case": case, "status": status_words(case), "next": _when(dates[case.pk])}
        for case in cases
    ]
    return render(request, "violations/pages/home.html", {"rows": rows})


@resident_required
@require_GET
def resident_case(request, case_uuid):
    case = _case_or_404(request, case_uuid)
    user = request.user
    context = {
        "case": case,
        "status": status_words(case),
        "next": _when(next_date(case)),
        "letters": [
            {"letter": letter, "text": html_to_text(letter.html)}
            for letter in resident_letters(case, user)
        ],
        "steps": [
            {"at": event.created_at, "words": step_words(event)} for event in resident_events(case)
        ],
        "evidence": list(resident_evidence(case, user)),
        "responses": list(resident_responses(case, user)),
        "hearings": list(resident_hearing_requests(case, user)),
        "may": may_answer(case, user),
    }
    return render(request, "violations/pages/case.html", context)


def _answer_page(request, case_uuid, *, form_class, send, template: str, **extra):
    """A written answer's page (SPA s.135, s.34.1): the form, and on a valid POST ``send``
    (the service call, returning the message to show) then back to the case; a refusal is
    shown on the form with status 400."""
    case = _case_or_404(request, case_uuid)
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted and not answer_allowed(request.user):
        form.add_error(None, _("You have sent many answers in the last hour. Try again later."))
        status = 429
    elif posted:
        if form.is_valid():
            try:
                message = send(case, form.cleaned_data, AuditContext.from_request(request))
            except ValidationError as error:
                refusal_to_form(form, error)
            else:
                messages.success(request, message)
                return redirect("resident_case", case_uuid=case.uuid)
        status = 400
    context = {"case": case, "form": form, "may": may_answer(case, request.user), **extra}
    return render(request, template, context, status=status)


@resident_required
@require_http_methods(["GET", "POST"])
def resident_case_respond(request, case_uuid):
    def send(case, data, context):
        resident_respond(
            case=case,
            actor=request.user,
            text=data["text"],
            declines_hearing=data["declines_hearing"],
            files=data["files"],
            context=context,
        )
        return _("Your answer was received. It is on your case now.")

    return _answer_page(
        request,
        case_uuid,
        form_class=RespondForm,
        send=send,
        template="violations/pages/respond.html",
    )


@resident_required
@require_http_methods(["GET", "POST"])
def resident_case_hearing(request, case_uuid):
    def send(case, data, context):
        hearing = resident_request_hearing(
            case=case,
            actor=request.user,
            reason=data["reason"],
            files=data["files"],
            context=context,
        )
        return _(
            "Your request for a hearing was received on %(received)s. Council must hold the "
            "hearing by %(hold_by)s."
        ) % {
            "received": _long_date(hearing.requested_on),
            "hold_by": _long_date(hearing.hold_by),
        }

    return _answer_page(
        request,
        case_uuid,
        form_class=HearingForm,
        send=send,
        template="violations/pages/hearing.html",
    )


def _long_date(value: dt.date) -> str:
    return date_format(value, "F j, Y")
