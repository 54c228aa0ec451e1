"""Council meetings in the staff admin (DESIGN §9): the printable agenda of one strata, the
form that records the meeting's decisions in one submission, and the page a council member
approves a notice from by its emailed link.

The pages are the admin site's own (``StaffAdminSite.get_urls`` mounts ``urls()``); each calls
one selector or service. The recording form carries a one-time token, so sending it twice
records one meeting.
"""

import uuid
from functools import partial

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.admin.rendering import fitted_frame
from violations.admin.case_forms import CouncilChoiceField
from violations.admin.form_parts import DatePicker, attach_errors, textarea
from violations.domain.workflow import TRANSITIONS, TransitionRefused
from violations.models import CouncilMeeting, DecisionOutcome, Letter, LetterKind
from violations.selectors.access import cases_visible_to_staff, council_members, counted_approvals
from violations.selectors.meetings import (
    AgendaItem,
    meeting_agenda,
    meeting_for_submission,
    meeting_stratas_for,
    members_recused,
)
from violations.services import check_actor
from violations.services.approval_links import MAX_AGE, approval_token_read
from violations.services.meetings import ItemRefused, ItemsRefused, meeting_decisions_record
from violations.services.notice_approvals import letter_check_current, notice_approve_by_link

TEMPLATES = "admin/violations/meetings"


def urls(site) -> list:
    view = site.admin_view
    return [
        path(
            "council-meeting/<uuid:strata>/",
            view(partial(agenda_view, site)),
            name="council_meeting_agenda",
        ),
        path(
            "council-meeting/<uuid:strata>/record/",
            view(partial(record_view, site)),
            name="council_meeting_record",
        ),
        path(
            "notice-approval/<str:token>/",
            view(partial(approval_view, site)),
            name="notice_approval",
        ),
    ]


def _strata(request, strata_uuid):
    """A strata whose agenda the user may see; any other looks like one that does not exist."""
    return get_object_or_404(meeting_stratas_for(request.user), uuid=strata_uuid)


def _render(site, request, template, context, status=200):
    request.current_app = site.name
    return TemplateResponse(
        request, f"{TEMPLATES}/{template}", {**site.each_context(request), **context}, status=status
    )


# --- the agenda ------------------------------------------------------------------------------


def agenda_view(site, request, strata):
    strata = _strata(request, strata)
    agenda = meeting_agenda(strata, user=request.user)
    for item in agenda["approvals"] + agenda["decisions"]:
        if not item.recused:
            item.case_url = reverse(
                "admin:violations_violation_change", args=[item.case.pk], current_app=site.name
            )
    return _render(
        site,
        request,
        "agenda.html",
        {
            "title": _("Council meeting agenda — %(strata)s") % {"strata": strata.name},
            "agenda": agenda,
            "strata_zone": strata.time_zone,
            "today": strata_today(strata),
            "record_url": reverse(
                "admin:council_meeting_record", args=[strata.uuid], current_app=site.name
            )
            if can(request.user, Right.RECORD_DECISIONS, strata)
            else "",
        },
    )


# --- recording the meeting -------------------------------------------------------------------


