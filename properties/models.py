"""The register: units, the people connected to them, and stalls and lockers."""

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Strata, TimeStamped
from accounts.strata_time import strata_today
from accounts.validators import validate_single_line


def same_strata_errors(strata_id, **related) -> dict:
    """Errors for each related object (Unit/Person) that belongs to another strata."""
    errors = {}
    for field, obj in related.items():
        if obj is not None and strata_id is not None and obj.strata_id != strata_id:
            errors[field] = _("%(obj)s belongs to another strata.") % {"obj": obj}
    return errors


def _day(value: dt.date) -> str:
    """A date as a refusal writes it: "20 Nov 2026"."""
    return f"{value.day} {value:%b %Y}"


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL, and none on SQLite (the zero-setup development
    database), which has no such thing. The model's ``clean()`` states the same rule in words
    on every backend; the constraint is the database's guarantee under concurrent writes."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        """Nothing: ``clean()`` already refused the row, with a reason, on every backend."""


class Unit(TimeStamped):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="units")
    unit_number = models.CharField(_("unit number"), max_length=20)
    strata_lot_number = models.PositiveIntegerField(_("strata lot"), null=True, blank=True)
    floor = models.CharField(_("floor"), max_length=10, blank=True)
    is_townhouse = models.BooleanField(_("townhouse"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["strata__name", "unit_number"]
        constraints = [
            models.UniqueConstraint(
                Lower("unit_number"),
                "strata",
                condition=models.Q(archived_at__isnull=True),
                name="unit_number_unique_in_strata",
                violation_error_message=_("This strata already has a unit with this number."),
            ),
            models.UniqueConstraint(
                fields=["strata", "strata_lot_number"],
                condition=models.Q(archived_at__isnull=True),
                name="unit_strata_lot_unique_in_strata",
                violation_error_message=_("This strata lot already has a unit."),
            ),
        ]

    def __str__(self):
        return _("Unit %(number)s") % {"number": self.unit_number}


class Person(TimeStamped):
    """Someone connected to units: an owner, tenant, occupant, agent or landlord.

    Email is not unique (households share addresses). ``email_for_notices`` is the address the
    person gave for the service of notices (SPA s.61): only that address may receive them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="persons")
    full_name = models.CharField(_("full name"), max_length=200, validators=[validate_single_line])
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    postal_address = models.TextField(
        _("postal address"), blank=True, help_text=_("Where mailed notices go, if not the unit.")
    )
    email_for_notices = models.EmailField(
        _("email given for notices"),
        blank=True,
        help_text=_("SPA s.61: notices may be emailed only to an address given for that purpose."),
    )
    email_for_notices_given_on = models.DateField(
        _("date the notice address was given"), null=True, blank=True
    )
    pets = models.TextField(_("pets"), blank=True)
    newsletters = models.BooleanField(
        _("receives newsletters"),
        default=True,
        help_text=_("The person's own choice on their preferences page; notices always go."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        help_text=_("The resident login of this person. Linked explicitly, never by email."),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email_for_notices="")
                | models.Q(email_for_notices_given_on__isnull=False),
                name="person_notice_email_has_consent_date",
                violation_error_message=_(
                    "Record the date the person gave the address for notices."
                ),
            ),
        ]
        indexes = [
            # Finding the persons behind an address (shared mailboxes, login links).
            models.Index(Lower("email"), name="person_email_ci_idx"),
        ]

    def __str__(self):
        return self.full_name

    def clean(self):
        for field in ("email", "email_for_notices"):
            setattr(self, field, (getattr(self, field) or "").strip().lower())


class Occupancy(TimeStamped):
    """A person's role on a unit for a period. History is kept: a returning tenant is a new row."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        TENANT = "tenant", _("Tenant")
        OCCUPANT = "occupant", _("Occupant")
        AGENT = "agent", _("Agent")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="occupancies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="occupancies")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    landlord = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenancies_as_landlord",
        help_text=_("For tenants: the landlord (SPA s.146)."),
    )
    form_k_received_on = models.DateField(
        _("Form K received on"), null=True, blank=True, help_text=_("SPA s.146 notice of tenant.")
    )
    # Checked like evidence and stored under a random name (properties.form_k); the uploader's
    # name is kept for the download only.
    form_k_file = models.FileField(_("Form K"), upload_to="form-k/%Y/", blank=True)
    form_k_name = models.CharField(
        _("Form K file name"), max_length=255, blank=True, editable=False
    )
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)
    receives_newsletters = models.BooleanField(_("receives newsletters"), default=True)

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["unit__unit_number", "role", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person", "role"],
                condition=models.Q(ends_on__isnull=True),
                name="occupancy_unique_current_role",
                violation_error_message=_(
                    "This person already has this role on this unit. End the current row "
                    "before adding a new one."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="occupancy_ends_after_start",
                violation_error_message=_("An occupancy cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "tenant", "occupant", "agent"]),
                name="occupancy_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role="tenant") | models.Q(landlord__isnull=True),
                name="occupancy_landlord_only_for_tenants",
                violation_error_message=_("Only a tenancy has a landlord."),
            ),
            # Two rows of one person in one role on one unit never share a day (an open end
            # runs on for ever). PostgreSQL only, with btree_gist; clean() says it everywhere.
            PostgresExclusionConstraint(
                name="occupancy_no_overlapping_periods",
                expressions=[
                    ("unit", RangeOperators.EQUAL),
                    ("person", RangeOperators.EQUAL),
                    ("role", RangeOperators.EQUAL),
                    (
                        models.Func(
                            models.F("starts_on"),
                            models.F("ends_on"),
                            RangeBoundary(inclusive_upper=True),
                            function="DATERANGE",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]
        indexes = [
            # Current occupancies of a unit (recipients, access): unit + open end.
            models.Index(fields=["unit", "ends_on"], name="occupancy_unit_current_idx"),
            # A person's current units (resident access).
            models.Index(fields=["person", "ends_on"], name="occupancy_person_current_idx"),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_role_display()} — {self.unit}"

    def clean(self):
        strata_id = self.unit.strata_id if self.unit_id else None
        errors = same_strata_errors(
            strata_id,
            person=self.person if self.person_id else None,
            landlord=self.landlord if self.landlord_id else None,
        )
        if self.landlord_id and self.landlord_id == self.person_id:
            errors["landlord"] = _("A tenant cannot be their own landlord.")
        if self.form_k_received_on and self.unit_id:
            today = strata_today(self.unit.strata)
            if self.form_k_received_on > today:
                errors["form_k_received_on"] = _(
                    "The Form K cannot be dated %(date)s, after today (%(today)s)."
                ) % {"date": _day(self.form_k_received_on), "today": _day(today)}
        if errors:
            raise ValidationError(errors)
        if self.unit_id and self.person_id and self.starts_on:
            self._refuse_overlap()

    def _refuse_overlap(self):
        """History may hold many rows for one unit, person and role, but never overlapping
        (the database's ``occupancy_no_overlapping_periods`` on PostgreSQL). A field error,
        so a form shows it beside the dates and an import beside the row's start."""
        end = self.ends_on or dt.date.max
        overlapping = (
            Occupancy.objects.filter(unit_id=self.unit_id, person_id=self.person_id, role=self.role)
            .exclude(pk=self.pk)
            .filter(starts_on__lte=end)
            .exclude(ends_on__lt=self.starts_on)
        )
        if overlapping.exists():
            raise ValidationError(
                {
                    "starts_on": _(
                        "%(person)s already has the role %(role)s on %(unit)s for part of this "
                        "period. End that occupancy first, or change the dates."
                    )
                    % {"person": self.person, "role": self.get_role_display(), "unit": self.unit}
                }
            )


class Facility(TimeStamped):
    """A numbered stall or locker, assigned to a unit (each subclass's ``unit``) or free."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="+")
    identifier = models.CharField(_("identifier"), max_length=20)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["strata__name", "identifier"]

    def __str__(self):
        return f"{self._meta.verbose_name.capitalize()} {self.identifier}"

    def clean(self):
        errors = same_strata_errors(self.strata_id, unit=self.unit if self.unit_id else None)
        if errors:
            raise ValidationError(errors)


def _facility_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(
            Lower("identifier"),
            "strata",
            name=f"{prefix}_identifier_unique_in_strata",
            violation_error_message=_("This strata already has one with this identifier."),
        ),
    ]


class ParkingSpot(Facility):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="parking_spots"
    )

    class Meta(Facility.Meta):
        verbose_name = _("parking stall")
        verbose_name_plural = _("parking stalls")
        constraints = _facility_constraints("parking")


class StorageLocker(Facility):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="storage_lockers"
    )

    class Meta(Facility.Meta):
        verbose_name = _("storage locker")
        verbose_name_plural = _("storage lockers")
        constraints = _facility_constraints("storage")


class BikeLocker(Facility):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="bike_lockers"
    )

    class Meta(Facility.Meta):
        verbose_name = _("bike locker")
        verbose_name_plural = _("bike lockers")
        constraints = _facility_constraints("bike")


class RegisterImportJob(TimeStamped):
    """A register file too large to check while the manager waits, imported in the background
    (properties.import_run): who imports it into which strata, and how far the job got.

    The file is deleted once the job has run; the counts and the rows' errors stay.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        FAILED = "failed", _("nothing imported")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The name of the register_io resource class that reads the file (UnitResource, ...).
    resource = models.CharField(_("what"), max_length=40)
    file = models.FileField(upload_to="register_imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=10)
    # Where the upload came from, for the audit entries of the rows the job writes.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"))
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    # [{"row": 3, "errors": ["strata_lot_number: x is not a number."]}, ...]; the first
    # import_run.ERRORS_KEPT rows with errors (``row`` is None for an error of the whole file).
    row_errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done", "failed"]),
                name="register_import_job_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="register_import_job_rows_done_within_total",
            ),
        ]
        indexes = [
            # A strata's imports, newest first (the admin's list).
            models.Index(fields=["strata", "-created_at"], name="register_import_strata_idx"),
        ]

    def __str__(self):
        return self.file_name
