"""The public changes as feeds: Atom (Django's syndication framework) and JSON Feed 1.1."""

from django.contrib.syndication.views import Feed
from django.http import JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from timeline.caching import cached_page
from timeline.models import EventChange

FEED_SIZE = 50  # the newest changes; /changes/ has them all
TITLE = "Kazakhstan, January 2022: changes to the cited timeline"
DESCRIPTION = "Every public change to the timeline's events, newest first: corrections, events added, taken down."


def latest_changes():
    return EventChange.objects.newest_first()[:FEED_SIZE]


def change_text(change):
    """What a change says, in plain words: its headline, then the editor's note."""
    return f"{change.headline}. {change.note}" if change.note else f"{change.headline}."


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = TITLE
    subtitle = DESCRIPTION
    link = "/changes/"

    def items(self):
        return latest_changes()

    def item_title(self, change):
        return f"{change.headline}: {change.title}"

    def item_description(self, change):
        return change_text(change)

    def item_link(self, change):
        return change.get_absolute_url()

    def item_guid(self, change):
        return f"{reverse('timeline:change_list')}#change-{change.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.made_at

    def item_updateddate(self, change):
        return change.made_at


@require_safe
@cached_page
def json_feed(request):
    """https://www.jsonfeed.org/version/1.1/"""
    site = request.build_absolute_uri("/").rstrip("/")
    items = [
        {
            "id": f"{site}{reverse('timeline:change_list')}#change-{change.pk}",
            "url": site + change.get_absolute_url(),
            "title": f"{change.headline}: {change.title}",
            "content_text": change_text(change),
            "date_published": change.made_at.isoformat(),
            "tags": [change.kind, *change.changed],
        }
        for change in latest_changes()
    ]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": TITLE,
        "description": DESCRIPTION,
        "home_page_url": site + reverse("timeline:change_list"),
        "feed_url": request.build_absolute_uri(),
        "language": "en",
        "items": items,
    }
    return JsonResponse(feed, content_type="application/feed+json", json_dumps_params={"ensure_ascii": False})


atom_feed = require_safe(cached_page(ChangesFeed()))
