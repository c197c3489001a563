from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_editors_group(sender, **kwargs):
    from timeline.editors import ensure_editors_group

    ensure_editors_group()


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Kazakhstan, January 2022"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from timeline import checks  # noqa: F401 (registers them)
        from timeline.models import connect_data_version
        from timeline.search import connect_search_index

        # After every migrate, once Django has created the models' permissions.
        post_migrate.connect(create_editors_group, sender=self)
        connect_data_version()
        connect_search_index()
