"""Render a source's full text with every cited passage highlighted and anchored."""

import dataclasses
import itertools
import re
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
    original_url: str = ""  # the passage highlighted in the original article, where there is one


def passages_of(source, *quoted_passages):
    """The located passages of ``source`` quoted by the given citations, figures and
    positions (querysets or lists), in text order. A passage that no longer occurs in the
    text is left out."""
    found = []
    for quoted in itertools.chain(*quoted_passages):
        span = find_passage(source.text, quoted.quote)
        if span:
            found.append(Passage(quoted.anchor, *span, quoted.owner, quoted.quote, quoted.original_url))
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


SENTENCE_END = re.compile(r"""[.!?…][”"’')\]]*(?=\s)|\n\s*\n""")


def sentence_bounds(text, start, end):
    """(start, end) of the sentences ``text[start:end]`` lies in: from the end of the sentence
    or paragraph before it to the end of the last sentence it touches."""
    before = 0
    for match in SENTENCE_END.finditer(text, 0, start):
        before = match.end()
    while before < start and text[before].isspace():
        before += 1
    after = SENTENCE_END.search(text, end)
    if after is None:
        return before, len(text)
    return before, after.start() if after.group().isspace() else after.end()


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a source's text around one or more passages, as readers see a source when
    its full text is not public."""

    start: int
    end: int
    passages: tuple

    def render(self, text):
        shifted = [dataclasses.replace(p, start=p.start - self.start, end=p.end - self.start) for p in self.passages]
        return highlight(text[self.start : self.end], shifted)


def excerpts_of(text, passages):
    """Each passage in its sentence(s), sentences shared by several passages shown once, in
    text order: [(Excerpt, its HTML)]."""
    merged = []
    for passage in passages:
        start, end = sentence_bounds(text, passage.start, passage.end)
        if merged and start <= merged[-1].end:
            last = merged.pop()
            merged.append(Excerpt(last.start, max(last.end, end), (*last.passages, passage)))
        else:
            merged.append(Excerpt(start, end, (passage,)))
    return [(excerpt, excerpt.render(text)) for excerpt in merged]