class MeetingForm(forms.Form):
    """The meeting: its date and the council members present. ``submission`` is the form's
    one-time token."""

    submission = forms.UUIDField(widget=forms.HiddenInput)
    held_on = forms.DateField(label=gettext_lazy("Meeting date"), widget=DatePicker)
    members_present = CouncilChoiceField(
        label=gettext_lazy("Council members present"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].queryset = council


class ItemForm(forms.Form):
    """Council's decision on one case of the meeting. Only the shape is checked here; the
    decision's guards (quorum, vote, fine caps) are the service's, which says why not."""

    include = forms.BooleanField(label=gettext_lazy("Decided at this meeting"), required=False)
    recusals = forms.MultipleChoiceField(
        label=gettext_lazy("Recused (did not vote)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    motion = forms.CharField(label=gettext_lazy("Motion"), widget=textarea(2), required=False)
    votes_for = forms.IntegerField(label=gettext_lazy("For"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=gettext_lazy("Against"), min_value=0, required=False)
    votes_abstaining = forms.IntegerField(
        label=gettext_lazy("Abstaining"), min_value=0, required=False
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[("", "—"), *DecisionOutcome.choices],
        required=False,
    )
    reasons = forms.CharField(label=gettext_lazy("Reasons"), widget=textarea(3), required=False)
    fine_amount = forms.DecimalField(
        label=gettext_lazy("Fine"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    fine_bylaw = forms.TypedChoiceField(
        label=gettext_lazy("Bylaw the fine is for"), coerce=int, empty_value=None, required=False
    )
    continuing_every_days = forms.IntegerField(
        label=gettext_lazy("Continuing: every (days)"), min_value=1, required=False
    )

    def __init__(self, *args, item: AgendaItem, council: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.council = {member.pk: member for member in council}
        self.fields["recusals"].choices = [
            (str(member.pk), member.full_name or member.email) for member in council
        ]
        self.bylaws = {bylaw.pk: bylaw for bylaw in item.bylaws}
        self.fields["fine_bylaw"].choices = [
            ("", "—"),
            *((bylaw.pk, f"{bylaw.number} {bylaw.title}") for bylaw in item.bylaws),
        ]

    def decision_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "case": self.item.case,
            "recusals": [self.council[int(pk)] for pk in data["recusals"]],
            "motion": data["motion"],
            "votes_for": data["votes_for"],
            "votes_against": data["votes_against"],
            "votes_abstaining": data["votes_abstaining"] or 0,
            "outcome": data["outcome"],
            "reasons": data["reasons"],
            "fine_amount": data["fine_amount"],
            "fine_bylaw": self.bylaws.get(data["fine_bylaw"]),
            "continuing_every_days": data["continuing_every_days"],
        }


def _items(request, strata, agenda) -> list[AgendaItem]:
    """The cases ready for a decision that the user is not recused from and, on a POST, the
    cases the form was shown with that are no longer ready (decided meanwhile): the service
    says why each cannot be decided, rather than dropping it silently."""
    items = [item for item in agenda["decisions"] if not item.recused]
    if request.method != "POST":
        return items
    shown = set()
    for value in request.POST.getlist("cases"):
        try:
            shown.add(uuid.UUID(value))
        except ValueError:
            continue
    missing = shown - {item.case.uuid for item in items}
    gone = (
        cases_visible_to_staff(request.user)
        .filter(strata=strata, uuid__in=missing)
        .select_related("strata", "unit")
        .prefetch_related("bylaws")
    )
    return items + [
        AgendaItem(case=case, recused=False, bylaws=list(case.bylaws.all())) for case in gone
    ]


def record_view(site, request, strata):
    strata = _strata(request, strata)
    if not can(request.user, Right.RECORD_DECISIONS, strata):
        raise PermissionDenied
    agenda_url = reverse("admin:council_meeting_agenda", args=[strata.uuid], current_app=site.name)
    post = request.POST if request.method == "POST" else None
    done = meeting_for_submission(strata, post.get("submission", "")) if post else None
    if done is not None:
        messages.info(
            request,
            _("This meeting (%(date)s) was already recorded; nothing was recorded again.")
            % {"date": done.held_on},
        )
        return HttpResponseRedirect(agenda_url)
    agenda = meeting_agenda(strata, user=request.user)
    items = _items(request, strata, agenda)
    council = list(council_members(strata))
    recused = members_recused([item.case for item in items], council)
    with timezone.override(strata_zone(strata)):
        meeting_form = MeetingForm(
            post,
            council=council_members(strata),
            initial={
                "submission": uuid.uuid4(),
                "held_on": strata_today(strata),
                "members_present": council,
            },
        )
        item_forms = [
            ItemForm(
                post,
                item=item,
                council=council,
                prefix=f"case-{item.case.uuid}",
                initial={"recusals": [str(pk) for pk in recused.get(item.case.pk, ())]},
            )
            for item in items
        ]
        # Every form is checked, so each shows its errors in this one response.
        if post is not None and all([meeting_form.is_valid(), *(f.is_valid() for f in item_forms)]):
            meeting = _record(request, strata, meeting_form, item_forms)
            if meeting is not None:
                count = meeting.decisions.count()
                messages.success(
                    request,
                    ngettext(
                        "Recorded council's meeting of %(date)s: %(count)d decision.",
                        "Recorded council's meeting of %(date)s: %(count)d decisions.",
                        count,
                    )
                    % {"date": meeting.held_on, "count": count},
                )
                return HttpResponseRedirect(agenda_url)
    return _render(
        site,
        request,
        "record.html",
        {
            "title": _("Record a council meeting — %(strata)s") % {"strata": strata.name},
            "strata": strata,
            "meeting_form": meeting_form,
            "item_forms": item_forms,
            "agenda_url": agenda_url,
            "media": meeting_form.media,
        },
    )


def _record(request, strata, meeting_form, item_forms) -> CouncilMeeting | None:
    data = meeting_form.cleaned_data
    chosen = [form for form in item_forms if form.cleaned_data["include"]]
    try:
        return meeting_decisions_record(
            strata=strata,
            actor=request.user,
            submission=data["submission"],
            held_on=data["held_on"],
            members_present=list(data["members_present"]),
            items=[form.decision_kwargs() for form in chosen],
            context=AuditContext.from_request(request),
        )
    except ItemsRefused as refused:
        forms_by_case = {form.item.case.pk: form for form in chosen}
        named = [
            refusal.case.reference
            for refusal in refused.refusals
            if _refusal_shown(refusal, meeting_form, forms_by_case[refusal.case.pk])
        ]
        if named:
            meeting_form.add_error(
                None,
                ngettext(
                    "Nothing was recorded: council's decision on %(cases)s was refused. Correct "
                    "it (or leave the case out) and record the meeting again.",
                    "Nothing was recorded: council's decisions on %(cases)s were refused. "
                    "Correct them (or leave the cases out) and record the meeting again.",
                    len(named),
                )
                % {"cases": get_text_list(named, _("and"))},
            )
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict") and "items" in refusal.error_dict:
            meeting_form.add_error(None, refusal.error_dict.pop("items"))
        if not hasattr(refusal, "error_dict") or refusal.error_dict:
            attach_errors(meeting_form, refusal)
    return None


# What a case's refusal says of the meeting itself, and the meeting's field it belongs to.
MEETING_FIELDS = {"meeting_on": "held_on", "members_present": "members_present"}


def _refusal_shown(refusal: ItemRefused, meeting_form, form) -> bool:
    """Put a refused case's messages on the form: those about the meeting on the meeting's
    fields, once however many cases say them, and the rest on the case's own form. True if the
    case's own form has something to correct."""
    if hasattr(refusal, "error_dict"):
        for name, field in MEETING_FIELDS.items():
            if name in refusal.error_dict:
                shown = meeting_form.errors.get(field, [])
                new = [m for m in ValidationError(refusal.error_dict.pop(name)) if m not in shown]
                if new:
                    meeting_form.add_error(field, new)
        if not refusal.error_dict:
            return False
    attach_errors(form, refusal)
    return True


# --- approving a notice by its emailed link --------------------------------------------------


def approval_view(site, request, token):
    """GET shows the draft and a button; only a POST approves (mail scanners follow links)."""
    try:
        letter_id, user_uuid = approval_token_read(token)
    except signing.BadSignature:
        return _render(
            site,
            request,
            "approval.html",
            {
                "title": _("Approve a notice"),
                "problem": _(
                    "This approval link is not valid: it has expired (links work for %(days)d "
                    "days) or was changed. Open the case from “Cases awaiting council” instead."
                )
                % {"days": MAX_AGE.days},
            },
            status=400,
        )
    letter = (
        Letter.objects.filter(pk=letter_id, kind=LetterKind.NOTICE)
        .select_related("case__strata", "case__unit")
        .first()
    )
    if letter is None:
        raise Http404(_("No such notice."))
    case = letter.case
    context = {"title": _("Approve a notice")}
    if str(request.user.uuid) != user_uuid:
        context["problem"] = _(
            "This link was sent to another council member. Sign out and sign in as the member "
            "it was sent to."
        )
        return _render(site, request, "approval.html", context, status=403)
    try:
        check_actor(case, TRANSITIONS["approve_notice"], request.user)
    except TransitionRefused as refusal:
        context["problem"] = " ".join(refusal.messages)
        return _render(site, request, "approval.html", context, status=403)
    context["title"] = _("Approve the notice — %(case)s") % {"case": case.reference}
    approvals = list(
        counted_approvals(letter.approvals.all())
        .select_related("approver")
        .order_by("created_at", "id")
    )
    mine = any(a.approver_id == request.user.pk for a in approvals)
    if request.method == "POST" and not mine:
        try:
            notice_approve_by_link(
                letter=letter, actor=request.user, context=AuditContext.from_request(request)
            )
        except TransitionRefused as refusal:
            context["problem"] = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                _("You approved the notice on %(case)s.") % {"case": case.reference},
            )
            return HttpResponseRedirect(request.path)
    elif not mine:
        try:
            letter_check_current(case, letter)
        except TransitionRefused as refusal:
            context["problem"] = " ".join(refusal.messages)
    context |= {
        "case": case,
        "letter": letter,
        "approvals": approvals,
        "approved": mine,
        "approvals_required": case.strata.notice_approvals_required,
        "frame": fitted_frame(letter.html, title=_("Draft notice")),
    }
    return _render(site, request, "approval.html", context)
