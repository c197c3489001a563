"""Text-fragment links (``#:~:text=``): a link into the original article that makes the
reader's browser scroll to the quoted words and highlight them.

A directive is ``[prefix-,]start[,end][,-suffix]``, each term percent-encoded. Browsers
look for its first match in the page's text, ignoring case, on word boundaries; so a passage
whose words occur earlier in the article gets a prefix or a suffix (a few of the words around
it) until its directive matches it, and only it. The check runs on our copy of the article,
which is what the quote was checked against; the original page may have moved on since.

https://wicg.github.io/scroll-to-text-fragment/"""

import re
import urllib.parse
from dataclasses import dataclass

WHOLE_PASSAGE_WORDS = 10  # up to this many words, the directive is the passage itself
EDGE_WORDS = 5  # longer passages: their first and last words, as start and end
MAX_CONTEXT_WORDS = 6  # the longest prefix or suffix tried


@dataclass(frozen=True)
class Directive:
    start: str
    end: str = ""
    prefix: str = ""
    suffix: str = ""

    def __str__(self):
        terms = [f"{encode(self.prefix)}-"] if self.prefix else []
        terms.append(encode(self.start))
        if self.end:
            terms.append(encode(self.end))
        if self.suffix:
            terms.append(f"-{encode(self.suffix)}")
        return ",".join(terms)

    @classmethod
    def parse(cls, text):
        """The directive of ``text`` (what follows ``#:~:text=``), its terms decoded."""
        terms = text.split(",")
        prefix = urllib.parse.unquote(terms.pop(0)[:-1]) if terms[0].endswith("-") else ""
        suffix = urllib.parse.unquote(terms.pop()[1:]) if terms[-1].startswith("-") else ""
        start, *rest = (urllib.parse.unquote(term) for term in terms)
        return cls(start, rest[0] if rest else "", prefix, suffix)


def encode(term):
    """Percent-encoded, with the directive's own syntax characters (-, and &) encoded too."""
    return urllib.parse.quote(term, safe="").replace("-", "%2D")


def link(url, directive):
    """``url`` pointing at the passage; empty when there is no address or no directive."""
    if not url or not directive:
        return ""
    return f"{url.split('#')[0]}#:~:text={directive}"


class Page:
    """A text as browsers search it for a directive: runs of whitespace as one space, any case."""

    def __init__(self, text):
        self.text = re.sub(r"\s+", " ", text).lower()

    def _at(self, term, position):
        """The end of ``term`` if it occurs at ``position`` on word boundaries, else None."""
        end = position + len(term)
        if self.text[position:end] != term or not self._boundary(position) or not self._boundary(end):
            return None
        return end

    def _boundary(self, position):
        before = self.text[position - 1] if position > 0 else " "
        after = self.text[position] if position < len(self.text) else " "
        return not (before.isalnum() and after.isalnum())

    def _find(self, term, position):
        """(start, end) of the first occurrence of ``term`` from ``position`` on word boundaries."""
        while (found := self.text.find(term, position)) != -1:
            if (end := self._at(term, found)) is not None:
                return found, end
            position = found + 1
        return None

    def _after_space(self, position):
        return position + 1 if self.text[position : position + 1] == " " else position

    def matches(self, directive):
        """Every range of the text the directive matches, in order: browsers take the first."""
        start, end, prefix, suffix = (
            " ".join(term.lower().split())
            for term in (directive.start, directive.end, directive.prefix, directive.suffix)
        )
        found, position = [], 0
        while True:
            if prefix:
                before = self._find(prefix, position)
                if before is None:
                    return found
                position = before[0] + 1
                first = self._after_space(before[1])
                last = self._at(start, first)
                if last is None:
                    continue
            else:
                span = self._find(start, position)
                if span is None:
                    return found
                first, last = span
                position = first + 1
            if end:
                closing = self._find(end, last)
                if closing is None:
                    return found
                last = closing[1]
            if suffix and self._at(suffix, self._after_space(last)) is None:
                continue
            found.append((first, last))

    def locate(self, text, start, end):
        """Where ``text[start:end]`` (offsets in the original text) lies in this page's text."""
        before = len(re.sub(r"\s+", " ", text[:start]))  # a passage starts with a word, not a space
        return before, before + len(" ".join(text[start:end].split()))


def directive_for(text, start, end, page=None):
    """The shortest directive whose only match in ``text`` is the passage ``text[start:end]``,
    as a string; empty if no prefix or suffix of the lengths tried makes it unique (the same
    words with the same words around them twice). ``page``: ``Page(text)``, when at hand."""
    words = text[start:end].split()
    if not words:
        return ""
    if len(words) <= WHOLE_PASSAGE_WORDS:
        terms = {"start": " ".join(words)}
    else:
        terms = {"start": " ".join(words[:EDGE_WORDS]), "end": " ".join(words[-EDGE_WORDS:])}
    page = page or Page(text)
    target = page.locate(text, start, end)
    before, after = text[:start].split(), text[end:].split()
    for size in range(MAX_CONTEXT_WORDS + 1):
        for context in _contexts(before, after, size):
            directive = Directive(**terms, **context)
            if page.matches(directive) == [target]:
                return str(directive)
    return ""


def _contexts(before, after, size):
    """Prefixes and suffixes of ``size`` words to try, shortest first."""
    if size == 0:
        yield {}
        return
    if len(before) >= size:
        yield {"prefix": " ".join(before[-size:])}
    if len(after) >= size:
        yield {"suffix": " ".join(after[:size])}
    if len(before) >= size and len(after) >= size:
        yield {"prefix": " ".join(before[-size:]), "suffix": " ".join(after[:size])}
