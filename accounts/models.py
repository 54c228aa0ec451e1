"""Stratas, users, staff memberships and the audit log."""

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_single_line

# Reg 7.1: the largest fine a bylaw or a rule may set for one contravention.
REG_7_1_MAX_BYLAW_FINE = 200
REG_7_1_MAX_RULE_FINE = 50
# Reg 7.1(2): a continuing contravention is fined at most every 7 days (SPA s.135(3) lets the
# fine repeat without a new notice).
MIN_CONTINUING_INTERVAL_DAYS = 7
# SPA s.34.1: a requested hearing is held within 4 weeks.
MAX_HEARING_DEADLINE_DAYS = 28
# SPA s.34.1(3): the decision is given in writing within a week of the hearing.
MAX_DECISION_DEADLINE_DAYS = 7


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone such as America/Vancouver."),
            params={"value": value},
        )


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Strata(TimeStamped):
    """A strata corporation and the rule settings its enforcement follows (BC rule pack)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    plan_number = models.CharField(
        _("strata plan number"), max_length=20, help_text=_("For example BCS1234.")
    )
    address = models.TextField(_("address"), blank=True)
    postal_address = models.TextField(
        _("postal address for replies"),
        blank=True,
        help_text=_("Printed on notices as the address for written replies."),
    )
    reply_email = models.EmailField(_("email for replies"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Vancouver", validators=[validate_time_zone]
    )
    letter_signature = models.TextField(_("letter signature"), blank=True)
    sender_name = models.CharField(
        _("email sender name"), max_length=200, blank=True, validators=[validate_single_line]
    )
    contact_line = models.CharField(
        _("email contact line"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_(
            "One line in the footer of every email that is not a legal notice, under the "
            "postal address: for example 604-555-0100 · manager@example.com."
        ),
    )

    max_fine_bylaw = models.DecimalField(
        _("maximum fine per bylaw contravention"),
        max_digits=10,
        decimal_places=2,
        default=50,
        help_text=_("Reg 7.1 allows at most $200."),
    )
    max_fine_rule = models.DecimalField(
        _("maximum fine per rule contravention"),
        max_digits=10,
        decimal_places=2,
        default=10,
        help_text=_("Reg 7.1 allows at most $50."),
    )
    response_window_days = models.PositiveSmallIntegerField(
        _("days to respond to a notice"), default=14, validators=[MinValueValidator(1)]
    )
    continuing_interval_days = models.PositiveSmallIntegerField(
        _("days between continuing-contravention fines"),
        default=7,
        help_text=_("Regulation 7.1(2): never less than 7."),
    )
    hearing_deadline_days = models.PositiveSmallIntegerField(
        _("days to hold a requested hearing"),
        default=28,
        help_text=_("SPA s.34.1: never more than 28."),
    )
    decision_deadline_days = models.PositiveSmallIntegerField(
        _("days to give a decision after a hearing"),
        default=7,
        help_text=_("SPA s.34.1(3): never more than 7."),
    )
    fine_payable_within_days = models.PositiveSmallIntegerField(
        _("fines payable within (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Days after a decision letter or fine notice by which a fine or remedy cost is to "
            "be paid, as the strata's bylaws provide. Blank: letters state no due date."
        ),
    )
    notice_approvals_required = models.PositiveSmallIntegerField(
        _("council approvals a notice needs"),
        default=0,
        help_text=_("0 means the manager sends notices without council approval."),
    )
    reminder_lead_days = models.PositiveSmallIntegerField(
        _("days before a deadline to remind"), default=3
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("strata")
        verbose_name_plural = _("stratas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("plan_number"), name="strata_plan_number_unique"),
            models.CheckConstraint(
                condition=models.Q(max_fine_bylaw__gte=0)
                & models.Q(max_fine_bylaw__lte=REG_7_1_MAX_BYLAW_FINE),
                name="strata_max_fine_bylaw_within_reg_7_1",
            ),
            models.CheckConstraint(
                condition=models.Q(max_fine_rule__gte=0)
                & models.Q(max_fine_rule__lte=REG_7_1_MAX_RULE_FINE),
                name="strata_max_fine_rule_within_reg_7_1",
            ),
            models.CheckConstraint(
                condition=models.Q(continuing_interval_days__gte=MIN_CONTINUING_INTERVAL_DAYS),
                name="strata_continuing_interval_at_least_7_days",
            ),
            models.CheckConstraint(
                condition=models.Q(hearing_deadline_days__gte=1)
                & models.Q(hearing_deadline_days__lte=MAX_HEARING_DEADLINE_DAYS),
                name="strata_hearing_deadline_within_28_days",
            ),
            models.CheckConstraint(
                condition=models.Q(decision_deadline_days__gte=1)
                & models.Q(decision_deadline_days__lte=MAX_DECISION_DEADLINE_DAYS),
                name="strata_decision_deadline_within_7_days",
            ),
            models.CheckConstraint(
                condition=models.Q(response_window_days__gte=1),
                name="strata_response_window_positive",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.plan_number})"

    def clean(self):
        # The same ceilings as the constraints, as form errors rather than IntegrityErrors.
        errors = {}
        if self.max_fine_bylaw is not None and self.max_fine_bylaw > REG_7_1_MAX_BYLAW_FINE:
            errors["max_fine_bylaw"] = _("Reg 7.1 caps a bylaw fine at $200.")
        if self.max_fine_rule is not None and self.max_fine_rule > REG_7_1_MAX_RULE_FINE:
            errors["max_fine_rule"] = _("Reg 7.1 caps a rule fine at $50.")
        if (
            self.continuing_interval_days is not None
            and self.continuing_interval_days < MIN_CONTINUING_INTERVAL_DAYS
        ):
            errors["continuing_interval_days"] = _(
                "A continuing contravention may be fined at most every 7 days."
            )
        if self.hearing_deadline_days is not None and not (
            1 <= self.hearing_deadline_days <= MAX_HEARING_DEADLINE_DAYS
        ):
            errors["hearing_deadline_days"] = _("SPA s.34.1 requires a hearing within 28 days.")
        if self.decision_deadline_days is not None and not (
            1 <= self.decision_deadline_days <= MAX_DECISION_DEADLINE_DAYS
        ):
            errors["decision_deadline_days"] = _(
                "SPA s.34.1(3) requires the decision within 7 days of the hearing."
            )
        if errors:
            raise ValidationError(errors)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        """Sign-in by email in any case. Stored addresses are lower case (a check constraint),
        so an exact match on the lowered address finds the same user through the unique index,
        where ``iexact`` (``UPPER(email)`` on PostgreSQL) would scan the table."""
        return self.get(email=username.lower())

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Staff rights come from memberships; resident rights from linked persons.

    Users are deactivated, never deleted: history points at them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # One unique index, the field's own: Django's auth checks want USERNAME_FIELD unique by
    # field or plain-field constraint (an index on Lower("email") draws auth.W004, which CI's
    # check --deploy fails on). Stored lower-cased (save(), and the check constraint below for
    # writes that bypass save()), so this index is case-insensitive too.
    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(
        _("full name"), max_length=200, blank=True, validators=[validate_single_line]
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_lower_case"
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class StrataMembership(TimeStamped):
    """A staff role in one strata, for a period (councils change at every AGM)."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Property manager")
        COUNCIL = "council", _("Council member")
        CARETAKER = "caretaker", _("Caretaker / concierge")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Set when a role is ended on or before today: from that moment it grants nothing, in the
    # sessions already open too. A role ended for a later day holds through that day.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    # A role granted to an account that already existed grants nothing until its holder,
    # signed in, accepts it (accounts.views.membership_accept_view); a brand-new account's
    # first role counts as accepted, since the account is unusable until the mailbox owner
    # sets its password through the emailed link.
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("strata membership")
        verbose_name_plural = _("strata memberships")
        ordering = ["strata__name", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "strata", "role"],
                condition=models.Q(ends_on__isnull=True),
                name="membership_unique_open_role",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["manager", "council", "caretaker"]),
                name="membership_role_valid",
            ),
        ]
        indexes = [
            # permissions.staff_roles(): a user's current memberships on every admin request.
            models.Index(fields=["user", "ends_on"], name="membership_user_ends_idx"),
        ]

    def __str__(self):
        # Before acceptance the inviter sees only the address they typed, not the account's name.
        person = self.user if self.accepted_at else self.user.email
        return f"{person} — {self.get_role_display()} — {self.strata.name}"


