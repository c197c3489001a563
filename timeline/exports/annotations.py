"""W3C Web Annotation: every cited passage as an annotation of its source."""

from timeline.exports.rows import EVERYTHING, dump, event_records, site_address
from timeline.models import Event, Source, find_passage

SITE_TITLE = "Kazakhstan, January 2022: a cited timeline"
ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 32  # characters of the source's text before and after a passage (TextQuoteSelector)


def annotations(events=None, *, known_on=None, site_url=None, collection_url=None):
    """A W3C Web Annotation collection, as a stream of text chunks: each citation and figure
    passage of ``events`` annotates its source (its original address, or its page here)
    with a TextQuoteSelector and a TextPositionSelector (offsets, in characters, in the
    source's text as the collection holds it), and links to the event that cites it."""
    if events is None:
        events = Event.objects.published()
    site_url = site_address(site_url)
    collection_url = collection_url or f"{site_url}/export/annotations.jsonld"
    texts = dict(Source.objects.values_list("pk", "text"))
    spans = {}  # (source pk, quote): (start, end); wire stories are quoted by many events

    def annotation(passage, event_url):
        key = (passage.source_id, passage.quote)
        if key not in spans:
            spans[key] = find_passage(texts[passage.source_id], passage.quote)
        if spans[key] is None:
            return None  # not in its source any more: the editors' check reports it
        start, end = spans[key]
        text = texts[passage.source_id]
        return {
            "id": site_url + passage.get_absolute_url(),
            "type": "Annotation",
            "motivation": "linking",
            "body": {"id": event_url, "type": "Text", "format": "text/html", "language": "en"},
            "target": {
                "type": "SpecificResource",
                "source": passage.source.url or f"{site_url}{passage.source.get_absolute_url()}",
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": text[start:end],
                        "prefix": text[max(0, start - QUOTE_CONTEXT) : start],
                        "suffix": text[end : end + QUOTE_CONTEXT],
                    },
                    {"type": "TextPositionSelector", "start": start, "end": end},
                ],
            },
        }

    def items():
        for event in event_records(events, known_on, read=EVERYTHING - {"links"}):
            event_url = site_url + event.path
            for passage in (*event.citations, *event.figures):
                if item := annotation(passage, event_url):
                    yield dump(item)

    head = {
        "@context": ANNOTATION_CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": f"{SITE_TITLE}: every passage the timeline cites, linked to the event that cites it",
    }
    yield dump(head)[:-1] + f', "first": {{"id": {dump(collection_url + "#page-1")}, "type": "AnnotationPage", '
    yield '"startIndex": 0, "items": [\n'
    total = 0
    for number, item in enumerate(items()):
        yield ("" if number == 0 else ",\n") + item
        total += 1
    yield f'\n]}}, "total": {total}}}\n'
