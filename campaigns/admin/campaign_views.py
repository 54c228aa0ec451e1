"""A campaign's own pages in the admin: compose, the campaign page with its buttons and
progress, the preview, the progress as JSON and the report with its CSV.

Every page first asks for the right (``SEND_CAMPAIGNS`` somewhere: 403 without it), then finds
the campaign among ``campaigns_visible_to`` the user (404 otherwise: a campaign that also went
to a strata the user does not manage looks like one that does not exist). The buttons post
(CSRF-checked) to views that call one service each and say what happened in a message.
"""

import csv
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.csv_safety import escape_cell
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from campaigns.admin.campaign_forms import (
    GROUPS,
    CampaignForm,
    ScheduleForm,
    attach_errors,
    initial_from,
)
from campaigns.models import EDITABLE_STATUSES, Campaign
from campaigns.queueing import frozen_recipient, recipient_message
from campaigns.rendering import BodyError, compile_body
from campaigns.selectors import (
    campaign_audience,
    campaign_progress,
    campaign_recipient_rows,
    campaign_report,
    campaigns_visible_to,
)
from campaigns.services import (
    campaign_cancel,
    campaign_report_exported,
    campaign_save,
    campaign_send,
    campaign_test_send,
)
from communications.admin.rendering import html_frame, text_block
from communications.decoration import decorate
from communications.models import EmailKind, OutboundEmail

TEMPLATES = "admin/campaigns/campaign"
PREVIEW_ROWS = 20
REPORT_ROWS = 100
# The compose form's first fieldset; the rest is the audience.
MESSAGE_FIELDS = ("stratas", "title", "kind", "template", "subject", "body_markdown")
# The campaign's pages, and its buttons (POST only), by URL name.
PAGES = ("preview", "progress", "report", "report_csv")
ACTIONS = ("test_send", "send", "schedule", "cancel")
ALREADY = gettext_lazy(
    "“%(title)s” has already started (or was cancelled); nothing was sent again."
)
CSV_COLUMNS = ("address", "name", "units", "strata", "status", "sent at", "opened", "clicks")


def preview_email(campaign: Campaign, compiled, recipient) -> OutboundEmail:
    """The email ``recipient`` (an audience ``Recipient``) would get, built as the queue
    builds it and decorated with the sender footer and unsubscribe link; never saved."""
    subject, text, html = recipient_message(
        campaign, compiled, frozen_recipient(campaign, recipient)
    )
    email = OutboundEmail(
        kind=EmailKind.CAMPAIGN,
        strata=recipient.strata,
        to_address=recipient.address,
        to_name=recipient.name,
        subject=subject,
        body_text=text,
        body_html=html,
        headers={},
    )
    decorate(email)
    return email


def audience_summary(audience: dict) -> str:
    """The audience rule in words, for a campaign that can no longer be edited."""
    groups = dict(GROUPS)
    parts = [str(groups.get(group, group)) for group in audience.get("groups", [])]
    counts = (
        ("units", ngettext_lazy("%(n)d chosen unit", "%(n)d chosen units", "n")),
        ("floors", ngettext_lazy("%(n)d floor", "%(n)d floors", "n")),
        ("persons", ngettext_lazy("%(n)d chosen person", "%(n)d chosen persons", "n")),
        ("addresses", ngettext_lazy("%(n)d typed address", "%(n)d typed addresses", "n")),
    )
    for key, label in counts:
        if audience.get(key):
            parts.append(label % {"n": len(audience[key])})
    return "; ".join(parts) or "—"


