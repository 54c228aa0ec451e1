"""The print queue: letters to print and post (DESIGN §6 "Who is served", §9).

A party who gave no email address for notices is served on paper: sending a letter leaves a
pending mail ``LetterDelivery``, and the law deems it given only once the mailing is recorded (SPA
s.61). This admin lists those services for the cases the user may review (``REVIEW_CASES``,
not recused), oldest first, narrowed by the strata switcher. Nothing is added, changed or
deleted here; two actions do the work:

- "Download PDFs (ZIP)": one ZIP with the stored PDF of each selected letter, one file per
  envelope, in the queue's order; a notice, hearing notice, decision or fine notice to a party
  is followed by a page with that person's case link (a new one each download:
  ``case_link_sheet``), to put in the same envelope. The stored letter is never changed.
- "Record as mailed": ``violation_record_service`` for each selected service, on the date
  given (blank: today in the case's strata), reporting each refusal — among them a letter
  shown as "address needed" (a recipient with no postal address and no unit), which is
  recorded from the case page once someone gives the address.
"""

import io
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin_base import StrataScopedAdmin, strata_filter
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from violations.models import DeliveryMethod, LetterDelivery, LetterKind
from violations.selectors.cases import print_queue_for
from violations.services import violation_record_service
from violations.services.case_links import case_link_sheet

TITLE = gettext_lazy("Print queue")


def pdf_name(number: int, service: LetterDelivery) -> str:
    """``001-VIO-20261101-001-notice-terry-tenant.pdf``: queue order, case, letter, recipient."""
    letter = service.letter
    person = slugify(service.person.full_name) or "recipient"
    return f"{number:03d}-{letter.case.reference}-{letter.kind}-{person}.pdf"


def link_page_name(number: int, service: LetterDelivery) -> str:
    """``001-VIO-20261101-001-notice-terry-tenant_case-link.pdf``: sorts right after its
    letter ("_" comes after ".")."""
    return pdf_name(number, service).removesuffix(".pdf") + "_case-link.pdf"


class PrintQueueActionForm(ActionForm):
    mailed_on = forms.CharField(
        label=gettext_lazy("Mailed on (blank: today)"),
        required=False,
        widget=AdminDateWidget,
    )


ReviewStrataFilter = strata_filter(
    Right.REVIEW_CASES, "letter__case__strata", gettext_lazy("strata")
)


