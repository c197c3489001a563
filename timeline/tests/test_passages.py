import re
from types import SimpleNamespace

from timeline.passages import Passage, highlight

EVENT = SimpleNamespace(title="An <event>", get_absolute_url=lambda: "/events/e/")  # an event or a difference


def passage(anchor, start, end):
    return Passage(anchor, start, end, EVENT, "")


def test_highlight_marks_and_anchors_each_passage():
    html = highlight("one two three", [passage("c1", 4, 7)])
    assert html.startswith('one <mark id="c1" data-passages="c1">two</mark><a class="backlink" href="/events/e/#c1">')
    assert html.endswith(" three")
    assert "An &lt;event&gt;" in html


def test_overlapping_passages_each_get_an_anchor():
    html = highlight("abcdef", [passage("c1", 0, 4), passage("c2", 2, 6), passage("c3", 2, 4)])
    assert html.count("<mark") == 3
    assert 'id="c1"' in html and 'id="c2"' in html and 'id="c3"' in html


def test_every_piece_of_a_passage_says_which_passages_cover_it():
    """So that the page can outline the whole of a passage, not only its first piece."""
    html = highlight("abcdef", [passage("c1", 0, 4), passage("c2", 2, 6)])
    pieces = re.findall(r'<mark[^>]*data-passages="([^"]+)"', html)
    assert pieces == ["c1", "c1 c2", "c2"]


def test_the_text_is_escaped():
    html = highlight("<script>alert(1)</script>", [passage("c1", 0, 8)])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
