"""Service methods of SPA s.61(1), who served a letter and when it was recorded, and emailed
letters served only once the mail server accepted them.

- ``hand`` (handed to the person) becomes ``hand_person``; the other methods are new.
- An email service recorded as sent when it was queued, whose outbox row was never sent,
  becomes ``queued``: the five-minute check serves it when the outbox row is sent, or turns it
  into paper service if it failed.
"""

import datetime as dt
import zoneinfo

from django.db import migrations, models

NEW_PAPER_METHODS = ("adult_occupant", "under_door", "mail_slot")


def hand_to_hand_person(apps, schema_editor):
    Service = apps.get_model("violations", "Service")
    Service.objects.filter(method="hand").update(method="hand_person")


def hand_person_to_hand(apps, schema_editor):
    Service = apps.get_model("violations", "Service")
    Service.objects.filter(method="hand_person").update(method="hand")
    # The old schema knows no service at the strata lot; like mail, it is deemed given 4 days
    # after, so "mail" keeps every deemed date and deadline as it was.
    Service.objects.filter(method__in=NEW_PAPER_METHODS).update(method="mail")


def unsent_email_to_queued(apps, schema_editor):
    Service = apps.get_model("violations", "Service")
    accepted = models.Q(outbound_email__status="sent") | models.Q(
        outbound_email__status="duplicate", outbound_email__duplicate_of__status="sent"
    )
    Service.objects.filter(method="email", status="sent").exclude(accepted).update(
        status="queued", sent_at=None, deemed_given_on=None
    )


def queued_email_to_sent(apps, schema_editor):
    """What the old code recorded: sent when queued, deemed given 4 days after that day."""
    Service = apps.get_model("violations", "Service")
    for service in Service.objects.filter(status="queued").select_related("letter__case__strata"):
        zone = zoneinfo.ZoneInfo(service.letter.case.strata.time_zone)
        service.status = "sent"
        service.sent_at = service.created_at
        service.deemed_given_on = service.created_at.astimezone(zone).date() + dt.timedelta(days=4)
        service.save(update_fields=["status", "sent_at", "deemed_given_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0002_outbox_attempt_started_at"),
        ("violations", "0002_ledger_meetings_exports"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="service", name="service_method_valid"),
        migrations.RemoveConstraint(model_name="service", name="service_status_valid"),
        migrations.AddField(
            model_name="service",
            name="delivered_by",
            field=models.CharField(
                blank=True,
                help_text="Who handed, left, put or mailed the letter.",
                max_length=200,
                verbose_name="delivered by",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="recorded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="recorded"),
        ),
        migrations.AlterField(
            model_name="service",
            name="method",
            field=models.CharField(
                choices=[
                    ("email", "Email"),
                    ("hand_person", "Handed to the person"),
                    ("adult_occupant", "Left with an adult occupant"),
                    ("under_door", "Put under the door"),
                    ("mail_slot", "Put through the mail slot or in the mailbox"),
                    ("mail", "Mail"),
                ],
                max_length=20,
                verbose_name="method",
            ),
        ),
        migrations.AlterField(
            model_name="service",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Email queued, not yet accepted by the mail server"),
                    ("pending", "To serve on paper"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("bounced", "Bounced"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(hand_to_hand_person, hand_person_to_hand),
        migrations.RunPython(unsent_email_to_queued, queued_email_to_sent),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "method__in",
                        [
                            "email",
                            "hand_person",
                            "adult_occupant",
                            "under_door",
                            "mail_slot",
                            "mail",
                        ],
                    )
                ),
                name="service_method_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["queued", "pending", "sent", "failed", "bounced"])
                ),
                name="service_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "queued"), _negated=True),
                    ("method", "email"),
                    _connector="OR",
                ),
                name="service_queued_is_email",
            ),
        ),
    ]