@admin.register(LetterDelivery)
class PrintQueueAdmin(StrataScopedAdmin):
    """Pending paper services by mail: print, post, then record the mailing."""

    strata_path = "letter__case__strata"
    view_right = Right.REVIEW_CASES
    edit_right = Right.REVIEW_CASES
    action_form = PrintQueueActionForm
    actions = ("download_pdfs", "record_as_mailed")
    list_display = ("case", "letter_kind", "person", "mail_to", "letter_date", "queued")
    list_display_links = None
    list_select_related = ("letter__case__strata", "person")
    list_filter = (ReviewStrataFilter, "letter__kind")
    search_fields = ("letter__case__reference", "person__full_name")
    ordering = ("created_at", "id")
    show_full_result_count = False
    list_per_page = 100
    app_list_name = TITLE  # the site lists this admin as "Print queue", not "Service records"

    # --- rows: pending mail services of reviewable, non-recused cases -----------------------
    def get_queryset(self, request):
        return print_queue_for(request.user, strata_id=request.session.get(SESSION_STRATA_ID))

    # --- view only: the actions go through the services --------------------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": TITLE, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # --- columns ------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("case"), ordering="letter__case__reference")
    def case(self, service):
        case = service.letter.case
        url = reverse(
            "admin:violations_violation_change", args=[case.pk], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{} ({})</a>', url, case.reference, case.strata.name)

    @admin.display(description=gettext_lazy("letter"), ordering="letter__kind")
    def letter_kind(self, service):
        return LetterKind(service.letter.kind).label

    @admin.display(description=gettext_lazy("mail to"))
    def mail_to(self, service):
        if service.address_needed:
            # No postal address and no unit on the register: never the case's unit.
            return format_html("<strong>{}</strong>", _("address needed"))
        lines = [line for line in service.address.splitlines() if line.strip()]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=gettext_lazy("letter date"), ordering="letter__issued_at")
    def letter_date(self, service):
        letter = service.letter
        if letter.issued_at is None:
            return "—"
        return timezone.localtime(letter.issued_at, strata_zone(letter.case.strata)).date()

    @admin.display(description=gettext_lazy("in the queue since"), ordering="created_at")
    def queued(self, service):
        # A string: the admin would show a datetime in the session's zone, not the strata's.
        local = timezone.localtime(service.created_at, strata_zone(service.letter.case.strata))
        return f"{local:%Y-%m-%d %H:%M}"

    # --- actions --------------------------------------------------------------------------
    @admin.action(description=gettext_lazy("Download PDFs (ZIP), with each party's case link"))
    def download_pdfs(self, request, queryset):
        services = list(queryset.order_by("created_at", "id"))
        contents: dict[int, bytes] = {}
        missing = []
        for service in services:
            letter = service.letter
            if letter.pk in contents:
                continue
            try:
                with letter.pdf.open("rb") as pdf:
                    contents[letter.pk] = pdf.read()
            except (OSError, ValueError):  # no file recorded, or gone from storage
                contents[letter.pk] = b""
                missing.append(f"{letter.case.reference} ({letter.get_kind_display()})")
        if missing:
            # Before any link is made: a refused download puts no new way into a case.
            self.message_user(
                request,
                _("The PDF of %(letters)s is missing; nothing was downloaded.")
                % {"letters": ", ".join(missing)},
                messages.ERROR,
            )
            return None
        context = AuditContext.from_request(request)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for number, service in enumerate(services, start=1):
                archive.writestr(pdf_name(number, service), contents[service.letter.pk])
                sheet = case_link_sheet(service=service, actor=request.user, context=context)
                if sheet is not None:
                    archive.writestr(link_page_name(number, service), sheet)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        filename = f"print-queue-{timezone.localdate():%Y-%m-%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=gettext_lazy("Record as mailed"))
    def record_as_mailed(self, request, queryset):
        try:
            on_date = forms.DateField(required=False).clean(request.POST.get("mailed_on", ""))
        except ValidationError:
            self.message_user(
                request,
                _("Give the mailing date as a date, or leave it blank for today."),
                messages.ERROR,
            )
            return None
        services = list(queryset.order_by("created_at", "id"))
        if on_date is not None:
            late = {
                s.letter.case.strata
                for s in services
                if on_date > strata_today(s.letter.case.strata)
            }
            if late:
                self.message_user(
                    request,
                    _(
                        "The mailing date %(date)s is in the future in %(stratas)s; nothing was "
                        "recorded."
                    )
                    % {"date": on_date, "stratas": ", ".join(sorted(s.name for s in late))},
                    messages.ERROR,
                )
                return None
        context = AuditContext.from_request(request)
        recorded = []
        for service in services:
            case = service.letter.case
            try:
                violation_record_service(
                    service=service,
                    actor=request.user,
                    method=DeliveryMethod.MAIL,
                    on_date=on_date or strata_today(case.strata),
                    context=context,
                )
            except (PermissionDenied, ValidationError) as refusal:
                reason = "; ".join(getattr(refusal, "messages", [str(refusal)]))
                self.message_user(
                    request,
                    _("%(case)s, %(person)s: not recorded. %(reason)s")
                    % {"case": case.reference, "person": service.person, "reason": reason},
                    messages.ERROR,
                )
            else:
                recorded.append(service)
        if recorded:
            self.message_user(
                request,
                ngettext(
                    "Recorded %(count)d letter as mailed%(on)s.",
                    "Recorded %(count)d letters as mailed%(on)s.",
                    len(recorded),
                )
                % {
                    "count": len(recorded),
                    "on": _(" on %(date)s") % {"date": on_date} if on_date else _(" today"),
                },
                messages.SUCCESS,
            )
        return None
