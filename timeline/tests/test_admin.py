import pytest
from django.urls import reverse

from timeline.models import Actor, Citation, Event, Figure, Place, Source

pytestmark = pytest.mark.django_db

MODELS = [Source, Actor, Place, Event, Citation, Figure]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_working_changelist_and_add_page(admin_client, curated, model):
    opts = model._meta
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_add")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_change", args=[obj.pk])).status_code == 200


def test_event_change_page_has_citation_and_figure_inlines(admin_client, curated):
    event = Figure.objects.first().event
    html = admin_client.get(reverse("admin:timeline_event_change", args=[event.pk])).content.decode()
    assert "citations-TOTAL_FORMS" in html
    assert "figures-TOTAL_FORMS" in html
    assert event.citations.first().quote[:30] in html


def test_admin_refuses_a_citation_quote_not_in_the_source(admin_client, make_event, source):
    event = make_event()
    response = admin_client.post(
        reverse("admin:timeline_citation_add"),
        {"event": event.pk, "source": source.pk, "quote": "A sentence the article never printed.", "note": ""},
    )
    assert response.status_code == 200
    assert "does not occur in the text of" in response.content.decode()
    assert Citation.objects.filter(event=event).count() == 1


def test_admin_search_finds_events_by_quote(admin_client, curated):
    response = admin_client.get(reverse("admin:timeline_event_changelist"), {"q": "Saltanat Azirbek"})
    assert response.status_code == 200
    assert "0 results" not in response.content.decode()
