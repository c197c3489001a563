"""The "Editors" group: exactly the permissions needed to curate the timeline."""

from django.contrib.auth.models import Group, Permission

from timeline.models import CURATED_MODELS

EDITORS_GROUP = "Editors"


def ensure_editors_group():
    """Create or repair the Editors group; safe to run any number of times."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="timeline",
        content_type__model__in=[model._meta.model_name for model in CURATED_MODELS],
    )
    group.permissions.set(permissions)
    return group
