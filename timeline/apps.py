from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Kazakhstan, January 2022"
    default_auto_field = "django.db.models.BigAutoField"
