import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from timeline.models import Citation, Event, Figure, Source, find_passage, nearest_passage

pytestmark = pytest.mark.django_db


def test_find_passage_ignores_whitespace_differences_only():
    text = "Police said 12 people were\n\ndetained."
    assert find_passage(text, "12 people were detained.") == (12, len(text))
    assert find_passage(text, "12 people were  detained") is not None
    assert find_passage(text, "12 people were arrested") is None
    assert find_passage(text, "12 People were detained") is None
    assert find_passage(text, "   ") is None


def test_a_citation_whose_quote_is_in_the_source_is_valid(make_event, source):
    citation = Citation(event=make_event(), source=source, quote="Police said 12 people were detained.")
    citation.full_clean()


def test_a_citation_whose_quote_is_not_in_the_source_fails_naming_the_source(make_event, source):
    citation = Citation(event=make_event(), source=source, quote="Police said 13 people were detained.")
    with pytest.raises(ValidationError) as error:
        citation.full_clean()
    assert "Test Times (AFP): Protests spread" in str(error.value.message_dict["quote"])


def test_a_figure_quote_is_checked_too_and_needs_a_value_or_qualifier(make_event, source):
    figure = Figure(
        event=make_event(),
        source=source,
        measure=Figure.Measure.DETAINED,
        claimant_words="police",
        reported_on="2022-01-06",
        quote="12 people were detained",
    )
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert "value" in error.value.message_dict
    figure.value = 12
    figure.full_clean()
    figure.quote = "13 people"
    with pytest.raises(ValidationError):
        figure.full_clean()


def test_end_date_cannot_precede_start(make_event):
    event = make_event()
    event.end_date = datetime.date(2022, 1, 4)
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "end_date" in error.value.message_dict


def test_an_uncertain_date_needs_its_latest_day(make_event):
    event = make_event()
    event.date_precision = Event.Precision.BETWEEN
    with pytest.raises(ValidationError):
        event.full_clean()


@pytest.mark.parametrize(
    ("precision", "date", "end", "expected"),
    [
        ("day", "2022-01-05", None, "Wednesday 5 January 2022"),
        ("between", "2022-01-05", "2022-01-06", "Between 5 and 6 January 2022"),
        ("day", "2022-01-05", "2022-01-19", "5 to 19 January 2022"),
        ("between", "2021-12-30", "2022-01-02", "Between 30 December 2021 and 2 January 2022"),
        ("day", "2022-01-05", "2222-12-31", "5 January 2022 to 31 December 2222"),
        ("year", "1999-01-01", None, "1999"),
        ("month", "2022-01-01", None, "January 2022"),
    ],
)
def test_date_display_says_how_precise_the_date_is(precision, date, end, expected):
    event = Event(
        date=datetime.date.fromisoformat(date),
        end_date=end and datetime.date.fromisoformat(end),
        date_precision=precision,
    )
    assert event.date_display == expected


def test_published_and_context_querysets(make_event):
    make_event(slug="old", date="2019-03-19")
    make_event(slug="draft", status=Event.Status.DRAFT)
    make_event(slug="new", date="2022-01-02")
    assert set(Event.objects.published().values_list("slug", flat=True)) == {"old", "new"}
    assert list(Event.objects.context().values_list("slug", flat=True)) == ["old"]
    assert list(Event.objects.published().day_by_day().values_list("slug", flat=True)) == ["new"]


def test_figure_display_value_keeps_the_wording():
    assert Figure(value=2000, qualifier="about").display_value == "about 2,000"
    assert Figure(value=13, qualifier="").display_value == "13"
    assert Figure(value=None, qualifier="dozens").display_value == "dozens"


@pytest.mark.django_db(transaction=True)
def test_of_two_saves_at_once_exactly_one_wins(make_event):
    """Both editors loaded version 1; they save in the same instant, in two threads."""
    event = make_event(status=Event.Status.DRAFT)
    start = threading.Barrier(2)
    outcomes = {}

    def edit(title):
        mine = Event.objects.get(pk=event.pk)
        mine.title = title
        start.wait()
        try:
            mine.save()
            outcomes[title] = "saved"
        except Event.StaleEdit:
            outcomes[title] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(title,)) for title in ("Mine", "Theirs")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"]
    event.refresh_from_db()
    assert event.version == 2
    assert outcomes[event.title] == "saved"  # the row holds the winner's edit, whole


def test_a_save_from_a_stale_copy_is_refused(make_event):
    event = make_event()
    stale = Event.objects.get(pk=event.pk)
    event.title = "First"
    event.save()
    stale.title = "Second"
    with pytest.raises(Event.StaleEdit):
        stale.save()
    event.refresh_from_db()
    assert (event.title, event.version) == ("First", 2)


def test_a_new_sources_seed_file_is_named_after_its_slug_and_kept(db):
    def new_source(slug):
        return Source(
            slug=slug, title="Title", published_on=datetime.date(2022, 1, 6), kind="wire", rights_holder="AFP", text="A"
        )

    source = new_source("new-wire")
    source.full_clean()
    source.save()
    assert source.seed_file == "new-wire.txt"
    source.slug = "renamed-wire"
    source.save()
    assert Source.objects.get(pk=source.pk).seed_file == "new-wire.txt"  # the file stays where it is
    with pytest.raises(ValidationError) as error:
        new_source("new-wire").full_clean()  # its seed file would be the renamed source's
    assert "seeds/new-wire.txt" in str(error.value.message_dict["slug"])


def test_an_event_lasts_at_most_a_year(make_event):
    event = make_event()
    event.end_date = datetime.date(2023, 1, 6)  # 366 days: a leap year's worth is allowed
    event.full_clean()
    event.end_date = datetime.date(2222, 12, 31)
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert list(refused.value.message_dict) == ["end_date"]
    assert "Wednesday 5 January 2022 to Tuesday 31 December 2222" in refused.value.message_dict["end_date"][0]


