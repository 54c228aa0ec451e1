from django.apps import AppConfig


class ViolationsConfig(AppConfig):
    name = "violations"
