"""The curated data, tested as data: it is the product's heart."""

import datetime
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from timeline.curated import CURATED_FIXTURES, FIXTURES, LEFT_OUT, dump
from timeline.models import (
    CURATED_MODELS,
    TIMELINE_START,
    Actor,
    Citation,
    DateBasis,
    Difference,
    Event,
    Figure,
    Place,
    Position,
    Source,
    refresh_all_text_fragments,
)
from timeline.models.events import scope_key
from timeline.text import fold

pytestmark = pytest.mark.django_db


def check_seeds(seeds_dir):
    """Every seed file in ``seeds_dir`` is a source's, and holds that source's exact text."""
    seed_files = sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert sorted(Source.objects.values_list("seed_file", flat=True)) == seed_files
    for source in Source.objects.all():
        assert source.text == (seeds_dir / source.seed_file).read_text(encoding="utf-8")


def check_quotes(model):
    for passage in model.objects.select_related("source"):
        assert passage.span, f"{model.__name__} {passage.pk}: not in {passage.source.slug}: {passage.quote!r}"


def test_every_seed_file_is_a_source_with_its_exact_text(curated):
    check_seeds(settings.SEEDS_DIR)


def test_every_undated_source_says_how_its_date_was_determined(curated):
    for source in Source.objects.all():
        day = source.published_on
        stated = any(form in source.text for form in (day.isoformat(), f"{day:%B %d, %Y}", f"{day:%-d %B %Y}"))
        assert stated or source.published_on_basis, source.slug


@pytest.mark.parametrize("model", [Citation, Figure, Position])
def test_every_quote_occurs_verbatim_in_its_source(curated, model):
    check_quotes(model)


def test_every_object_passes_model_validation(curated):
    for model in CURATED_MODELS:
        for obj in model.objects.all():
            obj.full_clean()
    for event in Event.objects.prefetch_related("citations__source"):
        assert event.citation_errors([c.source for c in event.citations.all()]) == {}, event.slug


def date_in_words(event):
    """The ways an article can state the event's date outright."""
    day = event.date
    if event.date_precision == Event.Precision.YEAR:
        return [str(day.year)]
    if event.date_precision == Event.Precision.MONTH:
        return [f"{day:%B} {day.year}", f"{day:%B}"]
    return [f"{day:%B} {day.day}", f"{day.day} {day:%B}", day.isoformat()]


def test_a_date_called_stated_is_stated_in_a_cited_passage(curated):
    for event in Event.objects.filter(date_basis=DateBasis.STATED).prefetch_related("citations"):
        quotes = " ".join(c.quote for c in event.citations.all())
        assert any(words in quotes for words in date_in_words(event)), event.slug


def test_every_date_not_stated_says_how_it_was_established(curated):
    for event in Event.objects.exclude(date_basis=DateBasis.STATED):
        assert len(event.date_basis_note) > 20, event.slug
    for source in Source.objects.exclude(published_on_basis_kind=DateBasis.STATED):
        assert len(source.published_on_basis) > 20, source.slug


def test_every_source_is_cited(curated):
    uncited = Source.objects.filter(citations__isnull=True)
    assert not uncited.exists(), list(uncited)


def test_every_event_has_a_citation(curated):
    uncited = Event.objects.filter(citations__isnull=True)
    assert not uncited.exists(), list(uncited)


def test_day_by_day_starts_on_2_january_and_context_comes_before(curated):
    assert Event.objects.day_by_day().order_by("date").first().date == TIMELINE_START
    assert Event.objects.context().exists()
    assert all(e.date < TIMELINE_START for e in Event.objects.context())


def test_the_articles_disagreements_are_recorded_per_source(curated):
    def values(measure):
        return {(f.source.slug, f.value) for f in Figure.objects.filter(measure=measure)}

    assert {("moscow-times-afp", 13), ("afp-update", 18)} <= values(Figure.Measure.SECURITY_KILLED)
    assert {("moscow-times-afp", 2000), ("afp-update", 2300)} <= values(Figure.Measure.DETAINED)


def test_name_variants_are_recorded(curated):
    assert "Alma-Ata" in Place.objects.get(slug="almaty").aliases
    assert "Kassym-Zhomart Tokayev" in Actor.objects.get(slug="tokayev").aliases
    assert "Collective Security Treaty Organization" in Actor.objects.get(slug="csto").names


def test_there_are_many_events_from_every_article(curated):
    assert Event.objects.count() > 50
    for source in Source.objects.all():
        assert Event.objects.filter(citations__source=source).distinct().count() >= 5, source.slug