# The nearest passage, for a quote that does not occur ------------------------------------------

ARTICLE = (
    "Protesters stormed the mayor's office\non Wednesday. Police said 12 people were\n\ndetained. "
    "The government resigned — the president accepted it — and a state of emergency was declared."
)


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("Protesters stormed the mayor’s office on Wednesday.", "Protesters stormed the mayor's office\non Wednesday."),
        ("The government resigned - the president accepted it", "The government resigned — the president accepted it"),
    ],
)
def test_a_curly_apostrophe_or_a_dash_finds_the_nearest_passage_at_98_percent(quote, expected):
    nearest = nearest_passage(ARTICLE, quote)
    assert ARTICLE[nearest.start : nearest.end] == expected
    assert 0.97 <= nearest.similarity < 1


def test_the_nearest_passage_is_whole_words_and_is_found_for_any_quote():
    nearest = nearest_passage(ARTICLE, "police say twelve people were detained")
    assert ARTICLE[nearest.start : nearest.end].split() == ["Police", "said", "12", "people", "were", "detained"]
    nearest = nearest_passage(ARTICLE, "accepted it and a state")  # whole words, without the quote's
    assert ARTICLE[nearest.start : nearest.end] == "accepted it — and a state"  # punctuation left out
    assert nearest_passage(ARTICLE, "") is None and nearest_passage("", "a quote") is None
    assert nearest_passage(ARTICLE, ARTICLE + " and more").start == 0  # a quote longer than the text


def test_the_nearest_passage_is_fast_in_a_long_article():
    text = " ".join(f"word{i % 997} sentence {i}." for i in range(1600))  # about 30,000 characters
    quote = " ".join(text.split()[2000:2040]).replace("sentence", "sentance")
    started = time.perf_counter()
    nearest = nearest_passage(text, quote)
    assert time.perf_counter() - started < 0.5
    assert text[nearest.start : nearest.end].split() == text.split()[2000:2040]


def test_a_misquote_is_refused_with_the_nearest_passage_named(source):
    citation = Citation(event=Event(), source=source, quote="Protesters stormed the mayor’s office")
    with pytest.raises(ValidationError) as refused:
        citation.clean()
    message = refused.value.message_dict["quote"][0]
    assert "does not occur in the text of" in message
    assert "Its nearest passage, 97% alike: “Protesters stormed the mayor's office”." in message


# Migration 0014: a figure's free-text claimant becomes an actor -----------------------------------

from django.db.migrations.executor import MigrationExecutor  # noqa: E402

BEFORE, AFTER = ("timeline", "0013_seed_file_derived"), ("timeline", "0014_figure_claimant_actor")


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_text_claimants_into_actors_and_keeps_the_words():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    try:
        names = ("Actor", "Event", "Source", "Figure")
        Actor_, Event_, Source_, Figure_ = (old.get_model("timeline", name) for name in names)
        ministry = Actor_.objects.create(
            slug="kazakh-interior-ministry", name="Interior Ministry of Kazakhstan", kind="government",
            aliases=["interior ministry", "Kazakh interior ministry"],
            search_names="interior ministry of kazakhstan\ninterior ministry\nkazakh interior ministry",
        )  # fmt: skip
        Actor_.objects.create(slug="afp", name="AFP", kind="media", search_names="afp")
        source = Source_.objects.create(
            slug="wire", title="Wire", published_on="2022-01-06", kind="wire", seed_file="w.txt", rights_holder="AFP",
            text="The Interior Ministry said 12 people were detained.",
        )  # fmt: skip
        event = Event_.objects.create(
            slug="e", title="E", summary="S", category="security", date="2022-01-05", date_basis="stated"
        )
        written = {
            "the interior ministry": "",
            "the Interior Ministry": "",
            "the Kazakh interior ministry (statement read on state television)": "In Almaty only.",
            "AFP (its own summary)": "",
            "a shopkeeper": "",
        }
        for number, (claimant, note) in enumerate(written.items()):
            Figure_.objects.create(
                event=event, source=source, measure="detained", value=number, qualifier="", claimant=claimant,
                reported_on="2022-01-06", quote="12 people were detained", note=note,
            )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        new = executor.loader.project_state([AFTER]).apps.get_model("timeline", "Figure")
        figures = {f.value: f for f in new.objects.all()}
        assert [(f.claimant_id, f.claimant_words) for f in figures.values()] == [
            (ministry.pk, "the interior ministry"),  # three spellings, one actor, each spelling kept
            (ministry.pk, "the Interior Ministry"),
            (ministry.pk, "the Kazakh interior ministry"),
            (None, ""),  # the article's own reporting: no claimant, as a citation's
            (None, "a shopkeeper"),  # no actor has the name: kept as written, for an editor to decide
        ]
        assert figures[2].note == "In Almaty only. The ministry's statement was read on state television."
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_scope_written_differently_only_in_case_spaces_or_punctuation_is_the_existing_one(make_event, source):
    event = make_event()
    common = {"event": event, "source": source, "value": 12, "reported_on": "2022-01-06", "quote": "12 people were"}
    Figure.objects.create(measure="detained", scope="so far; no place given", **common)
    again = Figure(measure="detained", scope=" So far,  no place given. ", **common)
    again.full_clean()
    assert again.scope == "so far; no place given"
    other_words = Figure(measure="detained", scope="so far, nationwide", **common)
    other_words.full_clean()
    assert other_words.scope == "so far, nationwide"
    other_measure = Figure(measure="people_wounded", scope="So far, no place given", **common)
    other_measure.full_clean()
    assert other_measure.scope == "So far, no place given"  # scopes are compared within one measure
