from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.autoreload import file_changed


def create_editors_group(sender, **kwargs):
    from timeline.editors import ensure_editors_group

    ensure_editors_group()


def forget_rendered_pages(sender, file_path, **kwargs):
    """`make run`: a page shows an edited template at once, not after the next change of the data
    (rendered pages are keyed by the data version). Returns None so that Django still reloads."""
    if file_path.suffix in {".html", ".txt", ".xml"}:
        from timeline.caching import rendered

        rendered.clear()


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Kazakhstan, January 2022"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from timeline import checks  # noqa: F401 (registers them)

        # After every migrate, once Django has created the models' permissions.
        post_migrate.connect(create_editors_group, sender=self)
        file_changed.connect(forget_rendered_pages)
