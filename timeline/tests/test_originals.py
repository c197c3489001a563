"""Links into the original articles: text fragments that find each passage, and only it; the
Wayback Machine's copy; what a source page says where there is no address."""

import re
import urllib.parse

import pytest

from timeline.fragments import Directive, directive_for, link
from timeline.models import Citation, Figure, Position, Source, find_passage

pytestmark = pytest.mark.django_db


def occurrences(text, directive):
    """Where a browser could match ``directive`` in ``text``, found independently of
    timeline.fragments: a case-insensitive regular expression over the text with its
    whitespace collapsed, the terms on word boundaries, the end the nearest one after the start."""
    page = re.sub(r"\s+", " ", text)

    def term(words):
        return r"\s+".join(map(re.escape, words.split()))

    pattern = r"(?<!\w)"
    if directive.prefix:
        pattern += term(directive.prefix) + r"\s*"
    pattern += f"(?P<passage>{term(directive.start)}"
    if directive.end:
        pattern += r".*?" + term(directive.end)
    pattern += r")(?!\w)"
    if directive.suffix:
        pattern += r"\s*" + term(directive.suffix) + r"(?!\w)"
    return [match.span("passage") for match in re.finditer(f"(?={pattern})", page, re.I | re.S)]


def test_every_passage_of_the_collection_has_a_directive_that_finds_it_exactly_once(curated):
    passages = [*Citation.objects.select_related("source"), *Figure.objects.select_related("source"),
                *Position.objects.select_related("source")]  # fmt: skip
    assert len(passages) > 300
    for passage in passages:
        text = passage.source.text
        assert passage.text_fragment, passage.quote
        directive = Directive.parse(passage.text_fragment)
        found = occurrences(text, directive)
        assert len(found) == 1, (passage.quote, passage.text_fragment, found)
        start, end = find_passage(text, passage.quote)
        collapsed = re.sub(r"\s+", " ", text)
        assert collapsed[slice(*found[0])] == " ".join(text[start:end].split())  # the passage itself


def test_a_directive_is_percent_encoded_with_its_own_syntax_characters_too():
    text = "Prices rose, and the old man - Nazarbayev - left. Prices fell & rose again."
    directive = directive_for(text, *find_passage(text, "the old man - Nazarbayev - left"))
    assert directive == "the%20old%20man%20%2D%20Nazarbayev%20%2D%20left"
    assert Directive.parse(directive).start == "the old man - Nazarbayev - left"
    url = link("https://example.org/story?id=1#top", directive)
    assert url == f"https://example.org/story?id=1#:~:text={directive}"  # the page's own fragment is dropped
    assert urllib.parse.urlsplit(url).fragment.startswith(":~:text=")


def test_words_that_occur_earlier_get_the_words_around_them():
    text = "Police said 12 people were detained. Later police said 12 people were detained in Almaty."
    second = text.rindex("police said")
    directive = Directive.parse(directive_for(text, second, second + len("police said 12 people were detained")))
    assert (directive.prefix, directive.suffix) == ("Later", "")
    assert occurrences(text, directive) == [(second, second + 35)]
    first = Directive.parse(directive_for(text, 0, len("Police said 12 people were detained")))
    assert first.suffix == "."  # the first one is told apart by what follows it: the full stop
    assert occurrences(text, first) == [(0, 35)]


def test_a_long_passage_is_found_by_its_first_and_last_words():
    text = " ".join(f"word{n}" for n in range(40))
    start = text.index("word3 ")
    directive = Directive.parse(directive_for(text, start, text.index("word30") + len("word30")))
    assert directive == Directive("word3 word4 word5 word6 word7", "word26 word27 word28 word29 word30")


def test_a_passage_the_same_words_around_it_cannot_tell_apart_gets_no_directive():
    text = "Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots. Shots."
    assert directive_for(text, 49, 54) == ""  # a link that might land elsewhere is worse than none


