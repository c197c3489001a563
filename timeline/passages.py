"""Render a source's full text with every cited passage highlighted and anchored."""

import itertools
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from timeline.models import find_passage


@dataclass(frozen=True)
class Passage:
    anchor: str  # the element id that references link to
    start: int
    end: int
    owner: object  # the event or the difference that cites the passage: it has a title and a URL
    quote: str


def passages_of(source, *quoted_passages):
    """The located passages of ``source`` quoted by the given citations, figures and
    positions (querysets or lists), in text order. A passage that no longer occurs in the
    text is left out."""
    found = []
    for quoted in itertools.chain(*quoted_passages):
        span = find_passage(source.text, quoted.quote)
        if span:
            found.append(Passage(quoted.anchor, *span, quoted.owner, quoted.quote))
    return sorted(found, key=lambda p: (p.start, -p.end, p.anchor))


def highlight(text, passages):
    """HTML for ``text`` with each passage in a <mark>. Passages may overlap: the
    text is cut at every passage boundary, each piece is marked when any passage
    covers it, every passage's first piece carries its anchor id, every piece lists
    the passages covering it (``data-passages``, so that the page can outline all of a
    passage), and a link back to the citing event follows its last piece."""
    cuts = sorted({0, len(text), *(p.start for p in passages), *(p.end for p in passages)})
    html = []
    for start, end in itertools.pairwise(cuts):
        piece = escape(text[start:end])
        covering = [p for p in passages if p.start <= start and end <= p.end]
        if covering:
            anchors = [p.anchor for p in passages if p.start == start]
            extra_ids = "".join(format_html('<span id="{}"></span>', a) for a in anchors[1:])
            id_attr = format_html(' id="{}"', anchors[0]) if anchors else ""
            covered_by = " ".join(p.anchor for p in covering)
            html.append(
                format_html('<mark{} data-passages="{}">{}{}</mark>', id_attr, covered_by, mark_safe(extra_ids), piece)
            )
        else:
            html.append(piece)
        for passage in (p for p in passages if p.end == end):
            html.append(
                format_html(
                    '<a class="backlink" href="{}#{}"><span aria-hidden="true">↩</span>'
                    '<span class="visually-hidden">cited in: {}</span></a>',
                    passage.owner.get_absolute_url(),
                    passage.anchor,
                    passage.owner.title,
                )
            )
    return mark_safe("".join(html))
