from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The sandbox's own app: demo data only, no models."""

    name = "sandbox.demo"
    label = "demo"
    verbose_name = "Sandbox demo"
    default_auto_field = "django.db.models.BigAutoField"
