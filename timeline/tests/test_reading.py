"""timeline.reading and `read_article`. Every article here is MADE-UP TEST DATA, written for these
tests only: no outlet published it, and none of it belongs in fixtures/ or seeds/."""

import datetime
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command

from timeline import reading
from timeline.models import Actor, Place

SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "reading.schema.json").read_text())
THURSDAY_6 = datetime.date(2022, 1, 6)
MONDAY_10 = datetime.date(2022, 1, 10)


def dates_of(text, published):
    return {d.words: d for d in reading.find_dates(text, published)}


# --- dates (made-up sentences) ----------------------------------------------------------------


def test_a_weekday_is_the_latest_such_day_on_or_before_the_articles_date():
    found = dates_of("Protesters gathered on Wednesday. By Thursday the square was empty.", THURSDAY_6)
    assert found["on Wednesday"].date == datetime.date(2022, 1, 5)
    assert found["on Wednesday"].basis == "resolved"
    assert found["on Wednesday"].note == "‘on Wednesday’ in the article of Thursday 6 January 2022: 5 January"
    assert found["Thursday"].date == THURSDAY_6  # the article's own day
    assert found["on Wednesday"].end_date is None


def test_on_monday_in_a_monday_story_is_that_day():
    found = dates_of("The president spoke on Monday.", MONDAY_10)
    assert found["on Monday"].date == MONDAY_10


def test_yesterday_and_today():
    found = dates_of("Yesterday the cabinet resigned; today troops arrived.", THURSDAY_6)
    assert found["Yesterday"].date == datetime.date(2022, 1, 5)
    assert found["today"].date == THURSDAY_6


@pytest.mark.parametrize("words", ["last night", "overnight"])
def test_last_night_and_overnight_are_between_the_day_before_and_the_day(words):
    found = dates_of(f"Shots were heard {words} near the square.", datetime.date(2022, 1, 7))
    day = found[words]
    assert (day.date, day.end_date, day.basis) == (datetime.date(2022, 1, 6), datetime.date(2022, 1, 7), "resolved")
    assert day.note == f"‘{words}’ in the article of Friday 7 January 2022: between 6 and 7 January"


def test_earlier_that_day_is_the_day_of_the_date_before_it():
    text = "On Tuesday the governor resigned. Earlier that day, crowds had gathered."
    found = dates_of(text, THURSDAY_6)
    assert found["Earlier that day"].date == datetime.date(2022, 1, 4)
    assert "after ‘On Tuesday’" in found["Earlier that day"].note


def test_later_that_day_and_a_weekday_before_an_explicit_day():
    text = "On Wednesday, January 5, shots rang out. Later that day troops came."
    found = dates_of(text, THURSDAY_6)
    assert found["On Wednesday, January 5"].basis == "stated"  # one date, not a weekday and a day
    assert found["Later that day"].date == datetime.date(2022, 1, 5)


def test_that_day_with_no_date_before_it_is_listed_unresolved():
    found = dates_of("That day, crowds gathered.", THURSDAY_6)
    assert found["That day"].date is None
    assert "not resolved" in found["That day"].note


def test_this_week_spans_the_monday_of_the_week_to_the_articles_date():
    found = dates_of("Prices doubled this week.", THURSDAY_6)
    assert (found["this week"].date, found["this week"].end_date) == (datetime.date(2022, 1, 3), THURSDAY_6)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("January 19", datetime.date(2022, 1, 19)),
        ("19 January", datetime.date(2022, 1, 19)),
        ("Jan. 19", datetime.date(2022, 1, 19)),
        ("January 19, 2021", datetime.date(2021, 1, 19)),
        ("5 January 2022", datetime.date(2022, 1, 5)),
    ],
)
def test_an_explicit_day_is_stated(words, expected):
    (found,) = reading.find_dates(f"The state of emergency ends on {words} at midnight.", THURSDAY_6)
    assert found.date == expected
    assert found.basis == "stated"
    assert words in found.words