def test_loading_the_fixtures_twice_changes_nothing(curated):
    def snapshot():
        out = {}
        for model in (Source, Actor, Place, Event, Citation, Figure):
            rows = list(model.objects.order_by("pk").values())
            if model is Event:
                for row, event in zip(rows, Event.objects.order_by("pk"), strict=True):
                    row["actors"] = sorted(event.actors.values_list("pk", flat=True))
                    row["places"] = sorted(event.places.values_list("pk", flat=True))
            out[model.__name__] = json.dumps(rows, default=str, sort_keys=True)
        return out

    before = snapshot()
    call_command("loaddata", *CURATED_FIXTURES, verbosity=0)
    refresh_all_text_fragments()  # as load_curated does: the passages' links are worked out, not loaded
    assert snapshot() == before


# Where the sources differ --------------------------------------------------------------------------


def test_every_kind_of_difference_is_curated(curated):
    kinds = set(Difference.objects.published().values_list("kind", flat=True))
    assert kinds == set(Difference.Kind.values)
    assert 25 <= Difference.objects.published().count() <= 45


def test_every_difference_sets_positions_side_by_side_about_published_events(curated):
    for difference in Difference.objects.prefetch_related("positions", "events"):
        assert difference.positions.count() >= 2, difference.slug
        assert any(event.is_published for event in difference.events.all()), difference.slug


def test_numeric_differences_link_comparable_figures(curated):
    """Numbers are compared only within one measure and scope, and a difference links its figures."""
    for difference in Difference.objects.filter(kind=Difference.Kind.NUMBER).prefetch_related("figures"):
        figures = list(difference.figures.all())
        assert len(figures) >= 2, difference.slug
        assert len({(f.measure, f.scope) for f in figures}) == 1, difference.slug


def test_relations_join_positions_of_their_own_difference(curated):
    for difference in Difference.objects.prefetch_related("relations__from_position", "relations__to_position"):
        for relation in difference.relations.all():
            assert relation.from_position.difference_id == relation.to_position.difference_id == difference.pk


def test_the_words_table_compares_sources_on_every_subject(curated):
    for subject in ("protesters", "foreign_troops", "violence", "city"):
        sources = set(Position.objects.filter(difference__subject=subject).values_list("source", flat=True))
        assert len(sources) >= 3, subject


def test_claimants_are_recorded_and_parties_marked(curated):
    assert Citation.objects.exclude(claimant=None).count() >= 40
    assert Figure.objects.exclude(claimant=None).count() >= 25
    assert Actor.objects.filter(party_to_conflict=True).exists()
    assert Source.objects.get(slug="tass").party_to_conflict  # the state news agency of a state whose troops were sent


# Saving editors' work: dump_curated ------------------------------------------------------------


def committed_files():
    paths = [*settings.SEEDS_DIR.glob("*.txt"), *(settings.FIXTURE_DIRS[0] / f"{n}.json" for n in CURATED_FIXTURES)]
    return {path.relative_to(settings.BASE_DIR): path.read_bytes() for path in paths}


def test_a_dump_right_after_loading_gives_back_the_committed_files(curated, tmp_path, capsys):
    call_command("dump_curated", fixtures=tmp_path / "fixtures", seeds=tmp_path / "seeds")
    dumped = {path.relative_to(tmp_path): path.read_bytes() for path in tmp_path.glob("*/*")}
    assert dumped.keys() == committed_files().keys()
    for path, content in committed_files().items():
        assert dumped[path] == content, path
    capsys.readouterr()
    call_command("dump_curated", fixtures=tmp_path / "fixtures", seeds=tmp_path / "seeds")
    assert "Nothing changed" in capsys.readouterr().out  # files already right are left alone


