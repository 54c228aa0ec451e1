"""The staff permission matrix, through the admin (DESIGN §5 and §9, STYLE "Tests").

Every admin registered for a model of ``accounts``, ``properties``, ``communications`` or
``violations`` has a grid in ``MATRIX``: a row per page, a column per role, and in each cell what
that page answers that user. A world of two stratas (``strata`` is "own", ``other_strata`` is
"other") with one record of each model in each (and, for enforcement, the cases each transition
row needs) is built once per worker and rolled back to after every case. The matrix fails when
an admin, an admin URL, a URL of the site's own, an autocomplete field or a foreign-key choice
on an add form has no row, so a new one must be added here.

Recusal is not a column: a recused council member answers as council everywhere but on the
cases they are recused from, which ``test_recused_member_cannot_reach_the_case`` and its
neighbours cover page by page. The evidence download, outside the admin, has its own small
matrix (``EVIDENCE``), with the recused member as a column; so has a tenancy's Form K download
(``FORM_K``), and the page where an invited person accepts a staff role (``ACCEPT_CASES``), with
the invited account as a column.

Outcomes:

- ``login``  302 to the admin login page (anonymous, residents, ended memberships).
- ``403``    PermissionDenied; the page shows nothing of the record.
- ``404``    Not found, from the admin's own views (the template editor) for a strata outside the
             user's: the same answer as for a strata that does not exist.
- ``405``    a button's URL (a campaign's send, schedule, …) opened without its POST, by one who
             may press it; nothing is done.
- ``index``  302 to the admin index with Django's "… doesn't exist" warning and an empty body:
             what the admin does for a record outside the user's queryset, the same answer as
             for an id that does not exist (existence is not revealed).
- ``view``   200, the record shown read-only (no Save button).
- ``edit``   200, the record in a form with a Save button.
- ``200``    the page answers (add, import, export, history, password).
- ``shared`` a button's POST (``POSTED``) did what it asks: 302 back to the case page with
             a success message, the file now shared with the parties.
- ``form``   200, a transition's form on the case (the case's reference shown).
- ``pdf``    200, a PDF (``nosniff``) whose text, as a PDF reader extracts it, holds the
             record's: a letter as issued, a letter template's preview, a case file. Every PDF
             here is rendered by WeasyPrint, as in production.
- ``zip``    200, a ZIP (``nosniff``) holding the record's text: a case file's originals.
- ``own``/``other``/``both``  200 and exactly those of the two records listed (changelists,
             the email templates' list of stratas, autocomplete results, dashboard stratas and
             outbox figures, foreign-key choices).
- ``shown``/``hidden``  the model's entry on the dashboard's app list.
"""

import copy
import csv
import datetime as dt
import io
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.forms import ModelChoiceField
from django.forms.models import InlineForeignKeyField
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.middleware import SESSION_STRATA_ID
from accounts.models import AuditLog, Strata, StrataMembership, User
from accounts.strata_time import strata_today
from campaigns.models import Announcement, Campaign, CampaignTemplate
from properties.models import Occupancy, Person, Unit
from tests import people
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.admin_forms import form_data
from tests.built_once import rows_kept_for_the_scope
from tests.communications.factories import (
    EmailTemplateFactory,
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import (
    BikeLockerFactory,
    OccupancyFactory,
    ParkingSpotFactory,
    PersonFactory,
    RegisterImportJobFactory,
    StorageLockerFactory,
)
from tests.violations.charges import charge_on
from tests.violations.factories import (
    BylawCategoryFactory,
    BylawFactory,
    EvidenceFactory,
    LetterTemplateFactory,
    ViolationCategoryFactory,
    ViolationFactory,
)
from violations import services as violation_services
from violations.admin.case_forms import FORMS
from violations.domain.workflow import TRANSITIONS
from violations.models import (
    CaseFileExport,
    CaseParty,
    Complaint,
    Decision,
    DeliveryMethod,
    DeliveryStatus,
    FineProposal,
    LetterDelivery,
    LetterKind,
    Payment,
    Response,
    Status,
    Violation,
    ViolationEvent,
)
from violations.services import approval_links
from violations.services.case_file import case_file_export

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "resident",
    "ended",
    "caretaker",
    "council",
    "manager",
    "other_manager",
    "superuser",
)
APPS = ("accounts", "properties", "communications", "violations", "campaigns")


def grid(**rows: str) -> dict[str, dict[str, str]]:
    """``page="login login …"`` (one word per role, in ``ROLES`` order) → {page: {role: word}}."""
    parsed = {}
    for page, row in rows.items():
        words = row.split()
        assert len(words) == len(ROLES), f"{page}: {len(words)} cells for {len(ROLES)} roles"
        parsed[page] = dict(zip(ROLES, words, strict=True))
    return parsed