def report_csv(rows) -> str:
    """The report's per-recipient rows, formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        email = row.email
        sent_at = email.sent_at.isoformat() if email and email.sent_at else ""
        status = email.status if email else "not queued"
        values = (row.address, row.name, row.units, row.strata.name, status, sent_at)
        writer.writerow(
            [escape_cell(value) for value in values] + ["yes" if row.opened else "no", row.clicks]
        )
    return buffer.getvalue()


class CampaignPagesMixin:
    """The pages of ``CampaignAdmin`` besides its list."""

    # --- urls ---------------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        pages = [(name, getattr(self, f"{name}_view")) for name in PAGES]
        pages += [(name, self._button(getattr(self, name))) for name in ACTIONS]
        return [
            *(
                path(
                    f"<path:object_id>/{name.replace('_', '-')}/", view(page), name=self._name(name)
                )
                for name, page in pages
            ),
            *super().get_urls(),
        ]

    def _name(self, page: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{page}"

    def _url(self, page: str, *args) -> str:
        return reverse(f"admin:{self._name(page)}", args=args, current_app=self.admin_site.name)

    # --- finding the campaign -----------------------------------------------------------------
    def get_object(self, request, object_id, from_field=None):
        """Any campaign the user may send, whatever strata the switcher picked (it narrows
        lists, not what one may open)."""
        try:
            return campaigns_visible_to(request.user).get(pk=int(object_id))
        except (ValueError, Campaign.DoesNotExist):
            return None

    def _campaign(self, request, object_id) -> Campaign:
        if not can(request.user, Right.SEND_CAMPAIGNS):
            raise PermissionDenied
        campaign = self.get_object(request, object_id)
        if campaign is None:
            raise Http404(_("No such campaign of yours."))
        return campaign

    def _context(self, request, campaign, title, **extra) -> dict:
        request.current_app = self.admin_site.name
        stratas = list(campaign.stratas.order_by("name")) if campaign and campaign.pk else []
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "campaign": campaign,
            "campaign_stratas": stratas,
            "zone": strata_zone(stratas[0]) if stratas else timezone.get_current_timezone(),
            "changelist_url": self._url("changelist"),
            "change_url": self._url("change", campaign.pk) if campaign and campaign.pk else None,
            **extra,
        }

    # --- compose and the campaign page --------------------------------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._compose(request, None, initial=self._add_initial(request))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, object_id)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        if campaign is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if campaign.status in EDITABLE_STATUSES:
            return self._compose(request, campaign, initial=initial_from(campaign))
        if request.method == "POST":
            raise PermissionDenied
        return self._page(request, campaign, form=None)

    def _add_initial(self, request) -> dict:
        strata_id = self.default_strata_id(request)
        return {"stratas": [strata_id] if strata_id else [], "groups": ["all"]}

    def _compose(self, request, campaign, *, initial):
        form = CampaignForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                saved = campaign_save(
                    actor=request.user,
                    campaign=campaign,
                    context=AuditContext.from_request(request),
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                self.message_user(
                    request, _("Saved “%(title)s”.") % {"title": saved.title}, "success"
                )
                return HttpResponseRedirect(self._url("change", saved.pk))
        return self._page(request, campaign or Campaign(), form=form)

    def _page(self, request, campaign, *, form):
        adding = campaign.pk is None
        started = campaign.status not in EDITABLE_STATUSES
        templates = None
        if form is not None:
            templates = {
                "confirm": _("Replace the subject and body with the template's?"),
                "templates": {
                    str(t.pk): {"subject": t.subject, "body": t.body_markdown, "kind": t.kind}
                    for t in form.fields["template"].queryset
                },
            }
        urls = {} if adding else {name: self._url(name, campaign.pk) for name in PAGES + ACTIONS}
        context = self._context(
            request,
            campaign,
            _("New campaign") if adding else campaign.title,
            adding=adding,
            form=form,
            message_fields=MESSAGE_FIELDS,
            templates=templates,
            audience_summary=audience_summary(campaign.audience) if started else None,
            progress=campaign_progress(campaign) if started else None,
            schedule_form=None if adding or started else ScheduleForm(),
            urls=urls,
            media=self.media + form.media if form is not None else self.media,
        )
        return TemplateResponse(request, f"{TEMPLATES}/campaign.html", context)

    # --- preview ------------------------------------------------------------------------------
    def preview_view(self, request, object_id):
        campaign = self._campaign(request, object_id)
        audience = campaign_audience(campaign)
        wanted = (request.GET.get("address") or "").strip().lower()
        chosen = next((r for r in audience.recipients if r.address == wanted), None)
        if chosen is None and audience.recipients:
            chosen = audience.recipients[0]
        email, error = None, None
        if chosen is not None:
            try:
                compiled = compile_body(campaign.subject, campaign.body_markdown)
            except BodyError as refusal:
                error = str(refusal)
            else:
                email = preview_email(campaign, compiled, chosen)
        context = self._context(
            request,
            campaign,
            _("Preview of “%(title)s”") % {"title": campaign.title},
            audience=audience,
            rows=audience.recipients[:PREVIEW_ROWS],
            chosen=chosen,
            wanted=wanted,
            not_found=bool(wanted) and (chosen is None or chosen.address != wanted),
            email=email,
            error=error,
            text=text_block(email.body_text) if email else None,
            html=html_frame(email.body_html, title=email.subject) if email else None,
            preview_url=self._url("preview", campaign.pk),
        )
        return TemplateResponse(request, f"{TEMPLATES}/preview.html", context)

    # --- progress and the report --------------------------------------------------------------
    def progress_view(self, request, object_id):
        campaign = self._campaign(request, object_id)
        return JsonResponse(
            {
                **campaign_progress(campaign).as_dict(),
                "status": campaign.status,
                "status_label": campaign.get_status_display(),
            }
        )

    def report_view(self, request, object_id):
        campaign = self._campaign(request, object_id)
        report = campaign_report(campaign)
        page = Paginator(campaign_recipient_rows(campaign), REPORT_ROWS).get_page(
            request.GET.get("page")
        )
        context = self._context(
            request,
            campaign,
            _("Report of “%(title)s”") % {"title": campaign.title},
            report=report,
            page=page,
            csv_url=self._url("report_csv", campaign.pk),
            report_url=self._url("report", campaign.pk),
        )
        return TemplateResponse(request, f"{TEMPLATES}/report.html", context)

    def report_csv_view(self, request, object_id):
        campaign = self._campaign(request, object_id)
        rows = campaign_recipient_rows(campaign)
        campaign_report_exported(
            campaign=campaign,
            actor=request.user,
            rows=len(rows),
            context=AuditContext.from_request(request),
        )
        response = HttpResponse(report_csv(rows), content_type="text/csv; charset=utf-8")
        name = slugify(campaign.title) or "campaign"
        response["Content-Disposition"] = f'attachment; filename="{name}-report.csv"'
        return response

    # --- the buttons --------------------------------------------------------------------------
    def _button(self, action):
        """A button's view: the campaign (403, 404), POST only (405), the action's message,
        then back to the campaign page."""

        def view(request, object_id):
            campaign = self._campaign(request, object_id)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            action(request, campaign)
            return HttpResponseRedirect(self._url("change", campaign.pk))

        return view

    def test_send(self, request, campaign):
        email = self.run_service(request, campaign_test_send, campaign=campaign)
        if email is not None:
            self.message_user(
                request, _("Test sent to %(address)s.") % {"address": email.to_address}, "success"
            )

    def send(self, request, campaign):
        started = self.run_service(request, campaign_send, campaign=campaign)
        if started:
            self.message_user(
                request,
                _("Sending “%(title)s” to %(count)d recipients.")
                % {"title": campaign.title, "count": campaign.recipients.count()},
                "success",
            )
        elif started is False:
            self.message_user(request, ALREADY % {"title": campaign.title}, "warning")

    def schedule(self, request, campaign):
        zone = strata_zone(campaign.stratas.order_by("name").first())
        with timezone.override(zone):
            form = ScheduleForm(request.POST)
            valid = form.is_valid()
        if not valid:
            errors = " ".join(error for errors in form.errors.values() for error in errors)
            self.message_user(request, _("Not scheduled. %(errors)s") % {"errors": errors}, "error")
            return
        at = form.cleaned_data["at"]
        scheduled = self.run_service(request, campaign_send, campaign=campaign, at=at)
        if scheduled:
            local = timezone.localtime(at, zone)
            self.message_user(
                request,
                _("Scheduled for %(at)s (%(zone)s).")
                % {"at": f"{local:%Y-%m-%d %H:%M}", "zone": local.tzname()},
                "success",
            )
        elif scheduled is False:
            self.message_user(request, ALREADY % {"title": campaign.title}, "warning")

    def cancel(self, request, campaign):
        stopped = self.run_service(request, campaign_cancel, campaign=campaign)
        if stopped is not None:
            self.message_user(
                request,
                _("Cancelled; %(count)d emails not yet sent were stopped.") % {"count": stopped},
                "success",
            )