class AuditLog(models.Model):
    """Append-only record of who did what. On PostgreSQL a trigger refuses UPDATE and DELETE.

    ``action`` is a namespaced string (``register.unit_changed``) validated in code, so later
    apps add actions without migrating this one.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    strata = models.ForeignKey(
        Strata, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_type = models.CharField(max_length=100, blank=True)
    target_uuid = models.UUIDField(null=True, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit changelist of one strata, newest first.
            models.Index(fields=["strata", "-created_at"], name="audit_strata_created_idx"),
            # "What happened to this record": the history of one target.
            models.Index(fields=["target_uuid"], name="audit_target_idx"),
            # The changelist's action filter, entries of one namespace (action LIKE
            # 'register.%'), and lookups of one action: a pattern index serves both whatever
            # the database's collation (PostgreSQL; a plain index elsewhere).
            models.Index(
                fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"


class LoginToken(models.Model):
    """A secret link that signs a resident in (DESIGN §8), stored only as the SHA-256 of the
    secret. Generic: ``subject`` is the person it is for and ``target`` what it opens (a case),
    both by uuid, so this app knows nothing of the register or the cases. A sign-in link asked
    for by email has no subject: whoever owns ``email`` chooses which of its persons they are.
    """

    class Purpose(models.TextChoices):
        CASE_LINK = "case_link", _("Personal case link")
        SIGN_IN = "sign_in", _("Sign-in link")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    strata = models.ForeignKey(
        Strata, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.UUIDField(null=True, blank=True)
    target = models.UUIDField(null=True, blank=True)
    email = models.EmailField(blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("login token")
        verbose_name_plural = _("login tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["case_link", "sign_in"]),
                name="login_token_purpose_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(purpose="case_link")
                | models.Q(subject__isnull=False, target__isnull=False),
                name="login_token_case_link_has_person_and_case",
            ),
        ]
        indexes = [models.Index(fields=["subject", "target"], name="login_token_subject_idx")]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.uuid}"


class ApiToken(models.Model):
    """A bearer token for an app (docs/api.md), stored only as the SHA-256 of the secret; the
    secret is shown once, when it is made. ``resident_only``: made from a resident session, it
    never reaches a staff endpoint even when its user also holds a staff role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("name"), max_length=100, blank=True)
    resident_only = models.BooleanField(default=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… {self.name}"
