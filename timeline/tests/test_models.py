import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from timeline.models import Actor, Citation, Event, Figure, Place, find_passage

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
        ("between", "2021-12-30", "2022-01-02", "Between 30 December and 2 January 2022"),
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


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Putin’s", True),  # as the articles write it
        ("Putin's", True),  # as readers type it
        ("PUTIN'S TROOPS", True),
        ("Ṗutin’s", True),  # an accent the name does not have
        ('"', False),  # no name holds a double quote: the JSON around the aliases must not match
        ("[", False),
        ("u2019", False),  # nor the escape SQLite's JSON text would hold
    ],
)
def test_names_match_whatever_the_quotes_accents_and_case(db, typed, found):
    Actor.objects.create(
        slug="russian-armed-forces", name="Russian armed forces", kind="military", aliases=["Putin’s troops"]
    )
    Actor.objects.create(slug="zhanaozen-workers", name="Zhanaözen oil workers", kind="group", aliases=[])
    assert Actor.objects.matching_name(typed).filter(slug="russian-armed-forces").exists() == found
    assert Actor.objects.matching_name("zhanaozen").exists()


def test_name_variants_stay_searchable_after_an_edit(db):
    place = Place.objects.create(slug="almaty", name="Almaty", kind="city", aliases=[])
    assert not Place.objects.matching_name("Alma-Ata").exists()
    place.aliases = ["Alma–Ata"]  # an en dash, as a source might print it
    place.save()
    assert Place.objects.matching_name("alma-ata").get() == place


# Migration 0012: a figure's free-text claimant becomes an actor -----------------------------------

from django.db.migrations.executor import MigrationExecutor  # noqa: E402

BEFORE, AFTER = ("timeline", "0011_public_changes_links_and_rights"), ("timeline", "0012_figure_claimant_actor")


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