def test_an_editors_new_source_and_events_pass_the_fixture_checks_once_dumped(curated, editor_client, tmp_path):
    # Line breaks as a browser sends them (CRLF).
    text = "Protesters gathered in Almaty on Thursday.\r\n\r\nPolice said 40 people were detained."
    response = editor_client.post(
        reverse("admin:timeline_source_add"),
        {
            "title": "Protests in Almaty",
            "slug": "new-wire",
            "kind": "wire",
            "outlet": "New Wire",
            "published_on": "2022-01-07",
            "edition": "1",
            "published_on_basis_kind": "stated",
            "rights_holder": "New Wire",
            "text": text,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get(slug="new-wire")
    for slug, status in (("new-wire-detentions", Event.Status.PUBLISHED), ("new-wire-draft", Event.Status.DRAFT)):
        event = Event.objects.create(
            slug=slug,
            title="Police detain 40",
            summary="Police said they detained 40 people, New Wire reported.",
            category="security",
            date=datetime.date(2022, 1, 6),
            date_basis=DateBasis.STATED,
            status=status,
        )
        Citation.objects.create(event=event, source=source, quote="Police said 40 people\nwere detained.")

    call_command("dump_curated", fixtures=tmp_path / "fixtures", seeds=tmp_path / "seeds", verbosity=0)
    call_command("load_curated", force=True, fixtures=tmp_path / "fixtures", verbosity=0)

    assert Source.objects.get(slug="new-wire").seed_file == "new-wire.txt"
    check_seeds(tmp_path / "seeds")
    for model in (Citation, Figure, Position):
        check_quotes(model)
    assert Event.objects.get(slug="new-wire-draft").status == Event.Status.DRAFT  # a draft stays a draft
    assert Event.objects.get(slug="new-wire-detentions").status == Event.Status.PUBLISHED


def test_the_fixtures_hold_every_field_but_what_a_load_works_out():
    """A field added to a curated model is either saved by dump_curated or said to be left out."""
    for models in FIXTURES.values():
        for model, fields in models.items():
            stored = [field.name for field in (*model._meta.concrete_fields, *model._meta.many_to_many)]
            written = [*fields, *([] if hasattr(model, "natural_key") else [model._meta.pk.name])]  # as "pk"
            assert sorted([*written, *LEFT_OUT[model]]) == sorted(stored), model.__name__


def test_an_article_saved_in_the_admin_keeps_its_seed_file_byte_for_byte(curated, editor_client, tmp_path):
    shutil.copytree(settings.SEEDS_DIR, tmp_path / "seeds")
    source = Source.objects.get(slug="moscow-times-afp")  # its text begins with two line breaks
    form = {field: getattr(source, field) for field in FIXTURES["sources"][Source] if field != "seed_file"}
    form = {key: "on" if value is True else value for key, value in form.items() if value is not False}
    form["text"] = source.text.replace("\n", "\r\n")  # as a browser sends it
    form["title"] = "Gunfire in Almaty"
    response = editor_client.post(reverse("admin:timeline_source_change", args=[source.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    written, _ = dump(tmp_path / "fixtures", tmp_path / "seeds")
    assert not [path for path in written if path.parent.name == "seeds"]
    assert (tmp_path / "seeds" / source.seed_file).read_bytes() == (settings.SEEDS_DIR / source.seed_file).read_bytes()


def test_a_seed_file_no_source_names_is_reported_and_kept(curated, tmp_path, capsys):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "deleted-source.txt").write_text("An article no source holds any more.")
    call_command("dump_curated", fixtures=tmp_path / "fixtures", seeds=tmp_path / "seeds", verbosity=0)
    assert "No source names" in capsys.readouterr().err
    assert (tmp_path / "seeds" / "deleted-source.txt").exists()


#: How far from a figure's passage the article may name who gave the number ("Officials said
#: more than 1,000 people had been wounded in the unrest, with nearly 400 admitted to hospital").
CLAIMANT_REACH = 200


def test_every_figures_claimant_words_are_the_articles_and_name_its_actor(curated):
    """The words kept for a figure's claimant are the article's own, written in or beside the
    passage; and when the figure has an actor, they name that actor: one of its name variants
    (“the” aside), or words that contain one (“the government’s statistics”)."""
    for figure in Figure.objects.select_related("source", "claimant").exclude(claimant_words=""):
        start, end = figure.span
        near = fold(figure.source.text[max(0, start - CLAIMANT_REACH) : end + CLAIMANT_REACH])
        words = fold(figure.claimant_words)
        assert words in near, f"F{figure.pk}: {figure.claimant_words!r} is not near its passage"
        if figure.claimant_id:
            names = {fold(name) for name in figure.claimant.names}
            assert words.removeprefix("the ") in names or any(name in words for name in names), (
                f"F{figure.pk}: {figure.claimant_words!r} does not name {figure.claimant.slug}"
            )


def test_a_figures_claimant_agrees_with_the_citation_of_the_same_words(curated):
    """A figure and a citation of its event that quote the same sentence name the same claimant."""
    for figure in Figure.objects.select_related("event"):
        for citation in figure.event.citations.filter(source=figure.source_id):
            if figure.quote in citation.quote:
                assert citation.claimant_id == figure.claimant_id, f"F{figure.pk} and C{citation.pk}"


def test_no_measure_has_two_spellings_of_one_scope(curated):
    for measure, scopes in Figure.objects.scopes().items():
        keys = [scope_key(scope) for scope in scopes]
        assert len(keys) == len(set(keys)), (measure, scopes)
