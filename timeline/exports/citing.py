"""Citing: CSL-JSON for reference managers, schema.org JSON-LD for the event pages."""

from timeline.exports.rows import iso, site_address


def author_names(authors):
    """["A B", "C D", "E F"] from "A B, C D and E F"."""
    return [n.strip() for n in authors.replace(" and ", ", ").split(",") if n.strip()]


def _csl_name(name):
    given, _, family = name.rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": name}


def csl_item(source, site_url=None):
    item = {
        "id": source.slug,
        "type": "article-newspaper",
        "title": source.title,
        "issued": {"date-parts": [[source.published_on.year, source.published_on.month, source.published_on.day]]},
        "URL": source.url or site_address(site_url) + source.get_absolute_url(),
    }
    if source.outlet:
        item["container-title"] = source.outlet
    if source.origin:
        item["publisher"] = source.origin
    if source.authors:
        item["author"] = [_csl_name(name) for name in author_names(source.authors)]
    if source.published_on_basis:
        item["note"] = "Date inferred: " + source.published_on_basis
    return item


def event_jsonld(event, site_url=None):
    """schema.org markup for an event page: the event, its places and its sources."""
    site_url = site_address(site_url)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": site_url + event.get_absolute_url(),
        "url": site_url + event.get_absolute_url(),
        "name": event.title,
        "description": event.summary,
        "startDate": iso(event.date),
        "eventStatus": "https://schema.org/EventScheduled",
        "location": [
            {"@type": "Place", "name": p.name, "alternateName": p.aliases}
            | (
                {"geo": {"@type": "GeoCoordinates", "latitude": float(p.latitude), "longitude": float(p.longitude)}}
                if p.has_coordinates
                else {}
            )
            for p in event.places.all()
        ],
        "subjectOf": [],
    }
    if event.end_date:
        data["endDate"] = iso(event.end_date)
    for source in dict.fromkeys(c.source for c in event.citations.all()):
        article = {
            "@type": "NewsArticle",
            "headline": source.title,
            "datePublished": iso(source.published_on),
            "url": source.url or site_url + source.get_absolute_url(),
        }
        if source.outlet:
            article["publisher"] = {"@type": "Organization", "name": source.outlet}
        if source.origin:
            article["sourceOrganization"] = {"@type": "Organization", "name": source.origin}
        if source.authors:
            article["author"] = [{"@type": "Person", "name": name} for name in author_names(source.authors)]
        data["subjectOf"].append(article)
    return data
