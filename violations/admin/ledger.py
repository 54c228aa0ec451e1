"""The fines ledger (DESIGN §6 "Fines and charges"): charges, what was paid and waived, and
what is owing, for the stratas where the user reads the ledger (VIEW_LEDGER).

Charges come from council's decisions, so nothing is added, changed or deleted here. A
charge's page lists its payments and waivers and links to two forms, "Record payment" (the
strata's managers) and "Record waiver" (council's decision, recorded by council or a
manager), which call ``violations.services.ledger``. A strata's ledger and a liable person's ledger
show the same rows with their totals; the CSV export is for the strata's accounting system.
"""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_base import StrataScopedAdmin, strata_filter
from accounts.csv_safety import escape_cell
from accounts.middleware import SESSION_STRATA_ID
from accounts.models import Strata
from accounts.permissions import Right, can, scope_to_stratas, strata_ids_with
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from properties.models import Person
from violations.admin.form_parts import attach_errors
from violations.models import CENT, Charge, PaymentMethod
from violations.selectors.ledger import charges_visible_to, ledger_rows, ledger_totals
from violations.services.ledger import ledger_export_record, payment_record, waiver_record

TITLE = gettext_lazy("Fines ledger")
TEMPLATES = "admin/violations/charge"
CSV_COLUMNS = (
    "date",
    "strata",
    "plan",
    "strata lot",
    "unit",
    "case reference",
    "liable person",
    "bylaw",
    "kind",
    "description",
    "amount",
    "paid",
    "waived",
    "balance",
)


