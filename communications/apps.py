from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "communications"

    def ready(self):
        from anymail.signals import tracking

        from communications.webhooks import tracking_received

        # Provider webhooks (anymail's views) record bounces, complaints, opens and clicks.
        tracking.connect(tracking_received, dispatch_uid="communications.tracking_received")
