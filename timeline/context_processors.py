from django.utils.functional import SimpleLazyObject

from timeline.models import Source


def coverage(request):
    """What the collection covers, for the lede and the footer of every page; queried only
    when a page shows it."""
    return {"coverage": SimpleLazyObject(Source.objects.coverage)}
