"""Outbox rows made directly (not by sending), for admin, selector and query-count tests."""

import hashlib

import factory
from django.utils import timezone

from communications.models import (
    DeliveryAttempt,
    EmailKind,
    EmailStatus,
    EmailTemplate,
    OutboundEmail,
    Suppression,
    TrackingEvent,
)
from tests.accounts.factories import StrataFactory


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundEmail

    strata = factory.SubFactory(StrataFactory)
    kind = EmailKind.REMINDER
    to_address = factory.Sequence(lambda n: f"recipient{n}@example.test")
    from_email = "Harbour View <no-reply@example.test>"
    reply_to = "council@example.test"
    subject = factory.Sequence(lambda n: f"Email {n}")
    body_text = "Hello,\n\nThe pool closes on Friday.\n"
    body_html = "<p>Hello,</p><p>The pool closes on Friday.</p>"
    dedup_key = factory.Sequence(lambda n: f"test:email:{n}")
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(f"{o.subject}\0{o.body_text}\0{o.body_html}".encode()).hexdigest()
    )
    status = EmailStatus.QUEUED
    queued_at = factory.LazyFunction(timezone.now)


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    email = factory.SubFactory(OutboundEmailFactory)
    number = factory.Sequence(lambda n: n + 1)
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at)
    outcome = DeliveryAttempt.Outcome.TRANSIENT
    smtp_code = 451
    error = "451 4.3.0 Try again later"
    worker = "worker-1@test"


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    strata = factory.SubFactory(StrataFactory)
    name = "accounts.invitation"
    version = factory.Sequence(lambda n: n + 1)
    subject = "Welcome to {{ strata_name }}"
    body_text = "Hello {{ recipient_name }},\n\nYou are now {{ role }}.\n"
    body_html = "<p>Hello {{ recipient_name }},</p>"
    is_active = True


class SuppressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suppression

    address = factory.Sequence(lambda n: f"suppressed{n}@example.test")
    reason = Suppression.Reason.BOUNCED
    scope = Suppression.Scope.ALL


class TrackingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackingEvent

    email = factory.SubFactory(OutboundEmailFactory)
    kind = TrackingEvent.Kind.CLICK
    url = factory.Sequence(lambda n: f"https://example.test/link/{n}")
    provider_event_id = factory.Sequence(lambda n: f"evt-{n}")
    occurred_at = factory.LazyFunction(timezone.now)
