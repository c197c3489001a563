"""System checks of this project's own settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    """Management commands (exports, feeds) write absolute links: they need the address."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    return [
        Warning(
            "DJANGO_SITE_URL is not set.",
            hint="Set it to the address the site is served at (https://timeline.example.org): management commands "
            "that write exports need it for their absolute links.",
            id="timeline.W001",
        )
    ]
