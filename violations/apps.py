from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "violations"

    def ready(self):
        from accounts.hidden_subjects import hidden_subjects_register
        from communications.signals import legal_email_bounced
        from violations.selectors.access import recused_subjects
        from violations.services.bounced_notices import legal_email_bounced_received

        # The outbox, its tracking and the audit log hide a recused member's cases too.
        hidden_subjects_register(recused_subjects)
        # A bounced legal notice was not served by email: paper service, at once.
        legal_email_bounced.connect(
            legal_email_bounced_received, dispatch_uid="violations.legal_email_bounced"
        )
