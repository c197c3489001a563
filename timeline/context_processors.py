from django.utils.functional import SimpleLazyObject

from timeline.models import Source


def coverage(request):
    """What the public collection covers (the sources a published event cites), for the lede
    and the footer of every page; queried only when a page shows it."""
    return {"coverage": SimpleLazyObject(lambda: Source.objects.public().coverage())}