# fmt: off
# The register's admins.
# Columns:                  anonymous resident ended caretaker council manager other_mgr superuser
REGISTER = grid(
    dashboard=              "login  login  login  shown  shown  shown  shown  shown",
    changelist=             "login  login  login  own    own    own    other  both",
    add=                    "login  login  login  403    403    200    200    200",
    change_own=             "login  login  login  view   view   edit   index  edit",
    change_other=           "login  login  login  index  index  index  edit   edit",
    history_own=            "login  login  login  200    200    200    index  200",
    history_other=          "login  login  login  index  index  index  200    200",
    delete_own=             "login  login  login  403    403    403    403    403",
    import_=                "login  login  login  403    403    200    200    200",
    export=                 "login  login  login  200    200    200    200    200",
)
OUTBOX = grid(
    dashboard=              "login  login  login  hidden hidden shown  shown  shown",
    changelist=             "login  login  login  403    403    own    other  both",
    add=                    "login  login  login  403    403    403    403    403",
    change_own=             "login  login  login  403    403    view   index  view",
    change_other=           "login  login  login  403    403    index  view   view",
    history_own=            "login  login  login  index  index  200    index  200",
    history_other=          "login  login  login  index  index  index  200    200",
    delete_own=             "login  login  login  403    403    403    403    403",
)
# Bylaws, rules and their categories: every staff member reads them (VIEW_REGISTER); a strata's
# managers and council edit them (EDIT_BYLAWS, DESIGN §5 "bylaws: edit, import"); nobody deletes.
BYLAWS = grid(
    dashboard=              "login  login  login  shown  shown  shown  shown  shown",
    changelist=             "login  login  login  own    own    own    other  both",
    add=                    "login  login  login  403    200    200    200    200",
    change_own=             "login  login  login  view   edit   edit   index  edit",
    change_other=           "login  login  login  index  index  index  edit   edit",
    history_own=            "login  login  login  200    200    200    index  200",
    history_other=          "login  login  login  index  index  index  200    200",
    delete_own=             "login  login  login  403    403    403    403    403",
)
MATRIX = {
    "accounts.strata": grid(
        dashboard=          "login  login  login  shown  shown  shown  shown  shown",
        changelist=         "login  login  login  own    own    own    other  both",
        add=                "login  login  login  403    403    403    403    200",
        change_own=         "login  login  login  view   view   edit   index  edit",
        change_other=       "login  login  login  index  index  index  edit   edit",
        history_own=        "login  login  login  200    200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "accounts.user": grid(
        dashboard=          "login  login  login  hidden hidden hidden hidden shown",
        changelist=         "login  login  login  403    403    403    403    both",
        add=                "login  login  login  403    403    403    403    200",
        change_own=         "login  login  login  403    403    403    403    edit",
        change_other=       "login  login  login  403    403    403    403    edit",
        history_own=        "login  login  login  403    403    403    403    200",
        history_other=      "login  login  login  403    403    403    403    200",
        delete_own=         "login  login  login  403    403    403    403    403",
        password_change_own="login  login  login  403    403    403    403    200",
    ),
    # Memberships are invited and ended, never edited; the history page looks the record up
    # before it checks rights, so a record outside the queryset redirects there, not 403.
    "accounts.stratamembership": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    200    200    200",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "accounts.auditlog": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    "properties.unit": REGISTER,
    "properties.person": REGISTER,
    "properties.occupancy": REGISTER,
    "properties.parkingspot": REGISTER,
    "properties.storagelocker": REGISTER,
    "properties.bikelocker": REGISTER,
    # Background register imports: read by those who import into the strata (IMPORT_REGISTER:
    # managers); the import page starts one, so nobody adds, changes or deletes one here.
    "properties.registerimportjob": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    # The outbox and what hangs off it: managers of the strata (MANAGE_OUTBOX) read it; the
    # outbox service writes it, so nobody adds, changes or deletes in the admin.
    "communications.outboundemail": OUTBOX,
    "communications.trackingevent": OUTBOX,
    # Address-wide, seen by managers for the addresses their stratas know; added through
    # suppression_add, never changed; lifted (deleted) by superusers only.
    "communications.suppression": grid(
        dashboard=          "login  login  login  hidden hidden shown  shown  shown",
        changelist=         "login  login  login  403    403    own    other  both",
        add=                "login  login  login  403    403    200    200    200",
        change_own=         "login  login  login  403    403    view   index  view",
        change_other=       "login  login  login  403    403    index  view   view",
        history_own=        "login  login  login  index  index  200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    200",
    ),
    # The changelist is the list of templates with the user's stratas (each linking to its
    # editor); a saved version is read-only; the editor is per strata and template.
    "communications.emailtemplate": {
        **OUTBOX,
        **grid(
            edit_own=       "login  login  login  403    403    edit   404    edit",
            edit_other=     "login  login  login  403    403    404    edit   edit",
        ),
    },
    "violations.bylaw": {
        **BYLAWS,
        **grid(
            import_=        "login  login  login  403    200    200    200    200",
        ),
    },
    "violations.bylawcategory": BYLAWS,
    "violations.violationcategory": BYLAWS,
    # Cases (VIEW_CASES, less recused cases: test_recused_member_cannot_reach_the_case). Every
    # staff role files (FILE_CASES); a change is a transition, each on its own page that only
    # the transition's right opens (a case of another strata is not found: 404). Managers and
    # council review (reject) and record decisions; only a council member of the strata
    # approves a notice, not a manager nor a superuser. Every staff role adds evidence
    # (FILE_CASES). The letter and its PDF as issued are part of the case's staff view.
    "violations.violation": grid(
        dashboard=          "login  login  login  shown  shown  shown  shown  shown",
        changelist=         "login  login  login  own    own    own    other  both",
        add=                "login  login  login  200    200    200    200    200",
        change_own=         "login  login  login  view   view   view   index  view",
        change_other=       "login  login  login  index  index  index  view   view",
        history_own=        "login  login  login  200    200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
        add_complaint_own=  "login  login  login  form   form   form   404    form",
        add_complaint_other="login  login  login  404    404    404    form   form",
        reject_own=         "login  login  login  403    form   form   404    form",
        reject_other=       "login  login  login  404    404    404    form   form",
        approve_notice_own= "login  login  login  403    form   403    404    403",
        approve_notice_other="login login  login  404    404    404    403    403",
        record_decision_own="login  login  login  403    form   form   404    form",
        record_decision_other="login login login  404    404    404    form   form",
        evidence_add_own=   "login  login  login  form   form   form   404    form",
        evidence_add_other= "login  login  login  404    404    404    form   form",
        # Sharing a file with the parties (REVIEW_CASES: managers and council), posted.
        evidence_share_own= "login  login  login  403    shared shared 404    shared",
        evidence_share_other="login login  login  404    404    404    shared shared",
        letter_own=         "login  login  login  view   view   view   404    view",
        letter_other=       "login  login  login  404    404    404    view   view",
        letter_pdf_own=     "login  login  login  pdf    pdf    pdf    404    pdf",
        letter_pdf_other=   "login  login  login  404    404    404    pdf    pdf",
        remedy_cost_own=    "login  login  login  403    form   form   404    form",
        remedy_cost_other=  "login  login  login  404    404    404    form   form",
        # Correcting a recorded entry, one row per right that records it: a response
        # (REVIEW_CASES: managers and council), a payment (RECORD_PAYMENTS: managers).
        correct_response_own="login login  login  403    form   form   404    form",
        correct_response_other="login login login 404    404    404    form   form",
        correct_payment_own="login  login  login  403    403    form   404    form",
        correct_payment_other="login login  login  404    404    404    form   form",
        # The case file (EXPORT_CASE_FILES: managers and council): the export form, and each
        # export's PDF and ZIP.
        case_file_own=      "login  login  login  403    form   form   404    form",
        case_file_other=    "login  login  login  404    404    404    form   form",
        case_file_pdf_own=  "login  login  login  403    pdf    pdf    404    pdf",
        case_file_pdf_other="login  login  login  404    404    404    pdf    pdf",
        case_file_zip_own=  "login  login  login  403    zip    zip    404    zip",
        case_file_zip_other="login  login  login  404    404    404    zip    zip",
    ),
    # The print queue: pending paper services of the cases the user reviews (REVIEW_CASES);
    # its actions call the services, so nobody adds, changes or deletes a service here.
    "violations.letterdelivery": grid(
        dashboard=          "login  login  login  hidden shown  shown  shown  shown",
        changelist=         "login  login  login  403    own    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    view   view   index  view",
        change_other=       "login  login  login  403    index  index  view   view",
        history_own=        "login  login  login  index  200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    # The fines ledger (VIEW_LEDGER: managers and council; not caretakers). Charges come from
    # decisions, so nobody adds, changes or deletes one; a manager records payments
    # (RECORD_PAYMENTS), council or a manager records council's waiver (RECORD_DECISIONS). A
    # charge, strata or person outside the user's stratas is not found (404). The CSV export
    # answers with the user's own rows only (tests/violations/test_ledger_admin.py).
    "violations.charge": grid(
        dashboard=          "login  login  login  hidden shown  shown  shown  shown",
        changelist=         "login  login  login  403    own    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    view   view   index  view",
        change_other=       "login  login  login  403    index  index  view   view",
        history_own=        "login  login  login  index  200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
        export=             "login  login  login  403    200    200    200    200",
        payment_own=        "login  login  login  403    403    form   404    form",
        payment_other=      "login  login  login  403    404    404    form   form",
        waiver_own=         "login  login  login  403    form   form   404    form",
        waiver_other=       "login  login  login  403    404    404    form   form",
        strata_ledger_own=  "login  login  login  403    view   view   404    view",
        strata_ledger_other="login  login  login  403    404    404    view   view",
        person_ledger_own=  "login  login  login  403    view   view   404    view",
        person_ledger_other="login  login  login  403    404    404    view   view",
    ),
    # Continuing fines to confirm: the proposals of the cases the user reviews (REVIEW_CASES);
    # the daily job adds them and the confirm and dismiss pages call the services, so nobody
    # adds, changes or deletes one here. A caretaker is refused those pages (403); a proposal
    # of another strata is not found (404).
    "violations.fineproposal": grid(
        dashboard=          "login  login  login  hidden shown  shown  shown  shown",
        changelist=         "login  login  login  403    own    own    other  both",
        add=                "login  login  login  403    403    403    403    403",
        change_own=         "login  login  login  403    view   view   index  view",
        change_other=       "login  login  login  403    index  index  view   view",
        history_own=        "login  login  login  index  200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
        confirm_own=        "login  login  login  403    form   form   404    form",
        confirm_other=      "login  login  login  403    404    404    form   form",
        dismiss_own=        "login  login  login  403    form   form   404    form",
        dismiss_other=      "login  login  login  403    404    404    form   form",
    ),
    # Letter templates, built like the email templates (EDIT_TEMPLATES: managers), with a PDF
    # preview per (strata, letter).
    "violations.lettertemplate": {
        **OUTBOX,
        **grid(
            edit_own=       "login  login  login  403    403    edit   404    edit",
            edit_other=     "login  login  login  403    403    404    edit   edit",
            pdf_own=        "login  login  login  403    403    pdf    404    pdf",
            pdf_other=      "login  login  login  403    403    404    pdf    pdf",
        ),
    },
    # Announcements: a strata's managers and council post, change and end them
    # (POST_ANNOUNCEMENTS); nobody deletes one. Every staff role reads the current ones on the
    # dashboard (SITE's announcements_panel).
    "campaigns.announcement": grid(
        dashboard=          "login  login  login  hidden shown  shown  shown  shown",
        changelist=         "login  login  login  403    own    own    other  both",
        add=                "login  login  login  403    200    200    200    200",
        change_own=         "login  login  login  403    edit   edit   index  edit",
        change_other=       "login  login  login  403    index  index  edit   edit",
        history_own=        "login  login  login  index  200    200    index  200",
        history_other=      "login  login  login  index  index  index  200    200",
        delete_own=         "login  login  login  403    403    403    403    403",
    ),
    # Campaigns (SEND_CAMPAIGNS: managers). A draft is composed on its page; its own pages
    # (preview, progress JSON, report, CSV) are 404 for a campaign not the user's; its buttons
    # answer only a POST (405 to a GET from one who may press them;
    # tests/campaigns/test_campaign_admin.py presses them).
    "campaigns.campaign": {
        **OUTBOX,
        **grid(
            add=            "login  login  login  403    403    200    200    200",
            change_own=     "login  login  login  403    403    edit   index  edit",
            change_other=   "login  login  login  403    403    index  edit   edit",
        ),
        **{
            f"{page}_{side}": row
            for page, outcome in (
                ("preview", "view"), ("progress", "200"), ("report", "view"),
                ("report_csv", "200"), ("test_send", "405"), ("send", "405"),
                ("schedule", "405"), ("cancel", "405"),
            )
            for side, row in grid(
                own=        f"login  login  login  403    403    {outcome} 404 {outcome}",
                other=      f"login  login  login  403    403    404 {outcome} {outcome}",
            ).items()
        },
    },
    # Campaign templates: per strata, added and changed by its managers (SEND_CAMPAIGNS).
    "campaigns.campaigntemplate": {
        **OUTBOX,
        **grid(
            add=            "login  login  login  403    403    200    200    200",
            change_own=     "login  login  login  403    403    edit   index  edit",
            change_other=   "login  login  login  403    403    index  edit   edit",
        ),
    },
}

# The autocomplete endpoint answers with the *remote* model admin's queryset and view right,
# whichever form asks: one row per remote model.
AUTOCOMPLETE = grid(
    strata=                 "login  login  login  own    own    own    other  both",
    user=                   "login  login  login  403    403    403    403    both",
    unit=                   "login  login  login  own    own    own    other  both",
    person=                 "login  login  login  own    own    own    other  both",
    bylawcategory=          "login  login  login  own    own    own    other  both",
)

# The admin site's own pages.
SITE = grid(
    index=                  "login  login  login  own    own    own    other  both",
    switch_to_own=          "login  login  login  switched switched switched refused switched",
    switch_to_other=        "login  login  login  refused refused refused switched switched",
    outbox_panel=           "login  login  login  hidden hidden own    other  both",
    ledger_panel=           "login  login  login  hidden own    own    other  both",
    cases_panel=            "login  login  login  own    own    own    other  both",
    cases_awaiting_council= "login  login  login  403    own    own    other  both",
    repeat_offenders=       "login  login  login  own    own    own    other  both",
    repeat_offenders_panel= "login  login  login  own    own    own    other  both",
    announcements_panel=    "login  login  login  own    own    own    other  both",
    # Council meetings: a strata's agenda and its recording form (404 for a strata not
    # theirs), and the approval link emailed to the council member (403 for anyone else).
    meeting_agenda_own=     "login  login  login  404    200    200    404    200",
    meeting_agenda_other=   "login  login  login  404    404    404    200    200",
    meeting_record_own=     "login  login  login  404    200    200    404    200",
    meeting_record_other=   "login  login  login  404    404    404    200    200",
    notice_approval=        "login  login  login  403    form   403    403    403",
)
# fmt: on

# What each admin URL name (after ``<app>_<model>_``) is covered by. A new URL fails
# test_every_admin_url_is_in_the_matrix until it is added here and to the grids.
URL_PAGES = {
    "changelist": ("changelist",),
    "add": ("add",),
    "change": ("change_own", "change_other"),
    "history": ("history_own", "history_other"),
    "delete": ("delete_own",),
    "import": ("import_",),
    "export": ("export",),
    "auth_user_password_change": ("password_change_own",),
    "edit": ("edit_own", "edit_other"),  # the template editor of a (strata, template)
    "pdf": ("pdf_own", "pdf_other"),  # a letter template's PDF preview
    # A case's transition page, one row per kind of right (test_every_case_right_has_a_row).
    "transition": tuple(
        f"{name}_{side}"
        for name in ("add_complaint", "reject", "approve_notice", "record_decision")
        for side in ("own", "other")
    ),
    "evidence_add": ("evidence_add_own", "evidence_add_other"),  # files added to a case
    "evidence_share": ("evidence_share_own", "evidence_share_other"),  # shared with the parties
    "letter": ("letter_own", "letter_other"),  # a letter of a case, as issued
    "letter_pdf": ("letter_pdf_own", "letter_pdf_other"),
    # The fines ledger: a charge's payment and waiver forms, a strata's and a person's ledger.
    "payment": ("payment_own", "payment_other"),
    "waiver": ("waiver_own", "waiver_other"),
    "strata_ledger": ("strata_ledger_own", "strata_ledger_other"),
    "person_ledger": ("person_ledger_own", "person_ledger_other"),
    # A remedy cost on an upheld case; confirming or dismissing a continuing fine.
    "remedy_cost": ("remedy_cost_own", "remedy_cost_other"),
    # Correcting a recorded entry of a case: one row per right that records it.
    "correct": tuple(
        f"correct_{kind}_{side}" for kind in ("response", "payment") for side in ("own", "other")
    ),
    "confirm": ("confirm_own", "confirm_other"),
    "dismiss": ("dismiss_own", "dismiss_other"),
    # The case file export form, and an export's PDF or ZIP.
    "case_file": ("case_file_own", "case_file_other"),
    "case_file_download": tuple(
        f"case_file_{what}_{side}" for what in ("pdf", "zip") for side in ("own", "other")
    ),
    # POST-only; its permission check is test_process_import_needs_the_import_right.
    "process_import": (),
    # A campaign's pages and buttons.
    **{
        name: (f"{name}_own", f"{name}_other")
        for name in (
            "preview",
            "progress",
            "report",
            "report_csv",
            "test_send",
            "send",
            "schedule",
            "cancel",
        )
    },
}

# Foreign-key choices on each add form (the admin's form, or an inline's empty form) and the
# model they choose from. test_every_foreign_key_choice_is_in_the_matrix keeps this complete.
FK_CHOICES = {
    ("accounts.stratamembership", "form", "strata"): "strata",
    ("properties.unit", "form", "strata"): "strata",
    ("properties.unit", "OccupancyInline", "person"): "person",
    ("properties.unit", "OccupancyInline", "landlord"): "person",
    ("properties.person", "form", "strata"): "strata",
    # Logins have no strata: test_person_form_offers_a_manager_no_login_of_another_strata.
    ("properties.person", "form", "user"): None,
    ("properties.occupancy", "form", "unit"): "unit",
    ("properties.occupancy", "form", "person"): "person",
    ("properties.occupancy", "form", "landlord"): "person",
    ("properties.parkingspot", "form", "strata"): "strata",
    ("properties.parkingspot", "form", "unit"): "unit",
    ("properties.storagelocker", "form", "strata"): "strata",
    ("properties.storagelocker", "form", "unit"): "unit",
    ("properties.bikelocker", "form", "strata"): "strata",
    ("properties.bikelocker", "form", "unit"): "unit",
    ("violations.bylaw", "form", "strata"): "strata",
    ("violations.bylaw", "form", "category"): "bylawcategory",
    ("violations.bylawcategory", "form", "strata"): "strata",
    ("violations.violationcategory", "form", "strata"): "strata",
    ("violations.violationcategory", "form", "default_bylaws"): "bylaw",
    # Filing a case: the unit, its bylaws and category, and a complainant on the register.
    ("violations.violation", "form", "unit"): "unit",
    ("violations.violation", "form", "bylaws"): "bylaw",
    ("violations.violation", "form", "category"): "violationcategory",
    ("violations.violation", "form", "complainant"): "person",
    # Composing a campaign (a form of its own): its stratas, template and audience.
    ("campaigns.campaign", "form", "stratas"): "strata",
    ("campaigns.campaign", "form", "template"): "campaigntemplate",
    ("campaigns.campaign", "form", "units"): "unit",
    ("campaigns.campaign", "form", "persons"): "person",
    ("campaigns.campaigntemplate", "form", "strata"): "strata",
    ("campaigns.announcement", "form", "strata"): "strata",
}
# Who reaches an add form, and whose records its choices must offer.
FK_EXPECTED = {"manager": "own", "other_manager": "other", "superuser": "both"}


# Autocomplete widgets an admin's own form sets up (not in ``autocomplete_fields``): the unit
# when filing a case. test_every_autocomplete_widget_is_in_the_matrix keeps this complete.
FORM_AUTOCOMPLETE = {("violations.violation", "unit", "unit")}


def registered_admins() -> dict[str, admin.ModelAdmin]:
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }


