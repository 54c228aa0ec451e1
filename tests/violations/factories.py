import datetime as dt
import hashlib

import factory

from tests.accounts.factories import StrataFactory
from tests.properties.factories import UnitFactory
from violations.models import Bylaw, BylawCategory, BylawRevision, Complaint, Violation


class BylawCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BylawCategory

    strata = factory.SubFactory(StrataFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class BylawFactory(factory.django.DjangoModelFactory):
    """A bylaw with one revision in force since 2020."""

    class Meta:
        model = Bylaw
        skip_postgeneration_save = True

    strata = factory.SubFactory(StrataFactory)
    number = factory.Sequence(lambda n: f"3.{n + 1}")
    title = "Noise"
    text = "An owner, tenant or occupant must not cause a nuisance or unreasonable noise."

    @factory.post_generation
    def revision(obj, create, extracted, **kwargs):
        if create:
            BylawRevision.objects.create(
                bylaw=obj, text=obj.text, effective_on=extracted or dt.date(2020, 1, 1)
            )


class ViolationFactory(factory.django.DjangoModelFactory):
    """A reported case on a unit with one bylaw and one complaint."""

    class Meta:
        model = Violation
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    strata = factory.SelfAttribute("unit.strata")
    reference = factory.Sequence(lambda n: f"VIO-20261101-{n + 1:03d}")
    incident_on = dt.date(2026, 11, 1)
    incident_time = dt.time(23, 30)
    incident_place = "Unit balcony"
    description = "Loud music until 2 a.m., reported by two neighbours."

    @factory.post_generation
    def bylaws(obj, create, extracted, **kwargs):
        if create:
            obj.bylaws.set(extracted or [BylawFactory(strata=obj.strata)])

    @factory.post_generation
    def complaint(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            Complaint.objects.create(
                case=obj,
                received_on=obj.incident_on,
                channel=Complaint.Channel.EMAIL,
                complainant_name="A neighbour",
                details="Music again.",
            )


class ViolationCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "violations.ViolationCategory"

    strata = factory.SubFactory(StrataFactory)
    name = factory.Sequence(lambda n: f"Violation category {n}")


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    """A strata's own wording of a letter, in use (version 1 unless given)."""

    class Meta:
        model = "violations.LetterTemplate"

    strata = factory.SubFactory(StrataFactory)
    kind = "hearing_notice"
    version = 1
    body_html = "<p>Our own wording of {{ reference }}.</p>"


ORIGINAL_BYTES = b"\xff\xd8\xff\xe0 original"


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A staff photo on a case, with its resident-safe copy."""

    class Meta:
        model = "violations.Evidence"

    case = factory.SubFactory(ViolationFactory)
    original = factory.django.FileField(data=ORIGINAL_BYTES, filename="photo.jpg")
    resident_copy = factory.django.FileField(data=b"\xff\xd8\xff\xe0 copy", filename="copy.jpg")
    original_name = "photo.jpg"
    size = len(ORIGINAL_BYTES)
    kind = "image"
    content_type = "image/jpeg"
    sha256 = hashlib.sha256(ORIGINAL_BYTES).hexdigest()
    source = "staff"