def test_date_offsets_point_into_the_text():
    text = "Troops landed on Wednesday."
    (found,) = reading.find_dates(text, THURSDAY_6)
    assert text[found.start : found.end] == found.words == "on Wednesday"


# --- names ------------------------------------------------------------------------------------


@pytest.fixture
def names(db):
    Place.objects.create(slug="almaty", name="Almaty", aliases=["Alma-Ata"], kind="city")
    Place.objects.create(
        slug="almaty-airport", name="Almaty International Airport", aliases=["Almaty airport"], kind="site"
    )
    Actor.objects.create(slug="tokayev", name="Kassym-Jomart Tokayev", aliases=["Tokayev"], kind="person")
    Actor.objects.create(slug="interior-ministry", name="Interior Ministry", aliases=[], kind="government")
    Actor.objects.create(slug="afp", name="AFP", aliases=[], kind="media")
    Actor.objects.create(slug="kudebaev", name="Serik Kudébaev", aliases=["Kudebaev’s office"], kind="person")
    return reading.known_names()


def test_names_are_found_by_every_variant_with_offsets_into_the_original(names):
    text = "In ALMA-ATA, crowds moved on; Tokayev’s men held the Almaty airport. Kudebaev's office said little."
    found = [(n.slug, n.words) for n in reading.find_names(text, names)]
    assert ("almaty", "ALMA-ATA") in found
    assert ("tokayev", "Tokayev") in found
    assert ("almaty-airport", "Almaty airport") in found
    assert ("almaty", "Almaty") not in found  # inside the longer "Almaty airport"
    assert ("kudebaev", "Kudebaev's office") in found  # the variant's curly apostrophe folded
    for name in reading.find_names(text, names):
        assert text[name.start : name.end] == name.words


def test_names_match_whole_words_and_fold_accents(names):
    text = "Serik Kudebaev met Tokayevs; Almatyans stayed home."
    assert [n.slug for n in reading.find_names(text, names)] == ["kudebaev"]


def test_offsets_survive_characters_that_fold_to_several_or_none():
    text = "Straße ﬁre in Alma-Ata"  # "ß" folds to "ss", "ﬁ" to "fi"
    names = [("alma-ata", "place", "almaty", 1)]
    (name,) = reading.find_names(text, names)
    assert text[name.start : name.end] == "Alma-Ata"


# --- numbers ----------------------------------------------------------------------------------


def test_numbers_with_their_qualifiers_as_written():
    text = (
        "More than 350 people were hurt, about 1,000 detained and nearly 400 held; dozens fled, hundreds "
        "marched, 12 died, 8,000 arrived, two vanished, a dozen hid, up to 50 and at least 3.5 thousand."
    )
    found = [(n.words, n.value, n.qualifier) for n in reading.find_numbers(text)]
    assert found == [
        ("More than 350", 350, "More than"),
        ("about 1,000", 1000, "about"),
        ("nearly 400", 400, "nearly"),
        ("dozens", None, "dozens"),
        ("hundreds", None, "hundreds"),
        ("12", 12, ""),
        ("8,000", 8000, ""),
        ("two", 2, ""),
        ("a dozen", 12, ""),
        ("up to 50", 50, "up to"),
        ("at least 3.5 thousand", 3500, "at least"),
    ]


def test_years_and_the_numbers_of_dates_are_not_counts():
    text = "On January 5 in 2022, some 200 gathered (posted 2022-01-06 at 11:30)."
    dates = reading.find_dates(text, THURSDAY_6)
    assert [(n.value, n.qualifier) for n in reading.find_numbers(text, dates)] == [(200, "some")]


# --- claimants --------------------------------------------------------------------------------


