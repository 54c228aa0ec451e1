"""Responses, hearings, council meetings and decisions (SPA s.34.1, s.135)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Strata,
    TimeStamped,
)
from violations.models.cases import CaseParty, Violation
from violations.models.common import Correctable, Money, choices_check, void_check
from violations.models.letters import Letter


class ResponseChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    PORTAL = "portal", _("Resident portal")


class Response(TimeStamped, Correctable):
    """A party's written answer to a notice, online or recorded by staff. Voided or amended,
    never edited (``Correctable``): ``Response.objects`` are the live ones."""

    Channel = ResponseChannel

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="responses")
    party = models.ForeignKey(CaseParty, on_delete=models.PROTECT, related_name="responses")
    received_at = models.DateTimeField(_("received"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    text = models.TextField(_("response"))
    declines_hearing = models.BooleanField(_("declines a hearing in writing"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["case", "received_at", "id"]
        constraints = [
            choices_check("channel", ResponseChannel, "response_channel_valid"),
            void_check("response_void_has_reason"),
        ]

    def __str__(self):
        return f"{self.case} — {self.party}"


class HearingOutcome(models.TextChoices):
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("Respondent did not attend")
    WITHDRAWN = "withdrawn", _("Request withdrawn")
    POSTPONED = "postponed_by_request", _("Postponed at the respondent's written request")


# After these council has heard the respondent (or they chose not to come) and may decide, in
# writing within one week (SPA s.34.1(3)); a withdrawn or postponed request leaves the
# ordinary deadline.
HEARD_OUTCOMES = (HearingOutcome.HELD, HearingOutcome.NO_SHOW)


class Hearing(TimeStamped):
    """A hearing requested in writing (SPA s.34.1, s.135) and what became of it."""

    Outcome = HearingOutcome

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="hearings")
    requested_by = models.ForeignKey(CaseParty, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(_("request received on"))
    reason = models.TextField(_("reason given"))
    hold_by = models.DateField(_("must be held by"))
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    notice_letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    consent_file = models.FileField(
        _("written request to postpone"), upload_to="hearings/%Y/", blank=True
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["case", "requested_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=HearingOutcome.values),
                name="hearing_outcome_valid",
            ),
            # A hearing without an outcome is the case's open request: one at a time
            # (a postponement records its outcome before it opens the next).
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(outcome=""),
                name="hearing_one_open_per_case",
                violation_error_message=_("This case already has an open hearing request."),
            ),
        ]
        indexes = [
            # Hearings due: open requests by the date they must be held.
            models.Index(fields=["outcome", "hold_by"], name="hearing_due_idx"),
        ]

    def __str__(self):
        return f"{self.case} — {self.requested_on}"


class CouncilMeeting(TimeStamped):
    """A council meeting whose decisions were recorded together (DESIGN §9 bulk action).

    ``submission`` is the recording form's one-time token, so a form submitted twice records
    one meeting, not two."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="council_meetings")
    held_on = models.DateField(_("meeting date"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members present")
    )
    submission = models.UUIDField(unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            # the strata's meetings, latest first
            models.Index(fields=["strata", "-held_on"], name="meeting_strata_held"),
        ]

    def __str__(self):
        return f"{self.strata} council meeting {self.held_on}"


class DecisionOutcome(models.TextChoices):
    UPHELD_WARNING = "upheld_warning", _("Upheld: warning only")
    UPHELD_FINE = "upheld_fine", _("Upheld: fine")
    UPHELD_CONTINUING = "upheld_continuing", _("Upheld: continuing fine")
    DISMISSED = "dismissed", _("Dismissed")


UPHELD_OUTCOMES = (
    DecisionOutcome.UPHELD_WARNING,
    DecisionOutcome.UPHELD_FINE,
    DecisionOutcome.UPHELD_CONTINUING,
)


class Decision(TimeStamped):
    """Council's decision on a case, as recorded from its meeting (SPA ss.26-27, 135(2))."""

    Outcome = DecisionOutcome

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="decision")
    meeting_on = models.DateField(_("council meeting date"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members present")
    )
    recusals = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recused")
    )
    motion = models.TextField(_("motion"))
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    votes_abstaining = models.PositiveSmallIntegerField(_("abstaining"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reasons = models.TextField(_("reasons"))
    fine_amount = models.DecimalField(_("fine"), **Money, null=True, blank=True)
    continuing_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True
    )
    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    meeting = models.ForeignKey(
        CouncilMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("recorded with meeting"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-meeting_on", "-id"]
        constraints = [
            choices_check("outcome", DecisionOutcome, "decision_outcome_valid"),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True) | Q(fine_amount__gt=0),
                name="decision_fine_positive",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["upheld_fine", "upheld_continuing"])
                | Q(fine_amount__isnull=False),
                name="decision_fine_names_an_amount",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="upheld_continuing") | Q(continuing_every_days__gte=1),
                name="decision_continuing_names_an_interval",
            ),
        ]

    def __str__(self):
        return f"{self.case} — {self.get_outcome_display()}"