def autocomplete_fields() -> list[tuple[str, str, str]]:
    """(source model label, field, remote model name) for every autocomplete widget."""
    found = set()
    for model_admin in registered_admins().values():
        holders = [
            model_admin,
            *(inline(model_admin.model, admin.site) for inline in model_admin.inlines),
        ]
        for holder in holders:
            for name in holder.autocomplete_fields:
                field = holder.model._meta.get_field(name)
                found.add(
                    (holder.model._meta.label_lower, name, field.related_model._meta.model_name)
                )
    return sorted(found | FORM_AUTOCOMPLETE)


# --- the world --------------------------------------------------------------------------------


MATRIX_SETTINGS = {
    # Hundreds of cases log a dozen users in: hash the world's passwords cheaply.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per run of this module on a worker (not once per case): each case
    gets its own copy of it (``world``)."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        override_settings(MEDIA_ROOT=str(media), **MATRIX_SETTINGS),
        rows_kept_for_the_scope(django_db_blocker),
    ):
        built = build_world()
        built.media_root = str(media)
        yield built


@pytest.fixture
def world(_world_once, db):
    return copy.deepcopy(_world_once)


@pytest.fixture(autouse=True)
def _plain_storage(settings, _world_once):
    """The world's private files stay where it wrote them."""
    for name, value in MATRIX_SETTINGS.items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = _world_once.media_root


# This module's people are the world's (the same people conftest's fixtures make).
@pytest.fixture
def strata(world):
    return world.stratas[0]


@pytest.fixture
def other_strata(world):
    return world.stratas[1]


@pytest.fixture
def manager(world):
    return world.users["manager"]


@pytest.fixture
def council_member(world):
    return world.users["council"]


@pytest.fixture
def caretaker(world):
    return world.users["caretaker"]


@pytest.fixture
def other_manager(world):
    return world.users["other_manager"]


@pytest.fixture
def superuser(world):
    return world.users["superuser"]


@pytest.fixture
def unit(world):
    return world.objects["properties.unit"][0]


@pytest.fixture
def other_unit(world):
    return world.objects["properties.unit"][1]


@pytest.fixture
def owner(world):
    return world.objects["properties.person"][0]


def build_world() -> SimpleNamespace:
    """Every role, and one record of every model in each of the two stratas."""
    strata, other_strata = people.harbour_view(), people.cedar_grove()
    manager = people.manager_of(strata)
    council_member = people.council_member_of(strata)
    caretaker = people.caretaker_of(strata)
    other_manager = people.other_manager_of(other_strata)
    superuser = people.superuser()
    unit, other_unit = people.unit_101(strata), people.unit_9(other_strata)
    owner = people.owner_of(unit)
    # A role that ended yesterday in the strata's own days (the rule memberships follow).
    today = strata_today(strata)
    ended = MembershipFactory(
        strata=strata,
        role=StrataMembership.Role.MANAGER,
        user=UserFactory(email="ended@example.test", full_name="Eddie Ended"),
        starts_on=today - dt.timedelta(days=365),
        ends_on=today - dt.timedelta(days=1),
    ).user
    resident = UserFactory(email="rita.resident@example.test", full_name="Rita Resident")
    PersonFactory(strata=strata, full_name="Rita Resident", user=resident)

    owner.full_name = "Olive Owner"
    owner.email = "olive.owner@example.test"
    owner.save()
    unit.notes = "Own unit notes"
    unit.save()
    other_unit.notes = "Other unit notes"
    other_unit.save()
    outsider = PersonFactory(
        strata=other_strata, full_name="Otto Outsider", email="otto.outsider@example.test"
    )
    other_occupancy = OccupancyFactory(unit=other_unit, person=outsider)

    def membership(strata, name):
        email = f"{name.split()[0].lower()}@example.test"
        return MembershipFactory(
            strata=strata,
            role=StrataMembership.Role.COUNCIL,
            user=UserFactory(email=email, full_name=name),
        )

    def audit(strata, actor, label):
        return AuditLog.objects.create(
            actor=actor,
            actor_label=actor.email,
            action="register.unit_changed",
            strata=strata,
            target_label=label,
        )

    def facilities(factory, prefix):
        return (
            factory(strata=strata, unit=unit, identifier=f"{prefix}-OWN"),
            factory(strata=other_strata, unit=other_unit, identifier=f"{prefix}-OTHER"),
        )

    objects = {
        "accounts.strata": (strata, other_strata),
        "accounts.user": (resident, other_manager),
        "accounts.stratamembership": (
            membership(strata, "Mona Member"),
            membership(other_strata, "Oscar Othermember"),
        ),
        "accounts.auditlog": (
            audit(strata, manager, "Own audit target"),
            audit(other_strata, other_manager, "Other audit target"),
        ),
        "properties.unit": (unit, other_unit),
        "properties.person": (owner, outsider),
        "properties.occupancy": (Occupancy.objects.get(person=owner), other_occupancy),
        "properties.parkingspot": facilities(ParkingSpotFactory, "P"),
        "properties.storagelocker": facilities(StorageLockerFactory, "S"),
        "properties.bikelocker": facilities(BikeLockerFactory, "B"),
        "properties.registerimportjob": (
            RegisterImportJobFactory(strata=strata, created_by=manager, file_name="own-units.csv"),
            RegisterImportJobFactory(
                strata=other_strata, created_by=other_manager, file_name="other-units.csv"
            ),
        ),
    }
    emails = (
        OutboundEmailFactory(strata=strata, to_address=owner.email, subject="Own outbox mail"),
        OutboundEmailFactory(strata=other_strata, to_address=outsider.email, subject="Other mail"),
    )
    objects |= {
        "communications.outboundemail": emails,
        "communications.trackingevent": tuple(
            TrackingEventFactory(email=email, url=f"https://example.test/{label}-click")
            for email, label in zip(emails, ("own", "other"), strict=True)
        ),
        "communications.suppression": (
            SuppressionFactory(address=owner.email),
            SuppressionFactory(address=outsider.email),
        ),
        "communications.emailtemplate": (
            EmailTemplateFactory(strata=strata, version=1, subject="Own wording {{ role }}"),
            EmailTemplateFactory(
                strata=other_strata, version=1, subject="Other wording {{ role }}"
            ),
        ),
    }
    # Text each record's change page shows, and no other page of these tests does.
    markers = {
        "accounts.strata": ("Harbour View", "Cedar Grove"),
        "accounts.user": ("rita.resident@example.test", "other-manager@example.test"),
        "accounts.stratamembership": ("Mona Member", "Oscar Othermember"),
        "accounts.auditlog": ("Own audit target", "Other audit target"),
        "properties.unit": ("Own unit notes", "Other unit notes"),
        "properties.person": ("Olive Owner", "Otto Outsider"),
        "properties.occupancy": ("Olive Owner", "Otto Outsider"),
        "properties.parkingspot": ("P-OWN", "P-OTHER"),
        "properties.storagelocker": ("S-OWN", "S-OTHER"),
        "properties.bikelocker": ("B-OWN", "B-OTHER"),
        "properties.registerimportjob": ("own-units.csv", "other-units.csv"),
        "communications.outboundemail": ("Own outbox mail", "Other mail"),
        "communications.trackingevent": (
            "https://example.test/own-click",
            "https://example.test/other-click",
        ),
        "communications.suppression": ("olive.owner@example.test", "otto.outsider@example.test"),
        "communications.emailtemplate": ("Own wording {{ role }}", "Other wording {{ role }}"),
    }
    campaigns = campaigns_world(manager, other_manager, (strata, other_strata))
    objects |= campaigns.objects
    markers |= campaigns.markers
    # An announcement shown now in each strata (posted yesterday, no end).
    objects["campaigns.announcement"] = tuple(
        Announcement.objects.create(
            strata=place,
            title=f"{side} announcement title",
            body_markdown=f"{side} announcement body",
            body_html=f"<p>{side} announcement body</p>",
            starts_at=timezone.now() - dt.timedelta(days=1),
            created_by=poster,
        )
        for side, place, poster in (
            ("Own", strata, manager),
            ("Other", other_strata, other_manager),
        )
    )
    markers["campaigns.announcement"] = ("Own announcement title", "Other announcement title")
    form_ks = tuple(
        form_k_on(occupancy, f"{side}-form-k.pdf")
        for occupancy, side in zip(objects["properties.occupancy"], ("own", "other"), strict=True)
    )
    enforcement = violations_world(manager, other_manager, (unit, other_unit))
    objects |= enforcement.objects
    markers |= enforcement.markers
    users = {
        "anonymous": None,
        "resident": resident,
        "ended": ended,
        "caretaker": caretaker,
        "council": council_member,
        "manager": manager,
        "other_manager": other_manager,
        "superuser": superuser,
    }
    by_model = {label.split(".")[1]: pair for label, pair in objects.items()}
    return SimpleNamespace(
        users=users,
        objects=objects,
        by_model=by_model,
        markers=markers,
        stratas=(strata, other_strata),
        page_records=enforcement.page_records,
        page_markers=enforcement.page_markers,
        evidence=enforcement.evidence,
        form_ks=form_ks,
    )