def test_the_source_reader_links_each_passage_to_the_original_and_the_archive(client, curated):
    times = Source.objects.get(slug="moscow-times-afp")
    html = client.get(times.get_absolute_url()).content.decode()
    assert f'href="https://web.archive.org/web/20220106/{times.url}"' in html
    citation = times.citations.first()
    assert f'href="{citation.original_url.replace("&", "&amp;")}"' in html
    assert "seeds/" not in html and times.seed_file not in html  # no internal file names


def test_a_source_without_an_address_says_so_in_words(client, curated):
    html = client.get(Source.objects.get(slug="tass").get_absolute_url()).content.decode()
    assert "No address: the copy in the collection does not give one" in html
    assert "web.archive.org" not in html and ":~:text=" not in html


def test_an_address_from_outside_knowledge_says_so(client, curated):
    chronicle = Source.objects.get(slug="houston-chronicle-nyt")
    html = client.get(chronicle.get_absolute_url()).content.decode()
    assert "Outside knowledge, not from the article" in html


def test_the_event_page_links_each_passage_to_the_original(client, curated):
    citation = Citation.objects.filter(source__slug="moscow-times-afp", event__status="published").first()
    html = client.get(citation.event.get_absolute_url()).content.decode()
    link = f'<a href="{citation.original_url.replace("&", "&amp;")}" rel="noopener noreferrer">'
    assert link + "These words in the original article</a>" in html
    tass = Citation.objects.filter(source__slug="tass", event__status="published").first()
    assert (
        "No original address is known for this article." in client.get(tass.event.get_absolute_url()).content.decode()
    )


def test_a_changed_source_text_moves_its_passages_links_on(source, make_event):
    event = make_event(quote="Police said 12 people")
    citation = event.citations.get()
    assert Directive.parse(citation.text_fragment).start == "Police said 12 people"
    source.text = "Police said 12 people were detained. " + source.text  # the words now occur twice
    source.save()
    citation.refresh_from_db()
    directive = Directive.parse(citation.text_fragment)
    assert directive.prefix or directive.suffix
    assert len(occurrences(source.text, directive)) == 1


# Rights, and deployments that may not republish whole articles -------------------------------------


def test_each_source_says_who_holds_its_rights(client, curated):
    html = client.get(Source.objects.get(slug="tass").get_absolute_url()).content.decode()
    assert "© TASS Russian News Agency. Quoted for reference and verification" in html


@pytest.fixture
def passages_only(settings):
    settings.PUBLIC_SOURCE_TEXT = False


def test_without_public_source_text_readers_see_each_passage_in_its_sentence(client, curated, passages_only):
    times = Source.objects.get(slug="moscow-times-afp")
    html = client.get(times.get_absolute_url()).content.decode()
    assert 'class="article-text"' not in html  # not the full text
    assert html.count('class="article-text article-excerpt"') > 1
    words = re.sub(r"<[^>]+>", "", html)  # the passages are cut into highlighted pieces
    assert "Fighting appeared to be continuing a day after protesters stormed several government buildings" in words
    assert "with an AFP correspondent hearing regular eruptions of gunfire" in words  # the rest of its sentence
    assert "Kazakhstan, which tolerates little real opposition" not in html  # an uncited paragraph
    assert "only the cited passages are shown, each in its sentence" in html


def test_without_public_source_text_editors_still_see_the_whole_article(client, curated, passages_only, admin_user):
    client.force_login(admin_user)
    html = client.get(Source.objects.get(slug="moscow-times-afp").get_absolute_url()).content.decode()
    assert "Kazakhstan, which tolerates little real opposition" in html


def test_without_public_source_text_exports_leave_the_articles_out(client, curated, passages_only):
    from .test_exports import export_json

    doc = export_json(client)
    assert all("text" not in source for source in doc["sources"])
    assert doc["events"][0]["citations"][0]["quote"]  # the passages stay
