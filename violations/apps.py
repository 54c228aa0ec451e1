from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "violations"

    def ready(self):
        from accounts.hidden_subjects import hidden_subjects_register
        from violations.selectors.access import recused_subjects

        # The outbox, its tracking and the audit log hide a recused member's cases too.
        hidden_subjects_register(recused_subjects)