def campaigns_world(manager, other_manager, stratas) -> SimpleNamespace:
    """A draft campaign to everyone and a campaign template in each strata."""
    objects: dict[str, list] = {}
    markers: dict[str, list] = {}
    for side, strata, actor in (("Own", stratas[0], manager), ("Other", stratas[1], other_manager)):
        campaign = Campaign.objects.create(
            title=f"{side} campaign title",
            subject=f"{side} campaign subject",
            body_markdown="Hello {{ recipient_name }}.",
            audience={"groups": ["all"]},
            created_by=actor,
        )
        campaign.stratas.set([strata])
        template = CampaignTemplate.objects.create(
            strata=strata,
            name=f"{side} campaign template",
            subject="News",
            body_markdown=f"{side} template wording",
        )
        for label, record, marker in (
            ("campaigns.campaign", campaign, f"{side} campaign title"),
            ("campaigns.campaigntemplate", template, f"{side} template wording"),
        ):
            objects.setdefault(label, []).append(record)
            markers.setdefault(label, []).append(marker)
    return SimpleNamespace(
        objects={label: tuple(pair) for label, pair in objects.items()},
        markers={label: tuple(pair) for label, pair in markers.items()},
    )


def violations_world(manager, other_manager, units) -> SimpleNamespace:
    """Enforcement's records in each strata, on its unit 101 / 9, built through the services:

    - a bylaw, a bylaw category and a violation category;
    - case A, reported (the case admin's record; its transitions ``add_complaint`` and
      ``reject``), with a photo as evidence;
    - case B, its notice prepared and waiting for council's approval (``approve_notice``);
    - case C, its notice sent: the owner gave no email for notices, so the notice (an issued
      letter with its PDF) waits in the print queue as a pending mail service (the print
      queue's record; ``record_decision``, the letter and its PDF);
    - case D, decided upheld, with a fine charged to a person of the unit (the ledger's record,
      its payment and waiver forms, and the strata's and the person's ledger);
    - a letter template of the strata's own (the hearing notice, which no case here uses).

    Both stratas then require one council approval of a notice (case C was sent before).
    """
    pairs: dict[str, list] = {}
    markers: dict[str, list] = {}
    page_records: dict[str, list] = {}
    page_markers: dict[str, list] = {}
    evidence = []
    for side, unit, actor, number in (
        ("Own", units[0], manager, 1),
        ("Other", units[1], other_manager, 2),
    ):
        strata = unit.strata
        bylaw = BylawFactory(strata=strata, number=f"{number}.9", title=f"{side} bylaw title")
        records = {
            "violations.bylaw": bylaw,
            "violations.bylawcategory": BylawCategoryFactory(
                strata=strata, name=f"{side} bylaw category"
            ),
            "violations.violationcategory": ViolationCategoryFactory(
                strata=strata, name=f"{side} violation category"
            ),
        }

        def case(letter, status_description, unit=unit, bylaw=bylaw, number=number):
            return ViolationFactory(
                unit=unit,
                bylaws=[bylaw],
                reference=f"VIO-20261101-{number}0{letter}",
                description=status_description,
            )

        reported = case("1", f"{side} case description")
        pending = case("2", "Case waiting for approval")
        sent = case("3", "Case whose notice was sent")
        for prepared in (pending, sent):
            violation_services.violation_prepare_notice(
                case=prepared, actor=actor, respondent_role="owners"
            )
        letter = violation_services.violation_send_notice(case=sent, actor=actor)
        service = LetterDelivery.objects.get(
            letter=letter, method=DeliveryMethod.MAIL, status=DeliveryStatus.PENDING
        )
        records |= {
            "violations.violation": reported,
            "violations.letterdelivery": service,
            "violations.lettertemplate": LetterTemplateFactory(
                strata=strata,
                kind=LetterKind.HEARING_NOTICE,
                body_html=f"<p>{side} letter wording</p>",
            ),
        }
        for label, record in records.items():
            pairs.setdefault(label, []).append(record)
        for label, marker in {
            "violations.bylaw": f"{side} bylaw title",
            "violations.bylawcategory": f"{side} bylaw category",
            "violations.violationcategory": f"{side} violation category",
            "violations.violation": f"{side} case description",
            "violations.letterdelivery": service.address.splitlines()[0],
            "violations.lettertemplate": f"{side} letter wording",
        }.items():
            markers.setdefault(label, []).append(marker)
        for page, record in {
            "add_complaint": reported,
            "reject": reported,
            "evidence_add": reported,
            "approve_notice": pending,
            "record_decision": sent,
            "letter": letter,
            "letter_pdf": letter,
        }.items():
            page_records.setdefault(page, []).append(record)
            # What a transition's or a letter's page shows of its case: the reference.
            reference = getattr(record, "reference", None) or record.case.reference
            page_markers.setdefault(page, []).append(reference)
        # case D, decided upheld, its fine owed by a person of the unit (the ledger's record).
        liable = PersonFactory(strata=strata, full_name=f"{side} Liable Person")
        charge = charge_on(
            unit,
            liable,
            actor,
            reference=f"VIO-20261101-{number}04",
            description=f"{side} ledger charge",
        )
        pairs.setdefault("violations.charge", []).append(charge)
        markers.setdefault("violations.charge", []).append(f"{side} ledger charge")
        for page, record in {
            "payment": charge,
            "waiver": charge,
            "strata_ledger": strata,
            "person_ledger": liable,
        }.items():
            page_records.setdefault(page, []).append(record)
            page_markers.setdefault(page, []).append(f"{side} ledger charge")
        # case D's fine is continuing, and its next fine waits to be confirmed.
        Decision.objects.filter(case=charge.case).update(
            outcome=Decision.Outcome.UPHELD_CONTINUING, continuing_every_days=7
        )
        proposal = FineProposal.objects.create(
            case=charge.case, decision=charge.decision, due_on=dt.date(2026, 11, 27)
        )
        pairs.setdefault("violations.fineproposal", []).append(proposal)
        markers.setdefault("violations.fineproposal", []).append(charge.case.reference)
        # case D's response (recorded on paper) and a payment of its fine, to correct.
        respondent = CaseParty.objects.create(
            case=charge.case, person=liable, role=CaseParty.Role.RESPONDENT, required=False
        )
        response = Response.objects.create(
            case=charge.case,
            party=respondent,
            received_at=timezone.now(),
            channel=Response.Channel.LETTER,
            text=f"{side} response",
            recorded_by=actor,
        )
        payment = Payment.objects.create(
            charge=charge,
            amount=Decimal("20.00"),
            paid_on=charge.charged_on,
            method=Payment.Method.CHEQUE,
            recorded_by=actor,
        )
        for page, record in {
            "remedy_cost": charge.case,
            "confirm": proposal,
            "dismiss": proposal,
            "correct_response": response,
            "correct_payment": payment,
        }.items():
            page_records.setdefault(page, []).append(record)
            page_markers.setdefault(page, []).append(charge.case.reference)
        photo = EvidenceFactory(case=reported, original_name=f"{side.lower()}.jpg")
        evidence.append(photo)
        page_records.setdefault("evidence_share", []).append(photo)
        page_markers.setdefault("evidence_share", []).append(reported.reference)
        # case A's case file: the export form, and an export's PDF and ZIP.
        export = case_file_export(
            case=reported, actor=actor, purpose=CaseFileExport.Purpose.COUNCIL
        )
        for page, record in {
            "case_file": reported,
            "case_file_pdf": export,
            "case_file_zip": export,
        }.items():
            page_records.setdefault(page, []).append(record)
            page_markers.setdefault(page, []).append(reported.reference)
        for built in (pending, sent):
            built.refresh_from_db()
        assert (reported.status, pending.status, sent.status) == (
            Status.REPORTED,
            Status.NOTICE_PENDING_APPROVAL,
            Status.NOTICE_SENT,
        )
    for unit in units:
        unit.strata.notice_approvals_required = 1
        unit.strata.save(update_fields=["notice_approvals_required"])
    return SimpleNamespace(
        objects={label: tuple(pair) for label, pair in pairs.items()},
        markers={label: tuple(pair) for label, pair in markers.items()},
        page_records={page: tuple(pair) for page, pair in page_records.items()},
        page_markers={page: tuple(pair) for page, pair in page_markers.items()},
        evidence=tuple(evidence),
    )


def log_in(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return user


def listed(outcome: str) -> tuple[bool, bool]:
    """Whether the own and the other record are expected in a list answering ``outcome``."""
    return outcome in ("own", "both"), outcome in ("other", "both")


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


def assert_missing_redirect(response, model, pk):
    """What Django's admin does for a record outside the queryset: as if it did not exist."""
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert response.content == b""
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{model._meta.verbose_name} with ID \u201c{pk}\u201d doesn\u2019t exist. "
        "Perhaps it was deleted?"
    ]


# --- the matrix -------------------------------------------------------------------------------