def ledger_csv(charges) -> str:
    """The ledger rows as CSV for an accounting system, formula-safe; one query."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for charge in charges:
        case = charge.case
        writer.writerow(
            [
                escape_cell(value)
                for value in (
                    charge.charged_on.isoformat(),
                    case.strata.name,
                    case.strata.plan_number,
                    charge.unit.strata_lot_number or "",
                    charge.unit.unit_number,
                    case.reference,
                    charge.liable_person.full_name,
                    charge.bylaw.number,
                    charge.get_kind_display(),
                    charge.description,
                    f"{charge.amount:.2f}",
                    f"{charge.paid:.2f}",
                    f"{charge.waived:.2f}",
                    f"{charge.balance:.2f}",
                )
            ]
        )
    return buffer.getvalue()


# --- forms ---------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount ($)"), max_digits=10)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=AdminDateWidget)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=gettext_lazy("Reference (cheque number, transfer id)"),
        max_length=100,
        required=False,
    )


class WaiverForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount waived ($)"), max_digits=10)
    meeting_on = forms.DateField(
        label=gettext_lazy("Council meeting date"), widget=AdminDateWidget, required=False
    )
    resolution = forms.CharField(
        label=gettext_lazy("Council's resolution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class LedgerFilterForm(forms.Form):
    """The CSV export's narrowing: a strata of the user's, and a date range."""

    strata = forms.ModelChoiceField(
        label=gettext_lazy("Strata"), queryset=Strata.objects.none(), required=False
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strata"].queryset = scope_to_stratas(
            Strata.objects.order_by("name"), user, Right.VIEW_LEDGER, via="pk"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError({"end": _("The end date is before the start date.")})
        return data


# --- filters -------------------------------------------------------------------------------


LedgerStrataFilter = strata_filter(Right.VIEW_LEDGER, "case__strata", gettext_lazy("strata"))


class HasBalanceFilter(admin.SimpleListFilter):
    title = gettext_lazy("balance")
    parameter_name = "owing"

    def lookups(self, request, model_admin):
        return [("yes", _("Owing")), ("no", _("Paid or waived in full"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(balance__gt=0)
        if self.value() == "no":
            return queryset.filter(balance__lte=0)
        return queryset


# --- the admin -----------------------------------------------------------------------------


@admin.register(Charge)
class ChargeAdmin(StrataScopedAdmin):
    """Charges with their balances; payments and waivers through the ledger services."""

    strata_path = "case__strata"
    view_right = Right.VIEW_LEDGER
    edit_right = Right.RECORD_PAYMENTS
    app_list_name = TITLE
    list_display = (
        "charged_on",
        "case_link",
        "unit",
        "liable_person",
        "bylaw_number",
        "kind",
        "amount",
        "paid_column",
        "waived_column",
        "balance_column",
    )
    list_select_related = ("case__strata", "unit", "liable_person", "bylaw")
    list_filter = (LedgerStrataFilter, "kind", HasBalanceFilter)
    search_fields = ("case__reference", "liable_person__full_name", "unit__unit_number")
    ordering = ("-charged_on", "-id")
    show_full_result_count = False
    list_per_page = 100
    fields = (
        "case_link",
        "kind",
        "description",
        "liable_person",
        "unit",
        "bylaw",
        "amount",
        "charged_on",
        "paid_column",
        "waived_column",
        "balance_column",
    )
    readonly_fields = fields

    # --- rows -----------------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = charges_visible_to(request.user)
        current = request.session.get(SESSION_STRATA_ID)
        return queryset.filter(case__strata_id=current) if current else queryset

    # --- read only: payments and waivers go through their services ---------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": TITLE,
            "export_url": self._url("export"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        charge = self.get_object(request, unquote(object_id))
        extra = {}
        if charge is not None and self.has_view_permission(request, charge):
            extra = self._charge_context(request, charge)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _charge_context(self, request, charge) -> dict:
        strata = charge.case.strata_id
        return {
            "payments": list(charge.payments.select_related("recorded_by")),
            "waivers": list(charge.waivers.select_related("recorded_by")),
            "may_record_payment": can(request.user, Right.RECORD_PAYMENTS, strata),
            "may_record_waiver": can(request.user, Right.RECORD_DECISIONS, strata),
            "payment_url": self._url("payment", charge.pk),
            "waiver_url": self._url("waiver", charge.pk),
            "strata_ledger_url": self._url("strata_ledger", strata),
            "person_ledger_url": self._url("person_ledger", charge.liable_person_id),
        }

    # --- columns ----------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("case"), ordering="case__reference")
    def case_link(self, charge):
        url = reverse(
            "admin:violations_violation_change",
            args=[charge.case_id],
            current_app=self.admin_site.name,
        )
        return format_html('<a href="{}">{}</a>', url, charge.case.reference)

    @admin.display(description=gettext_lazy("bylaw"), ordering="bylaw__number")
    def bylaw_number(self, charge):
        return charge.bylaw.number

    @admin.display(description=gettext_lazy("paid"), ordering="paid")
    def paid_column(self, charge):
        return f"{charge.paid:.2f}"

    @admin.display(description=gettext_lazy("waived"), ordering="waived")
    def waived_column(self, charge):
        return f"{charge.waived:.2f}"

    @admin.display(description=gettext_lazy("balance"), ordering="balance")
    def balance_column(self, charge):
        return f"{charge.balance:.2f}"

    # --- pages of its own -------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name=self._name("export")),
            path(
                "strata/<int:strata_id>/",
                view(self.strata_ledger_view),
                name=self._name("strata_ledger"),
            ),
            path(
                "person/<int:person_id>/",
                view(self.person_ledger_view),
                name=self._name("person_ledger"),
            ),
            path("<path:object_id>/payment/", view(self.payment_view), name=self._name("payment")),
            path("<path:object_id>/waiver/", view(self.waiver_view), name=self._name("waiver")),
            *super().get_urls(),
        ]

    def _name(self, page: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{page}"

    def _url(self, page: str, *args) -> str:
        return reverse(f"admin:{self._name(page)}", args=args, current_app=self.admin_site.name)

    def _ledger_stratas(self, request) -> set[int] | None:
        """The stratas whose ledger the user reads (None: all); 403 for none at all."""
        if not can(request.user, Right.VIEW_LEDGER):
            raise PermissionDenied
        return strata_ids_with(request.user, Right.VIEW_LEDGER)

    def _context(self, request, title, **extra) -> dict:
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "changelist_url": self._url("changelist"),
            **extra,
        }

    # --- payments and waivers ---------------------------------------------------------------
    def payment_view(self, request, object_id):
        return self._record_view(
            request,
            object_id,
            right=Right.RECORD_PAYMENTS,
            form_class=PaymentForm,
            service=payment_record,
            title=_("Record payment"),
            done=_("Payment of $%(amount)s recorded on %(case)s; $%(balance)s owing."),
        )

    def waiver_view(self, request, object_id):
        return self._record_view(
            request,
            object_id,
            right=Right.RECORD_DECISIONS,
            form_class=WaiverForm,
            service=waiver_record,
            title=_("Record waiver"),
            done=_("Waiver of $%(amount)s recorded on %(case)s; $%(balance)s owing."),
        )

    def _record_view(self, request, object_id, *, right, form_class, service, title, done):
        self._ledger_stratas(request)
        charge = self.get_object(request, unquote(object_id))
        if charge is None:
            raise Http404(_("No such charge of yours."))
        if not can(request.user, right, charge.case.strata_id):
            raise PermissionDenied
        today = strata_today(charge.case.strata)
        initial = {"paid_on": today, "amount": charge.balance.quantize(CENT)}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                record = service(
                    charge=charge,
                    actor=request.user,
                    context=AuditContext.from_request(request),
                    **form.cleaned_data,
                )
            except ValidationError as refusal:
                attach_errors(form, refusal)
            else:
                balance = self.get_queryset(request).get(pk=charge.pk).balance
                self.message_user(
                    request,
                    done
                    % {
                        "amount": record.amount.quantize(CENT),
                        "case": charge.case.reference,
                        "balance": balance.quantize(CENT),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._url("change", charge.pk))
        context = self._context(
            request,
            f"{title} — {charge.case.reference}",
            charge=charge,
            form=form,
            action=title,
            media=self.media + form.media,
            charge_url=self._url("change", charge.pk),
        )
        return TemplateResponse(request, f"{TEMPLATES}/record.html", context)

    # --- ledgers ----------------------------------------------------------------------------
    def strata_ledger_view(self, request, strata_id):
        allowed = self._ledger_stratas(request)
        if allowed is not None and strata_id not in allowed:
            raise Http404(_("No such strata of yours."))
        strata = get_object_or_404(Strata, pk=strata_id)
        charges = ledger_rows(request.user, strata=strata)
        return self._ledger_page(
            request,
            charges,
            title=_("Fines ledger — %(strata)s (%(plan)s)")
            % {"strata": strata.name, "plan": strata.plan_number},
            export_url=f"{self._url('export')}?strata={strata.pk}",
        )

    def person_ledger_view(self, request, person_id):
        allowed = self._ledger_stratas(request)
        person = Person.objects.select_related("strata").filter(pk=person_id).first()
        if person is None or (allowed is not None and person.strata_id not in allowed):
            raise Http404(_("No such person of yours."))
        charges = ledger_rows(request.user, person=person)
        return self._ledger_page(
            request,
            charges,
            title=_("Fines ledger — %(person)s (%(strata)s)")
            % {"person": person.full_name, "strata": person.strata.name},
            export_url=None,
        )

    def _ledger_page(self, request, charges, *, title, export_url):
        rows = list(charges)
        for charge in rows:
            charge.url = self._url("change", charge.pk)
            charge.case_url = reverse(
                "admin:violations_violation_change",
                args=[charge.case_id],
                current_app=self.admin_site.name,
            )
        context = self._context(
            request,
            title,
            charges=rows,
            totals=ledger_totals(charges),
            export_url=export_url,
        )
        return TemplateResponse(request, f"{TEMPLATES}/ledger.html", context)

    def export_view(self, request):
        """The ledger as CSV, narrowed by ``strata``, ``start`` and ``end`` (inclusive)."""
        self._ledger_stratas(request)
        form = LedgerFilterForm(request.GET or None, user=request.user)
        if request.GET and not form.is_valid():
            errors = "; ".join(
                f"{form.fields[name].label if name in form.fields else ''}: {' '.join(e)}"
                for name, e in form.errors.items()
            )
            self.message_user(
                request, _("Nothing exported. %(errors)s") % {"errors": errors}, messages.ERROR
            )
            return HttpResponseRedirect(self._url("changelist"))
        data = form.cleaned_data if request.GET else {}
        charges = ledger_rows(
            request.user, strata=data.get("strata"), start=data.get("start"), end=data.get("end")
        )
        charges = list(charges)
        ledger_export_record(
            actor=request.user,
            strata=data.get("strata"),
            filters={
                "strata": str(data["strata"].uuid) if data.get("strata") else None,
                "start": data["start"].isoformat() if data.get("start") else None,
                "end": data["end"].isoformat() if data.get("end") else None,
            },
            rows=len(charges),
            context=AuditContext.from_request(request),
        )
        response = HttpResponse(ledger_csv(charges), content_type="text/csv; charset=utf-8")
        filename = f"fines-ledger-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