def test_claimant_phrases_name_a_known_actor(names):
    text = (
        "The Interior Ministry said 12 died. Tokayev told reporters nothing. “It is over,” said Tokayev. "
        "According to AFP, shots rang out. Witnesses said more."
    )
    claimants = reading.find_claimants(text, reading.find_names(text, names))
    found = [(c.actor, c.words, c.claimant_words) for c in claimants]
    assert found == [
        ("interior-ministry", "The Interior Ministry said", "The Interior Ministry"),
        ("tokayev", "Tokayev told", "Tokayev"),
        ("tokayev", "said Tokayev", "Tokayev"),
        ("afp", "According to AFP", "AFP"),
    ]


# --- sentences --------------------------------------------------------------------------------


def test_sentences_do_not_end_at_abbreviations():
    text = "Mr. Tokayev spoke on Jan. 5 in Almaty. Troops came! Did they stay?\nNew paragraph"
    spans = reading.split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Tokayev spoke on Jan. 5 in Almaty.",
        "Troops came!",
        "Did they stay?",
        "New paragraph",
    ]


# --- candidate events (against the curated data) ----------------------------------------------

#: MADE-UP TEST ARTICLE of Thursday 6 January 2022.
AIRPORT_ARTICLE = (
    "Almaty's airport was seized by protesters on Wednesday, officials said. "
    "The president dismissed the cabinet yesterday."
)


def test_a_sentence_about_the_airport_seized_finds_the_airport_overrun(curated):
    result = reading.read(AIRPORT_ARTICLE, THURSDAY_6)
    first = result["sentences"][0]
    assert first["candidates"][0]["event"] == "airport-overrun"
    why = first["candidates"][0]["why"]
    assert "same day" in why
    assert "seized~overrun" in why


def test_synonyms_are_what_finds_the_airport_event(curated, monkeypatch):
    """Without the synonym table, "seized" does not reach the event worded "overrun"."""
    monkeypatch.setattr(reading, "_SYNONYM_STEMS", [])
    monkeypatch.setattr(reading, "_group_of", lambda stemmed: None)
    first = reading.read(AIRPORT_ARTICLE, THURSDAY_6)["sentences"][0]
    assert "seized~overrun" not in " ".join(c["why"] for c in first["candidates"])


def test_candidates_are_limited_to_the_date_window(curated):
    """The same words dated a month later find nothing: the window is read first."""
    text = "Almaty's airport was seized by protesters on February 20."
    first = reading.read(text, datetime.date(2022, 2, 21))["sentences"][0]
    assert first["candidates"] == []


def test_read_article_prints_json_that_validates_against_the_schema(curated, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(
        # MADE-UP TEST ARTICLE of Friday 7 January 2022.
        "ALMATY, Jan. 7 — Shooting went on overnight in Alma-Ata, the Interior Ministry said. "
        "More than 350 people were detained, according to Tokayev. Earlier that day, dozens of "
        "Russian troops landed at the airport.",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("read_article", str(path), published="2022-01-07", stdout=out)
    doc = json.loads(out.getvalue())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    text = path.read_text(encoding="utf-8")
    for item in [*doc["dates"], *doc["names"], *doc["numbers"], *doc["claimants"]]:
        assert text[item["start"] : item["end"]] == item["words"]
    assert {"kind": "place", "slug": "almaty", "words": "Alma-Ata"} in [
        {k: n[k] for k in ("kind", "slug", "words")} for n in doc["names"]
    ]
    assert any(s["candidates"] for s in doc["sentences"])


def test_the_queries_do_not_grow_with_the_article(curated, django_assert_max_num_queries):
    """One statement for every sentence's index query, not one query per sentence."""
    # MADE-UP TEST ARTICLE of Thursday 6 January 2022: forty sentences.
    text = " ".join(f"Protesters seized the airport in Almaty on Wednesday, witness {n} said." for n in range(40))
    with django_assert_max_num_queries(12):
        result = reading.read(text, THURSDAY_6)
    assert len(result["sentences"]) == 40
    assert result["sentences"][-1]["candidates"][0]["event"] == "airport-overrun"