def test_every_staff_admin_is_in_the_matrix():
    assert set(registered_admins()) == set(MATRIX)


def test_every_admin_url_is_in_the_matrix():
    for label, model_admin in registered_admins().items():
        prefix = label.replace(".", "_") + "_"
        names = {p.name.removeprefix(prefix) for p in model_admin.urls if p.name}
        assert names <= set(URL_PAGES), f"{label}: no matrix row for {names - set(URL_PAGES)}"
        pages = {page for name in names for page in URL_PAGES[name]}
        assert pages == set(MATRIX[label]) - {"dashboard"}, label


# Admins with an import page of their own rather than django-import-export's.
OWN_IMPORTS = {"violations.bylaw"}  # the bylaw import: upload, preview, confirm


def test_import_rows_are_exactly_the_admins_with_resources():
    for label, model_admin in registered_admins().items():
        has_import = bool(getattr(model_admin, "resource_classes", None)) or label in OWN_IMPORTS
        assert ("import_" in MATRIX[label]) is has_import, label


PAGE_URL_NAMES = {page: name for name, pages in URL_PAGES.items() for page in pages}


def page_stem(page: str) -> str:
    """``reject_own`` → ``reject``: the page without the side of the world it opens."""
    return page.removesuffix("_own").removesuffix("_other")


def template_args(template, page):
    return [template.strata_id, getattr(template, "name", None) or template.kind]


def letter_args(letter, page):
    return [letter.case_id, letter.uuid]


# The arguments of URLs that take more than the record's pk, by URL name.
URL_ARGS = {
    "edit": template_args,
    "pdf": template_args,
    "transition": lambda case, page: [case.pk, page_stem(page)],
    "letter": letter_args,
    "letter_pdf": letter_args,
    "evidence_share": lambda evidence, page: [evidence.case_id, evidence.uuid],
    "correct": lambda entry, page: [
        entry.case_id if hasattr(entry, "case_id") else entry.charge.case_id,
        page_stem(page).removeprefix("correct_"),
        entry.uuid,
    ],
    "case_file_download": lambda export, page: [
        export.case_id,
        export.uuid,
        page_stem(page).removeprefix("case_file_"),
    ],
}


def case_link(service) -> str:
    return reverse("admin:violations_violation_change", args=[service.letter.case_id])


# Lists that link each record to another page than its change page: the template lists link
# to each editor; the print queue links each letter to its case.
LIST_LINKS = {
    "communications.emailtemplate": lambda t: page_url(
        "communications.emailtemplate", "edit_own", t
    ),
    "violations.lettertemplate": lambda t: page_url("violations.lettertemplate", "edit_own", t),
    "violations.letterdelivery": case_link,
}


def page_url(label: str, page: str, record=None) -> str:
    if page == "dashboard":
        return reverse("admin:index")
    name = PAGE_URL_NAMES[page]
    if not name.startswith("auth_"):  # Django's UserAdmin names its password page so
        name = f"{label.replace('.', '_')}_{name}"
    args = (
        []
        if record is None
        else URL_ARGS.get(PAGE_URL_NAMES[page], lambda r, page: [r.pk])(record, page)
    )
    return reverse(f"admin:{name}", args=args)


def page_record(world, label: str, page: str):
    """The own and the other record a page opens, and the text each shows: the admin's world
    records, or those the page is about (the case a transition needs, a case's letter)."""
    stem = page_stem(page)
    if stem in world.page_records:
        return world.page_records[stem], world.page_markers[stem]
    return world.objects[label], world.markers[label]


def pdf_text(content: bytes) -> str:
    """The text a PDF reader finds in ``content``, with line breaks as spaces."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# URLs that answer only a POST (a button on a page), posted with this data.
POSTED = {"evidence_share": {"shared": "1"}}


MATRIX_CASES = [
    pytest.param(
        label,
        page,
        role,
        outcome,
        id=f"{label}-{page.rstrip('_')}-{role}",
    )
    for label, pages in MATRIX.items()
    for page, row in pages.items()
    for role, outcome in row.items()
]


@pytest.mark.parametrize(("label", "page", "role", "outcome"), MATRIX_CASES)
def test_admin_page_answers_each_role(client, world, label, page, role, outcome):
    log_in(client, world, role)
    app, model_name = label.split(".")
    model_admin = registered_admins()[label]
    own, other = world.objects[label]
    (page_own, page_other), (marker_own, marker_other) = page_record(world, label, page)
    record, marker = None, None
    if page.endswith(("_own", "_other")):
        mine = page.endswith("_own")
        record, marker = (page_own, marker_own) if mine else (page_other, marker_other)
    url = page_url(label, page, record)
    data = POSTED.get(PAGE_URL_NAMES.get(page, ""))

    response = client.post(url, data) if data else client.get(url)

    if data:  # what the button changes, only when the answer says it did
        record.refresh_from_db()
        shared = ViolationEvent.objects.filter(case=record.case, kind="evidence_shared")
        assert record.shared_with_parties is shared.exists() is (outcome == "shared")
    if outcome == "login":
        assert_login_redirect(response)
    elif outcome in ("403", "404", "405"):
        assert response.status_code == int(outcome)
        assert marker_own not in response.text
        assert marker_other not in response.text
    elif outcome == "index":
        assert_missing_redirect(response, model_admin.model, record.pk)
    elif outcome in ("view", "edit"):
        assert response.status_code == 200
        assert marker in response.text
        assert ('name="_save"' in response.text) is (outcome == "edit")
    elif outcome == "form":  # a transition's form on the case
        assert response.status_code == 200
        assert marker in response.text
        form = response.context["form"]
        assert not form.is_bound  # a fresh form to fill in, not a refusal echoed back
        if page_stem(page) in FORMS:
            assert type(form) is FORMS[page_stem(page)]
    elif outcome == "pdf":
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        text = pdf_text(body(response))
        assert marker in text
    elif outcome == "zip":
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["X-Content-Type-Options"] == "nosniff"
        content = body(response)
        assert content.startswith(b"PK")
        assert marker.encode() in content
    elif outcome == "200":
        assert response.status_code == 200
    elif outcome == "shared":
        assert response.status_code == 302
        assert response["Location"] == f"{page_url(label, 'change_own', record.case)}#case-evidence"
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            f"\u201c{record.original_name}\u201d is now shared with the parties to {marker}."
        ]
    elif outcome in ("shown", "hidden"):
        assert response.status_code == 200
        on_dashboard = {
            m["object_name"].lower()
            for app_entry in response.context["app_list"]
            if app_entry["app_label"] == app
            for m in app_entry["models"]
        }
        assert (model_name in on_dashboard) is (outcome == "shown")
    else:
        assert response.status_code == 200
        for record, expected in zip((own, other), listed(outcome), strict=True):
            if label in LIST_LINKS:
                link = LIST_LINKS[label](record)
            else:
                link = page_url(label, "change_own", record)
            assert (f'href="{link}"' in response.text) is expected
        if "cl" in response.context:
            pks = {row.pk for row in response.context["cl"].result_list}
            for record, expected in zip((own, other), listed(outcome), strict=True):
                assert (record.pk in pks) is expected
        else:  # the email and letter templates: every template, for each of the user's stratas
            stratas = set(response.context["template_stratas"])
            assert stratas == {
                s for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok
            }


@pytest.mark.parametrize("role", ["caretaker", "other_manager"])
def test_a_record_of_another_strata_looks_like_a_missing_one(client, world, role):
    log_in(client, world, role)
    foreign = world.objects["properties.person"][0 if role == "other_manager" else 1]
    marker = "Olive Owner" if role == "other_manager" else "Otto Outsider"
    missing_pk = 987654

    foreign_page = client.get(
        reverse("admin:properties_person_change", args=[foreign.pk]), follow=True
    )
    missing_page = client.get(
        reverse("admin:properties_person_change", args=[missing_pk]), follow=True
    )

    assert foreign_page.redirect_chain == missing_page.redirect_chain == [("/admin/", 302)]
    assert foreign_page.status_code == missing_page.status_code == 200
    assert marker not in foreign_page.text
    assert f"Person with ID \u201c{foreign.pk}\u201d doesn\u2019t exist" in foreign_page.text
    assert f"Person with ID \u201c{missing_pk}\u201d doesn\u2019t exist" in missing_page.text


# --- autocomplete ---------------------------------------------------------------------------


def test_every_autocomplete_field_is_in_the_matrix():
    remotes = {remote for _, _, remote in autocomplete_fields()}
    assert remotes <= set(AUTOCOMPLETE), remotes - set(AUTOCOMPLETE)


def test_every_autocomplete_widget_is_in_the_matrix(client, world):
    """Every autocomplete widget on an add form, whoever set it up, has an AUTOCOMPLETE row."""
    client.force_login(world.users["superuser"])
    found = set()
    for label in registered_admins():
        app, model_name = label.split(".")
        response = client.get(reverse(f"admin:{app}_{model_name}_add"))
        if response.status_code == 403:
            continue
        for field in choice_fields(response).values():
            widget = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
            if isinstance(widget, AutocompleteMixin):
                model_field = widget.field
                found.add(
                    (
                        model_field.model._meta.label_lower,
                        model_field.name,
                        model_field.related_model._meta.model_name,
                    )
                )
    assert found <= set(autocomplete_fields()), found - set(autocomplete_fields())


AUTOCOMPLETE_CASES = [
    pytest.param(
        source,
        field,
        role,
        AUTOCOMPLETE[remote][role],
        id=f"{source}.{field}-{role}",
    )
    for source, field, remote in autocomplete_fields()
    if remote in AUTOCOMPLETE
    for role in ROLES
]


@pytest.mark.parametrize(("source", "field", "role", "outcome"), AUTOCOMPLETE_CASES)
def test_autocomplete_offers_only_records_the_user_may_see(
    client, world, source, field, role, outcome
):
    log_in(client, world, role)
    app_label, model_name = source.split(".")
    remote_model = apps.get_model(source)._meta.get_field(field).related_model
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field, "term": ""},
    )

    if outcome == "login":
        assert_login_redirect(response)
        return
    if outcome == "403":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    own, other = world.by_model[remote_model._meta.model_name]
    expect_own, expect_other = listed(outcome)
    assert (own.pk in ids) is expect_own
    assert (other.pk in ids) is expect_other
    allowed = {s.pk for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    if remote_model is Strata:
        assert ids <= allowed
    elif remote_model is not User:
        stratas = set(remote_model.objects.filter(pk__in=ids).values_list("strata", flat=True))
        assert stratas <= allowed


# --- foreign-key choices ----------------------------------------------------------------------


def choice_fields(response) -> dict[tuple[str, str], ModelChoiceField]:
    """The foreign-key choice fields of an add page: its form's and its inlines' empty forms
    (or those of its own form, for an admin whose add page is a view of its own: filing a case)."""
    if "adminform" not in response.context:
        return {
            ("form", name): field
            for name, field in response.context["form"].fields.items()
            if isinstance(field, ModelChoiceField)
        }
    fields = {
        ("form", name): field
        for name, field in response.context["adminform"].form.fields.items()
        if isinstance(field, ModelChoiceField)
    }
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, field in formset.empty_form.fields.items():
            is_link = (
                isinstance(field, InlineForeignKeyField) or name == formset.model._meta.pk.name
            )
            if isinstance(field, ModelChoiceField) and not is_link:
                fields[(type(inline.opts).__name__, name)] = field
    return fields


def test_every_foreign_key_choice_is_in_the_matrix(client, world):
    client.force_login(world.users["superuser"])
    found = set()
    for label in registered_admins():
        app, model_name = label.split(".")
        response = client.get(reverse(f"admin:{app}_{model_name}_add"))
        if MATRIX[label]["add"]["superuser"] == "403":  # nobody adds here (the audit log)
            assert response.status_code == 403, label
            continue
        assert response.status_code == 200, label
        found |= {(label, *key) for key in choice_fields(response)}
    assert found == set(FK_CHOICES)


FK_CASES = [
    pytest.param(
        label,
        form,
        field,
        remote,
        role,
        outcome,
        id=f"{label}-{form}.{field}-{role}",
    )
    for (label, form, field), remote in FK_CHOICES.items()
    if remote is not None
    for role, outcome in FK_EXPECTED.items()
]


@pytest.mark.parametrize(("label", "form", "field", "remote", "role", "outcome"), FK_CASES)
def test_add_form_offers_only_records_of_stratas_the_user_edits(
    client, world, label, form, field, remote, role, outcome
):
    log_in(client, world, role)
    app, model_name = label.split(".")
    response = client.get(reverse(f"admin:{app}_{model_name}_add"))
    assert response.status_code == 200

    offered = choice_fields(response)[(form, field)].queryset
    own, other = world.by_model[remote]
    expect_own, expect_other = listed(outcome)
    assert offered.filter(pk=own.pk).exists() is expect_own
    assert offered.filter(pk=other.pk).exists() is expect_other
    allowed = {s.pk for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    via = "pk" if remote == "strata" else "strata"
    assert set(offered.values_list(via, flat=True)) <= allowed


@pytest.mark.parametrize("role", ["manager", "other_manager"])
def test_person_form_offers_a_manager_no_login_of_another_strata(client, world, role):
    log_in(client, world, role)
    foreign_login = world.users["other_manager" if role == "manager" else "resident"]
    response = client.get(reverse("admin:properties_person_add"))
    assert response.status_code == 200
    field = response.context["adminform"].form.fields.get("user")
    assert field is None or not field.queryset.filter(pk=foreign_login.pk).exists()


# --- the site's own pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["index"].items()],
)
def test_dashboard_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    names = {row["name"] for row in response.context["register_counts"]}
    expected = {s.name for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    assert names == expected
    for strata in world.stratas:
        assert (strata.plan_number in response.text) is (strata.name in expected)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["outbox_panel"].items()],
)
def test_dashboard_outbox_panel_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    panel = response.context["outbox_stats"]
    if outcome == "hidden":
        assert panel is None
        assert 'id="outbox-dashboard"' not in response.text
        return
    queued = next(row for row in panel if row["key"] == "queued")
    expected = sum(listed(outcome))  # the world's emails, one per strata, queued just now
    assert (queued["day"], queued["week"]) == (expected, expected)
    assert 'id="outbox-dashboard"' in response.text


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["ledger_panel"].items()],
)
def test_dashboard_ledger_panel_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    panel = response.context["outstanding_balances"]
    if outcome == "hidden":
        assert panel is None
        assert 'id="ledger-dashboard"' not in response.text
        return
    expected = [s for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok]
    # The world's one fine in each strata, $20.00 of its $200.00 paid.
    assert [(row["name"], row["charges"], str(row["owing"])) for row in panel] == [
        (strata.name, 1, "180.00") for strata in sorted(expected, key=lambda s: s.name)
    ]
    assert 'id="ledger-dashboard"' in response.text


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["announcements_panel"].items()],
)
def test_dashboard_announcements_panel_shows_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    announcements = world.objects["campaigns.announcement"]
    expected = [a for a, ok in zip(announcements, listed(outcome), strict=True) if ok]
    assert {a.pk for a in response.context["announcements"]} == {a.pk for a in expected}
    for announcement, ok in zip(announcements, listed(outcome), strict=True):
        assert (announcement.title in response.text) is ok


SWITCH_CASES = [
    pytest.param(target, role, outcome, id=f"{page}-{role}")
    for page, target in (("switch_to_own", 0), ("switch_to_other", 1))
    for role, outcome in SITE[page].items()
]


@pytest.mark.parametrize(("target", "role", "outcome"), SWITCH_CASES)
def test_strata_switcher_accepts_only_the_users_stratas(client, world, target, role, outcome):
    log_in(client, world, role)
    strata = world.stratas[target]
    response = client.post(
        reverse("admin:switch_strata"), {"strata": str(strata.uuid), "next": "/admin/"}
    )
    if outcome == "login":
        assert_login_redirect(response)
        assert SESSION_STRATA_ID not in client.session
        return
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    if outcome == "switched":
        assert client.session[SESSION_STRATA_ID] == strata.pk
        assert messages == [f"Showing {strata.name} only."]
    else:
        assert SESSION_STRATA_ID not in client.session
        assert messages == ["You have no role in that strata."]


@pytest.mark.parametrize(
    ("role", "outcome"),
    [pytest.param(role, outcome, id=role) for role, outcome in SITE["cases_panel"].items()],
)
def test_dashboard_cases_panel_counts_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    response = client.get(reverse("admin:index"))
    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    counts = {row["name"]: row["total"] for row in response.context["case_counts"]}
    expected = {s.name for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    assert counts == dict.fromkeys(expected, 4)  # the world's four cases in each strata


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        pytest.param(role, outcome, id=role)
        for role, outcome in SITE["cases_awaiting_council"].items()
    ],
)
def test_cases_awaiting_council_lists_only_the_users_stratas(client, world, role, outcome):
    """Who records decisions or approves notices (managers, council) sees what waits on
    council in their stratas: the notice awaiting approval and the notice served."""
    log_in(client, world, role)
    waiting = list(
        zip(
            world.page_records["approve_notice"], world.page_records["record_decision"], strict=True
        )
    )

    response = client.get(reverse("admin:cases_awaiting_council"))

    if outcome == "login":
        assert_login_redirect(response)
        return
    if outcome == "403":
        assert response.status_code == 403
        for case in (case for pair in waiting for case in pair):
            assert case.reference not in response.text
        return
    assert response.status_code == 200
    expected = [s for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok]
    sections = response.context["sections"]
    assert [section["strata"] for section in sections] == sorted(expected, key=lambda s: s.name)
    for (pending, sent), ok in zip(waiting, listed(outcome), strict=True):
        assert (pending.reference in response.text) is ok
        assert (sent.reference in response.text) is ok
    for section in sections:
        assert [case.pk for case in section["approvals"]] == [
            pending.pk for pending, _sent in waiting if pending.strata_id == section["strata"].pk
        ]


def upheld_three_times(world) -> tuple:
    """Each strata's respondent (Olive in the own strata, Otto in the other) has three upheld
    decisions this year: a repeat offender of their strata."""
    offenders = (world.by_model["person"][0], world.by_model["person"][1])
    recorder = world.users["superuser"]
    for person, unit in zip(offenders, world.by_model["unit"], strict=True):
        for n in range(3):
            case = ViolationFactory(
                unit=unit,
                reference=f"VIO-20260101-{unit.strata_lot_number}{n}",
                status=Status.DECIDED_UPHELD,
            )
            CaseParty.objects.create(case=case, person=person, role=CaseParty.Role.RESPONDENT)
            Decision.objects.create(
                case=case,
                meeting_on=timezone.localdate() - dt.timedelta(days=30 * (n + 1)),
                motion="That the contravention be upheld with a warning.",
                votes_for=3,
                votes_against=0,
                outcome=Decision.Outcome.UPHELD_WARNING,
                reasons="The contravention is established.",
                recorded_by=recorder,
            )
    return offenders


@pytest.mark.parametrize(
    ("page", "role", "outcome"),
    [
        pytest.param(page, role, outcome, id=f"{page}-{role}")
        for page in ("repeat_offenders", "repeat_offenders_panel")
        for role, outcome in SITE[page].items()
    ],
)
def test_repeat_offenders_lists_only_the_users_stratas(client, world, page, role, outcome):
    offenders = upheld_three_times(world)
    log_in(client, world, role)

    response = client.get(
        reverse("admin:repeat_offenders" if page == "repeat_offenders" else "admin:index")
    )

    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == 200
    found = response.context["repeat_offenders" if page.endswith("panel") else "persons"]
    persons = found["persons"] if page.endswith("panel") else found
    expected = [p for p, ok in zip(offenders, listed(outcome), strict=True) if ok]
    assert sorted(row["person"].pk for row in persons) == sorted(p.pk for p in expected)
    for person, ok in zip(offenders, listed(outcome), strict=True):
        assert (person.full_name in response.text) is ok


# The site's own URLs (besides Django's) and the SITE rows that cover them.
SITE_URLS = {
    "switch_strata": ("switch_to_own", "switch_to_other"),
    "cases_awaiting_council": ("cases_awaiting_council",),
    "repeat_offenders": ("repeat_offenders",),
    "council_meeting_agenda": ("meeting_agenda_own", "meeting_agenda_other"),
    "council_meeting_record": ("meeting_record_own", "meeting_record_other"),
    "notice_approval": ("notice_approval",),
}


def test_every_site_url_is_in_the_matrix():
    names = {getattr(p, "name", None) for p in admin.site.get_urls()}
    djangos = {getattr(p, "name", None) for p in AdminSite.get_urls(admin.site)}
    assert names - djangos == set(SITE_URLS)
    assert {page for pages in SITE_URLS.values() for page in pages} <= set(SITE)


MEETING_PAGES = (
    "meeting_agenda_own",
    "meeting_agenda_other",
    "meeting_record_own",
    "meeting_record_other",
    "notice_approval",
)


@pytest.mark.parametrize(
    ("page", "role", "outcome"),
    [
        pytest.param(page, role, outcome, id=f"{page}-{role}")
        for page in MEETING_PAGES
        for role, outcome in SITE[page].items()
    ],
)
def test_council_meeting_pages_answer_each_role(client, world, page, role, outcome):
    """The agenda lists the strata's notice awaiting approval (case B); the approval link was
    emailed to the council member for that notice."""
    log_in(client, world, role)
    pending = world.page_records["approve_notice"]
    strata = world.stratas[0] if page.endswith("_own") else world.stratas[1]
    if page == "notice_approval":
        draft = pending[0].letters.get(kind=LetterKind.NOTICE, issued_at__isnull=True)
        url = reverse(
            "admin:notice_approval",
            args=[approval_links.approval_token(draft, world.users["council"])],
        )
    else:
        name = "council_meeting_agenda" if "agenda" in page else "council_meeting_record"
        url = reverse(f"admin:{name}", args=[strata.uuid])

    response = client.get(url)

    if outcome == "login":
        assert_login_redirect(response)
        return
    assert response.status_code == (200 if outcome in ("200", "form") else int(outcome))
    own_case = pending[0].reference
    if outcome == "form":
        assert "Approve this notice" in response.text
        assert own_case in response.text
    elif outcome == "200" and "agenda" in page:
        case = pending[0] if page.endswith("_own") else pending[1]
        assert [i.case for i in response.context["agenda"]["approvals"]] == [case]
    elif outcome == "200":
        assert not response.context["meeting_form"].is_bound
    else:
        assert own_case not in response.text


def test_switching_strata_narrows_a_superusers_changelist(client, world):
    client.force_login(world.users["superuser"])
    other = world.objects["properties.unit"][1]
    client.post(reverse("admin:switch_strata"), {"strata": str(world.stratas[1].uuid)})
    response = client.get(reverse("admin:properties_unit_changelist"))
    assert [row.pk for row in response.context["cl"].result_list] == [other.pk]


# --- writes -----------------------------------------------------------------------------------


def unit_row(unit) -> dict:
    return Unit.objects.values().get(pk=unit.pk)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("caretaker", "403"),
        ("council", "403"),
        ("other_manager", "index"),
        ("ended", "login"),
        ("resident", "login"),
        ("anonymous", "login"),
    ],
)
def test_only_a_manager_may_change_a_unit(client, world, unit_form, role, outcome):
    unit = world.objects["properties.unit"][0]
    before = unit_row(unit)
    audit_before = AuditLog.objects.count()
    log_in(client, world, role)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]), {**unit_form, "floor": "3"}
    )

    if outcome == "403":
        assert response.status_code == 403
    elif outcome == "index":
        assert_missing_redirect(response, Unit, unit.pk)
    else:
        assert_login_redirect(response)
    assert unit_row(unit) == before
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_staff_without_edit_right_cannot_archive_units_by_action(client, world, role):
    unit = world.objects["properties.unit"][0]
    log_in(client, world, role)
    audit_before = AuditLog.objects.count()

    response = client.post(
        reverse("admin:properties_unit_changelist"),
        {"action": "archive_selected", "_selected_action": [unit.pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Only this strata's managers can change its register."
    ]
    unit.refresh_from_db()
    assert unit.archived_at is None
    assert AuditLog.objects.count() == audit_before


def test_manager_of_another_strata_cannot_end_a_membership_by_action(client, world):
    membership = world.objects["accounts.stratamembership"][0]
    log_in(client, world, "other_manager")
    audit_before = AuditLog.objects.count()

    client.post(
        reverse("admin:accounts_stratamembership_changelist"),
        {"action": "end_selected", "_selected_action": [membership.pk]},
    )

    membership.refresh_from_db()
    assert membership.ends_on is None
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("role", ["caretaker", "council", "other_manager"])
def test_only_its_managers_may_change_a_strata(client, world, role):
    strata = world.stratas[0]
    client.force_login(world.users["superuser"])
    data = form_data(
        client.get(reverse("admin:accounts_strata_change", args=[strata.pk]))
        .context["adminform"]
        .form
    )
    log_in(client, world, role)
    audit_before = AuditLog.objects.count()

    response = client.post(
        reverse("admin:accounts_strata_change", args=[strata.pk]), {**data, "name": "Renamed"}
    )

    assert response.status_code == (302 if role == "other_manager" else 403)
    strata.refresh_from_db()
    assert strata.name == "Harbour View"
    assert AuditLog.objects.count() == audit_before


# --- import and export ------------------------------------------------------------------------


def csv_upload(text: str):
    upload = io.BytesIO(text.encode())
    upload.name = "units.csv"
    return upload


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_importing_needs_the_import_right(client, world, role):
    log_in(client, world, role)
    audit_before = AuditLog.objects.count()
    text = "strata,unit_number,strata_lot_number\r\nBCS1234,77,77\r\n"

    response = client.post(
        reverse("admin:properties_unit_import"),
        {"format": "0", "resource": "0", "import_file": csv_upload(text)},
    )

    assert not Unit.objects.filter(unit_number="77").exists()
    assert AuditLog.objects.count() == audit_before
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["caretaker", "council"])
def test_process_import_needs_the_import_right(world, role):
    client = Client(raise_request_exception=False)
    log_in(client, world, role)
    units_before = Unit.objects.count()

    response = client.post(
        reverse("admin:properties_unit_process_import"),
        {
            "import_file_name": "units.csv",
            "original_file_name": "units.csv",
            "format": "0",
            "resource": "0",
        },
    )

    assert Unit.objects.count() == units_before
    assert response.status_code == 403


def test_manager_import_into_another_strata_is_refused(client, world):
    log_in(client, world, "manager")
    units_before = Unit.objects.count()
    audit_before = AuditLog.objects.count()
    text = "strata,unit_number,strata_lot_number\r\nVIS5678,77,77\r\n"

    response = client.post(
        reverse("admin:properties_unit_import"),
        {"format": "0", "resource": "0", "import_file": csv_upload(text)},
    )

    assert response.status_code == 200
    assert "No strata with plan number VIS5678 that you may import into." in response.text
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert Unit.objects.count() == units_before
    assert AuditLog.objects.count() == audit_before


# A register row naming a record of the strata the importer does not manage: the occupancy
# itself (moved into the importer's unit), the person who would occupy, or the landlord. Each
# manager is tried against the other strata's records, in both directions, and also while
# holding a read-only (caretaker) role there, which lets them see those records.
OCCUPANCY_HEADER = (
    "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,email,phone,"
    "postal_address,email_for_notices,email_for_notices_given_on,landlord_uuid,"
    "form_k_received_on,is_primary_contact,receives_newsletters\r\n"
)
NOT_IN_STRATA = "No person {uuid} in this strata."
REFUSED_ROW = {
    ("occupancy_uuid", False): "Occupancy with this Uuid already exists.",
    ("occupancy_uuid", True): "Only this strata&#x27;s managers can change its register.",
    ("person_uuid", False): NOT_IN_STRATA,
    ("person_uuid", True): NOT_IN_STRATA,
    ("landlord_uuid", False): NOT_IN_STRATA,
    ("landlord_uuid", True): NOT_IN_STRATA,
}


def register_values():
    """What an import could change in either strata, and the audit log's size."""
    return (
        sorted(Occupancy.objects.values_list("uuid", "unit_id", "person_id", "landlord_id")),
        sorted(Person.objects.values_list("uuid", "strata_id", "full_name", "email")),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize(("column", "caretaker_there"), list(REFUSED_ROW))
@pytest.mark.parametrize(("role", "own", "foreign"), [("manager", 0, 1), ("other_manager", 1, 0)])
def test_an_import_naming_another_stratas_record_changes_nothing(
    client, world, role, own, foreign, column, caretaker_there
):
    home, away = world.stratas[own], world.stratas[foreign]
    home_unit = world.objects["properties.unit"][own]
    away_occupancy = world.objects["properties.occupancy"][foreign]
    named = away_occupancy.uuid if column == "occupancy_uuid" else away_occupancy.person.uuid
    values = dict.fromkeys(("occupancy_uuid", "person_uuid", "landlord_uuid"), "") | {
        column: str(named)
    }
    row = (
        f"{values['occupancy_uuid']},{home.plan_number},{home_unit.unit_number},tenant,"
        f"2024-05-01,,{values['person_uuid']},Mallory Mover,mallory@example.test,,,,,"
        f"{values['landlord_uuid']},,0,0\r\n"
    )
    user = log_in(client, world, role)
    if caretaker_there:
        MembershipFactory(user=user, strata=away, role=StrataMembership.Role.CARETAKER)
    before = register_values()

    response = client.post(
        reverse("admin:properties_person_import"),
        {"format": "0", "resource": "0", "import_file": csv_upload(OCCUPANCY_HEADER + row)},
    )

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert REFUSED_ROW[column, caretaker_there].format(uuid=named) in response.text
    assert register_values() == before


@pytest.mark.parametrize(
    ("role", "outcome"), [("caretaker", "own"), ("other_manager", "other"), ("superuser", "both")]
)
def test_unit_export_holds_only_the_users_stratas(client, world, role, outcome):
    log_in(client, world, role)
    url = reverse("admin:properties_unit_export")
    data = form_data(client.get(url).context["form"])
    del data["export_items"]  # only posted by the changelist's export action

    response = client.post(url, {**data, "format": "0"})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    plans = {row["strata"] for row in rows}
    expected = {s.plan_number for s, ok in zip(world.stratas, listed(outcome), strict=True) if ok}
    assert plans == expected


# The least-privileged role that sees each changelist (see MATRIX).
CHANGELIST_VIEWERS = {
    "communications.outboundemail": "manager",
    "communications.trackingevent": "manager",
    "communications.suppression": "manager",
    "communications.emailtemplate": "manager",
    "accounts.strata": "caretaker",
    "accounts.stratamembership": "manager",
    "accounts.auditlog": "manager",
    "properties.unit": "caretaker",
    "properties.person": "caretaker",
    "properties.occupancy": "caretaker",
    "properties.parkingspot": "caretaker",
    "properties.storagelocker": "caretaker",
    "properties.bikelocker": "caretaker",
    "properties.registerimportjob": "manager",
    "violations.bylaw": "caretaker",
    "violations.bylawcategory": "caretaker",
    "violations.violationcategory": "caretaker",
    "violations.violation": "caretaker",
    "violations.letterdelivery": "council",
    "violations.fineproposal": "council",
    "violations.charge": "council",
    "violations.lettertemplate": "manager",
    "campaigns.campaign": "manager",
    "campaigns.campaigntemplate": "manager",
    "campaigns.announcement": "council",
}


@pytest.mark.parametrize(
    ("label", "role"),
    [
        pytest.param(
            label,
            role,
            id=f"{label}-{role}",
        )
        for label, role in CHANGELIST_VIEWERS.items()
    ],
)
def test_changelist_names_no_other_strata(client, world, label, role):
    log_in(client, world, role)
    app, model_name = label.split(".")
    response = client.get(reverse(f"admin:{app}_{model_name}_changelist"))
    assert response.status_code == 200
    assert "Harbour View" in response.text
    assert "Cedar Grove" not in response.text
    assert "VIS5678" not in response.text


def test_every_staff_changelist_is_checked_for_other_stratas():
    assert set(CHANGELIST_VIEWERS) == set(MATRIX) - {"accounts.user"}


# --- enforcement: the rights of each transition, recusal, evidence ---------------------------


def test_every_kind_of_case_right_has_a_transition_row():
    """The transition rows cover each right a transition form needs (filing, reviewing,
    approving, recording a decision)."""
    rows = {page_stem(page) for page in URL_PAGES["transition"]}
    assert rows <= set(FORMS)
    assert {TRANSITIONS[name].right for name in rows} == {TRANSITIONS[name].right for name in FORMS}


RECUSALS = ("occupant", "complainant", "party")


def own_cases(world) -> tuple:
    """The own strata's reported case, the one awaiting approval, the one served and the one
    decided (with its charge)."""
    return (
        world.objects["violations.violation"][0],
        world.page_records["approve_notice"][0],
        world.page_records["record_decision"][0],
        world.objects["violations.charge"][0].case,
    )


def recused_member(world, reason: str) -> User:
    """A council member of the own strata recused from each of its cases (DESIGN §5, SPA
    s.32): living in their unit, a complainant on each, or a party to each."""
    strata = world.stratas[0]
    user = UserFactory(email="rex.recused@example.test", full_name="Rex Recused")
    MembershipFactory(strata=strata, role=StrataMembership.Role.COUNCIL, user=user)
    person = PersonFactory(strata=strata, full_name="Rex Recused", user=user)
    for case in own_cases(world):
        if reason == "occupant":
            OccupancyFactory(unit=case.unit, person=person, role=Occupancy.Role.OCCUPANT)
            break  # the cases are on one unit
        if reason == "complainant":
            Complaint.objects.create(
                case=case,
                received_on=case.incident_on,
                channel=Complaint.Channel.PHONE,
                complainant=person,
            )
        else:
            CaseParty.objects.create(
                case=case, person=person, role=CaseParty.Role.OWNER, required=False
            )
    return user


RECUSED_PAGES = (
    "change",
    "history",
    *(f"transition:{name}" for name in FORMS),
    "evidence_add",
    "letter",
    "letter_pdf",
    "evidence",
    "remedy_cost",
    "case_file",
    "case_file_zip",
    "correct_response",
)


def recused_page(world, page: str) -> tuple[str, object]:
    """The URL of ``page`` on an own case, and the case. A transition opens the case in a
    status it starts from, when the world has one."""
    reported, pending, sent, _decided = own_cases(world)
    letter = world.page_records["letter"][0]
    if page.startswith("transition:"):
        name = page.split(":")[1]
        sources = TRANSITIONS[name].sources
        case = next((c for c in (reported, pending, sent) if c.status in sources), sent)
        return reverse("admin:violations_violation_transition", args=[case.pk, name]), case
    if page in ("letter", "letter_pdf"):
        return reverse(f"admin:violations_violation_{page}", args=letter_args(letter, page)), sent
    if page == "evidence_add":
        return reverse("admin:violations_violation_evidence_add", args=[reported.pk]), reported
    if page == "evidence":
        evidence = world.evidence[0]
        return reverse("violations:evidence-download", args=[evidence.uuid]), evidence.case
    if page == "correct_response":
        response = world.page_records[page][0]
        args = [response.case_id, "response", response.uuid]
        return reverse("admin:violations_violation_correct", args=args), response.case
    if page == "case_file_zip":
        export = world.page_records[page][0]
        args = [reported.pk, export.uuid, "zip"]
        return reverse("admin:violations_violation_case_file_download", args=args), reported
    return reverse(f"admin:violations_violation_{page}", args=[reported.pk]), reported


@pytest.mark.parametrize("page", RECUSED_PAGES)
@pytest.mark.parametrize("reason", RECUSALS)
def test_recused_member_cannot_reach_the_case(client, world, reason, page):
    """A recused council member gets what a case that does not exist gets; a council member
    who is not recused opens the same URL (or is refused the transition: 403, not 404)."""
    url, case = recused_page(world, page)
    client.force_login(world.users["council"])
    control = client.get(url)
    if page.startswith("transition:"):
        assert control.status_code in (200, 403)
    else:
        assert control.status_code == 200
    client.force_login(recused_member(world, reason))

    response = client.get(url)

    if page in ("change", "history"):
        assert_missing_redirect(response, Violation, case.pk)
    else:
        assert response.status_code == 404
        assert case.reference not in response.text
        assert case.description not in response.text


@pytest.mark.parametrize("reason", RECUSALS)
def test_recused_member_lists_none_of_the_cases(client, world, reason):
    """Not on the case list, the print queue, the fines ledger, the council's page nor the
    dashboard's counts; the strata's other cases would be (the control: a council member who is
    not recused)."""
    cases = own_cases(world)
    references = {case.reference for case in cases}
    pages = {
        "cases": reverse("admin:violations_violation_changelist"),
        "print_queue": reverse("admin:violations_letterdelivery_changelist"),
        "ledger": reverse("admin:violations_charge_changelist"),
        "awaiting": reverse("admin:cases_awaiting_council"),
        "dashboard": reverse("admin:index"),
    }
    client.force_login(world.users["council"])
    for name, url in pages.items():
        if name != "dashboard":  # the dashboard counts cases; it names none
            assert any(reference in client.get(url).text for reference in references), name
    client.force_login(recused_member(world, reason))

    answers = {name: client.get(url) for name, url in pages.items()}

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(pages, 200)
    for response in answers.values():
        for reference in references:
            assert reference not in response.text
    assert list(answers["cases"].context["cl"].result_list) == []
    assert list(answers["print_queue"].context["cl"].result_list) == []
    assert list(answers["ledger"].context["cl"].result_list) == []
    assert answers["awaiting"].context["sections"] == []
    assert answers["dashboard"].context["case_counts"] == []


@pytest.mark.parametrize("reason", RECUSALS)
def test_recused_members_transition_changes_nothing(client, world, reason):
    reported = own_cases(world)[0]
    events_before = ViolationEvent.objects.filter(case=reported).count()
    audit_before = AuditLog.objects.count()
    client.force_login(recused_member(world, reason))

    response = client.post(
        reverse("admin:violations_violation_transition", args=[reported.pk, "reject"]),
        {"reason": "Not a bylaw matter."},
    )

    assert response.status_code == 404
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED
    assert ViolationEvent.objects.filter(case=reported).count() == events_before
    assert AuditLog.objects.count() == audit_before


# The evidence download (``violations:evidence-download``, outside the admin): staff who may
# read the case's staff view get the original as an attachment; everyone else, the recused
# included, gets the 404 of a file that does not exist.
EVIDENCE_ROLES = (*ROLES, "recused")
# fmt: off
# Columns:  anonymous resident ended caretaker council manager other_mgr superuser recused
EVIDENCE = {
    "own":   "404  404  404  file  file  file  404   file  404",
    "other": "404  404  404  404   404   404   file  file  404",
}
# fmt: on
EVIDENCE_CASES = [
    pytest.param(side, role, outcome, id=f"{side}-{role}")
    for side, row in EVIDENCE.items()
    for role, outcome in zip(EVIDENCE_ROLES, row.split(), strict=True)
]


@pytest.mark.parametrize(("side", "role", "outcome"), EVIDENCE_CASES)
def test_evidence_download_answers_each_role(client, world, side, role, outcome):
    evidence = world.evidence[0 if side == "own" else 1]
    if role == "recused":
        client.force_login(recused_member(world, "occupant"))
    else:
        log_in(client, world, role)

    response = client.get(reverse("violations:evidence-download", args=[evidence.uuid]))

    if outcome == "404":
        assert response.status_code == 404
        assert evidence.original_name not in response.text
        return
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{evidence.original_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == b"\xff\xd8\xff\xe0 original"


# The Form K download (``properties:form-k-download``, outside the admin): staff who read the
# register of the occupancy's strata get the file; everyone else, the tenant included, gets the
# 404 of an occupancy without one.
FORM_K_BYTES = b"%PDF-1.4\n% a signed Form K\n"
# fmt: off
# Columns:  anonymous resident ended caretaker council manager other_mgr superuser
FORM_K = {
    "own":   "404  404  404  file  file  file  404   file",
    "other": "404  404  404  404   404   404   file  file",
}
# fmt: on
FORM_K_CASES = [
    pytest.param(side, role, outcome, id=f"{side}-{role}")
    for side, row in FORM_K.items()
    for role, outcome in zip(ROLES, row.split(), strict=True)
]


def form_k_on(occupancy, name: str):
    occupancy.form_k_name = name
    occupancy.form_k_file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(FORM_K_BYTES), save=False)
    occupancy.save(update_fields=["form_k_file", "form_k_name"])
    return occupancy


@pytest.mark.parametrize(("side", "role", "outcome"), FORM_K_CASES)
def test_form_k_download_answers_each_role(client, world, side, role, outcome):
    occupancy = world.form_ks[0 if side == "own" else 1]
    log_in(client, world, role)

    response = client.get(reverse("properties:form-k-download", args=[occupancy.uuid]))

    if outcome == "404":
        assert response.status_code == 404
        assert occupancy.form_k_name not in response.text
        return
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{occupancy.form_k_name}"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == FORM_K_BYTES


# The page where an invited person accepts a role given to their existing account: outside the
# admin, it answers the invited account alone; to anyone else the invitation does not exist.
ACCEPT_CASES = {
    "anonymous": "login",
    "invited": "accept",
    **dict.fromkeys(
        ("resident", "ended", "caretaker", "council", "manager", "other_manager", "superuser"),
        "404",
    ),
}


@pytest.mark.parametrize(("role", "outcome"), ACCEPT_CASES.items())
def test_accepting_a_role_answers_only_the_invited_account(client, world, role, outcome):
    invited = UserFactory(email="ivy.invited@example.test", full_name="Ivy Invited")
    waiting = MembershipFactory(
        user=invited, strata=world.stratas[0], role=StrataMembership.Role.COUNCIL, accepted_at=None
    )
    user = invited if role == "invited" else world.users[role]
    if user is not None:
        client.force_login(user)
    url = reverse("membership_accept", args=[waiting.uuid])

    shown, posted = client.get(url), client.post(url)

    waiting.refresh_from_db()
    accepted = AuditLog.objects.filter(action="membership.accepted")
    if outcome == "login":
        for response in (shown, posted):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("membership_accept_login"))
    elif outcome == "accept":
        assert shown.status_code == 200
        assert "Harbour View" in shown.text
        assert (posted.status_code, posted["Location"]) == (302, reverse("admin:index"))
    else:
        for response in (shown, posted):
            assert response.status_code == 404
            assert "Harbour View" not in response.text
            assert "Ivy Invited" not in response.text
    assert (waiting.accepted_at is not None) is (outcome == "accept")
    assert accepted.exists() is (outcome == "accept")
