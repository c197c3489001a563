import re

import pytest
from django.urls import reverse

from timeline.models import Actor, Citation, Difference, Event, Figure, Place, Source

pytestmark = pytest.mark.django_db

MODELS = [Source, Actor, Place, Event, Citation, Figure, Difference]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_working_changelist_and_add_page(admin_client, curated, model):
    opts = model._meta
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_add")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(reverse(f"admin:timeline_{opts.model_name}_change", args=[obj.pk])).status_code == 200


def test_event_change_page_has_citation_and_figure_inlines(admin_client, curated):
    event = Figure.objects.first().event
    html = admin_client.get(reverse("admin:timeline_event_change", args=[event.pk])).content.decode()
    assert "citations-TOTAL_FORMS" in html
    assert "figures-TOTAL_FORMS" in html
    assert event.citations.first().quote[:30] in html


def test_admin_refuses_a_citation_quote_not_in_the_source(admin_client, make_event, source):
    event = make_event()
    response = admin_client.post(
        reverse("admin:timeline_citation_add"),
        {"event": event.pk, "source": source.pk, "quote": "A sentence the article never printed.", "note": ""},
    )
    assert response.status_code == 200
    assert "does not occur in the text of" in response.content.decode()
    assert Citation.objects.filter(event=event).count() == 1


def admin_found(admin_client, model, q):
    """The slugs of the rows the admin's list of ``model`` shows for the search ``q`` (each row's
    checkbox holds its pk)."""
    response = admin_client.get(reverse(f"admin:timeline_{model._meta.model_name}_changelist"), {"q": q})
    assert response.status_code == 200
    pks = re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    return set(model.objects.filter(pk__in=pks).values_list("slug", flat=True))


def test_admin_search_finds_events_by_quote(admin_client, curated):
    quoted = Event.objects.filter(citations__quote__contains="Saltanat Azirbek").values_list("slug", flat=True)
    assert set(quoted) and len(set(quoted)) < Event.objects.count()
    assert admin_found(admin_client, Event, "Saltanat Azirbek") == set(quoted)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Putin’s", True),  # as the articles write it
        ("Putin's", True),  # as readers type it
        ("PUTIN'S TROOPS", True),
        ("Ṗutin’s", True),  # an accent the name does not have
        ('"Putin', False),  # no name holds a double quote: the JSON around the aliases must not match
        ("[", False),
        ("u2019", False),  # nor the escape SQLite's JSON text would hold
    ],
)
def test_the_admin_finds_names_whatever_the_quotes_accents_and_case(admin_client, typed, found):
    Actor.objects.create(
        slug="russian-armed-forces", name="Russian armed forces", kind="military", aliases=["Putin’s troops"]
    )
    Actor.objects.create(slug="zhanaozen-workers", name="Zhanaözen oil workers", kind="group", aliases=[])
    assert ("russian-armed-forces" in admin_found(admin_client, Actor, typed)) == found
    assert admin_found(admin_client, Actor, "zhanaozen") == {"zhanaozen-workers"}


def test_name_variants_stay_searchable_after_an_edit(admin_client):
    place = Place.objects.create(slug="almaty", name="Almaty", kind="city", aliases=[])
    Place.objects.create(slug="astana", name="Astana", kind="city", aliases=[])
    assert admin_found(admin_client, Place, "Alma-Ata") == set()
    place.aliases = ["Alma–Ata"]  # an en dash, as a source might print it
    place.save()
    assert admin_found(admin_client, Place, "alma-ata") == {"almaty"}


# The editors' workflow --------------------------------------------------------------------------

import datetime  # noqa: E402

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402

from timeline.editors import EDITORS_GROUP  # noqa: E402


def event_form(event=None, citations=(), figures=(), **fields):
    """POST data for the event change form, as the admin page would send it."""
    data = {
        "title": "Protesters storm the mayor's office",
        "slug": "mayors-office-stormed",
        "status": "draft",
        "category": "violence",
        "summary": "Protesters stormed the mayor's office, the test wire said.",
        "date": "2022-01-05",
        "end_date": "",
        "date_precision": "day",
        "date_basis": "resolved",
        "date_basis_note": "“On Wednesday” in the test wire of Thursday 6 January.",
        "time": "",
        "time_note": "",
        "day_order": "0",
        "expected_version": "",
    }
    if event is not None:
        data |= {
            "title": event.title,
            "slug": event.slug,
            "status": event.status,
            "category": event.category,
            "summary": event.summary,
            "date": event.date.isoformat(),
            "day_order": str(event.day_order),
            "expected_version": str(event.version),
        }
        citations = [
            *({"id": c.pk, "source": c.source_id, "quote": c.quote} for c in event.citations.all()),
            *citations,
        ]
    data |= fields
    for prefix, rows, initial in (
        ("citations", citations, sum(1 for c in citations if "id" in c)),
        ("figures", figures, sum(1 for f in figures if "id" in f)),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = "" if value is None else str(value)
            if event is not None:
                data[f"{prefix}-{i}-event"] = str(event.pk)
    return data


def figure_row(source, **fields):
    """A figure of the event form: 12 people detained, as the police told ``source``."""
    row = {"measure": "detained", "value": 12, "qualifier": "", "claimant_words": "police"}
    row["reported_on"] = "2022-01-06"
    return row | {"source": source.pk, "quote": "12 people were detained"} | fields


def add_event(client, **kwargs):
    return client.post(reverse("admin:timeline_event_add"), event_form(**kwargs))


def change_event(client, event, **kwargs):
    return client.post(reverse("admin:timeline_event_change", args=[event.pk]), event_form(event, **kwargs))


def test_the_editors_group_may_curate_and_nothing_else(db):
    group = Group.objects.get(name=EDITORS_GROUP)
    codenames = set(group.permissions.values_list("content_type__model", "codename"))
    models = {"source", "actor", "place", "event", "citation", "figure", "difference", "position", "positionrelation"}
    assert codenames == {(m, f"{action}_{m}") for m in models for action in ("add", "change", "delete", "view")}
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def test_create_editor_makes_a_staff_account_in_the_group(editor):
    assert editor.is_staff and not editor.is_superuser
    assert editor.check_password("a long editor passphrase")
    assert list(editor.groups.values_list("name", flat=True)) == [EDITORS_GROUP]
    with pytest.raises(CommandError, match="already"):
        call_command("create_editor", "ed", noinput=True)


def test_create_editor_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "1234")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_editor", "weak", noinput=True)
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.parametrize("model", ["user", "group"])
def test_an_editor_cannot_reach_users_or_groups(editor_client, model):
    assert editor_client.get(reverse(f"admin:auth_{model}_changelist")).status_code == 403
    assert editor_client.get(reverse(f"admin:auth_{model}_add")).status_code == 403


def test_an_editor_adds_an_event_with_two_citations_and_a_figure(editor_client, source):
    second = Source.objects.create(
        slug="second",
        title="Second",
        outlet="Other Paper",
        published_on=datetime.date(2022, 1, 7),
        kind="newspaper",
        seed_file="second.txt",
        text="Police said 12 people were detained on Wednesday.",
    )
    response = add_event(
        editor_client,
        status="published",
        citations=[
            {"source": source.pk, "quote": "Protesters stormed the mayor's office on Wednesday."},
            {"source": second.pk, "quote": "12 people were detained"},
        ],
        figures=[figure_row(source)],
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="mayors-office-stormed")
    assert event.citations.count() == 2 and event.figures.count() == 1
    assert event.history.first().history_user.username == "ed"


def test_a_misquote_is_refused_with_the_source_named_and_nothing_saved(editor_client, source):
    response = add_event(editor_client, citations=[{"source": source.pk, "quote": "Protesters burned the office"}])
    assert response.status_code == 200
    html = response.content.decode()
    assert "This passage does not occur in the text of “Test Times (AFP): Protests spread”" in html
    assert "Protesters burned the office" in html  # the input is kept
    assert not Event.objects.exists()


def test_an_event_dated_after_all_its_sources_is_refused(editor_client, source):
    response = add_event(editor_client, date="2022-01-09", citations=[{"source": source.pk, "quote": "Protesters"}])
    assert response.status_code == 200
    assert "This date is after the publication of every source that cites the event" in response.content.decode()
    assert not Event.objects.exists()


def test_publishing_an_uncited_event_is_refused(editor_client, db):
    response = add_event(editor_client, status="published")
    assert response.status_code == 200
    assert "A published event needs at least one citation" in response.content.decode()
    assert add_event(editor_client, status="draft").status_code == 302  # a draft may wait for its sources


def test_an_end_date_before_the_start_is_refused(editor_client, source):
    response = add_event(editor_client, end_date="2022-01-04", citations=[{"source": source.pk, "quote": "Police"}])
    assert "The end date cannot be before the start date." in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [("-3", "Ensure this value is greater than or equal to 0."), ("250000000", "No count in this story can exceed")],
)
def test_negative_or_absurd_figures_are_refused(editor_client, source, value, message):
    response = add_event(
        editor_client,
        citations=[{"source": source.pk, "quote": "Police said"}],
        figures=[figure_row(source, value=value, quote="12 people were")],
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_a_concurrent_save_is_refused_and_the_input_kept(editor_client, make_event, admin_user):
    event = make_event(status=Event.Status.DRAFT)
    mine = event_form(event, title="My careful correction")
    colleague = Event.objects.get(pk=event.pk)
    colleague.title = "A colleague's edit"
    colleague.save()  # saved while I was still editing

    url = reverse("admin:timeline_event_change", args=[event.pk])
    response = editor_client.post(url, mine)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this event while you were editing it." in html
    assert 'value="My careful correction"' in html
    event.refresh_from_db()
    assert event.title == "A colleague's edit"

    # Having looked, I save again: the form now carries the version I was shown.
    mine["expected_version"] = str(event.version)
    assert editor_client.post(url, mine).status_code == 302
    event.refresh_from_db()
    assert event.title == "My careful correction"


def test_history_records_who_changed_what_and_a_restore_works(editor_client, make_event):
    event = make_event(status=Event.Status.DRAFT, title="Original title")
    assert change_event(editor_client, event, title="Mistaken title").status_code == 302
    event.refresh_from_db()
    latest, previous = event.history.all()[:2]
    assert latest.history_user.username == "ed"
    assert "title" in latest.diff_against(previous).changed_fields
    assert previous.title == "Original title"

    history_page = editor_client.get(reverse("admin:timeline_event_history", args=[event.pk])).content.decode()
    latest_row = history_page.split('id="change-history"')[1].split("<tr>")[2].split("</tr>")[0]
    assert "Mistaken title" in latest_row and ">ed</a>" in latest_row  # what changed, and who changed it
    assert "style=" not in history_page  # the strict CSP refuses inline styles

    revert_url = reverse("admin:timeline_event_simple_history", args=[event.pk, previous.history_id])
    form = editor_client.get(revert_url)
    assert form.status_code == 200
    data = event_form(event, title="Original title")
    data["expected_version"] = str(event.version)
    for key in [k for k in data if k.startswith(("citations-", "figures-"))]:
        del data[key]
    assert editor_client.post(revert_url, data).status_code == 302
    event.refresh_from_db()
    assert event.title == "Original title"
    assert event.history.count() == 3


def test_drafts_stay_private_until_published_with_one_action(client, editor_client, make_event):
    draft = make_event(slug="quiet", status=Event.Status.DRAFT, title="Quiet draft")
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Quiet draft" not in client.get(reverse("timeline:index")).content.decode()
    export = b"".join(client.get(reverse("timeline:export_timeline_json")).streaming_content).decode()
    assert '"quiet"' not in export

    client.force_login(User.objects.get(username="ed"))
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "Draft preview" in preview.content.decode()
    assert "no-store" in preview["Cache-Control"]

    response = client.post(
        reverse("admin:timeline_event_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    client.logout()
    assert "Quiet draft" in client.get(reverse("timeline:index")).content.decode()


def test_the_publish_action_refuses_uncited_drafts(editor_client, db):
    event = Event.objects.create(slug="bare", title="Bare", summary="S.", category="protest", date="2022-01-05")
    response = editor_client.post(
        reverse("admin:timeline_event_changelist"),
        {"action": "publish", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "was not published: A published event needs at least one citation" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT


def test_the_event_list_counts_independent_origins(admin_client, make_event, source):
    reprint = Source.objects.create(
        slug="reprint", title="Reprint", outlet="Other Paper", origin="AFP", published_on="2022-01-06",
        kind="newspaper", seed_file="reprint.txt", text="Protesters stormed the mayor's office on Wednesday.",
    )  # fmt: skip
    event = make_event(title="Stormed twice over")
    Citation.objects.create(event=event, source=reprint, quote="Protesters stormed")
    html = admin_client.get(reverse("admin:timeline_event_changelist"), {"q": "Stormed twice"}).content.decode()
    # Two passages, from two printings of one AFP story: one independent origin.
    counts = re.findall(r'<td class="field-(?:citation|origin)_count">(\d+)</td>', html)
    assert counts == ["2", "1"]


def test_the_source_page_highlights_cited_passages(admin_client, curated):
    source = Source.objects.get(slug="tass")
    html = admin_client.get(reverse("admin:timeline_source_change", args=[source.pk])).content.decode()
    assert html.count("<mark") >= source.citations.count()


def test_quotes_broken_by_an_edited_source_are_reported(admin_client, curated, capsys):
    source = Source.objects.get(slug="tass")
    source.text = source.text.replace("checkpoints", "road blocks")
    source.save()
    response = admin_client.post(
        reverse("admin:timeline_source_changelist"),
        {"action": "recheck_quotes", "_selected_action": [source.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "No longer in its source" in html and "Almaty ringed by military checkpoints" in html
    with pytest.raises(CommandError, match="no longer occur"):
        call_command("check_quotes")
    assert "almaty-ringed-by-checkpoints\ttass" in capsys.readouterr().out


# A figure's form: its claimant, its scope among its measure's, the differences it is in -----------


@pytest.fixture
def draft_event(curated):
    """A draft event citing AFP's first edition: its figures may be added and changed on their own."""
    event = Event.objects.create(
        slug="draft-detentions", title="Draft", summary="S.", category="security", date="2022-01-06",
        date_basis="stated", status=Event.Status.DRAFT,
    )  # fmt: skip
    Citation.objects.create(event=event, source=Source.objects.get(slug="moscow-times-afp"), quote="detained about")
    return event


def figure_post(event, **fields):
    """POST data for the figure add form, as the admin page sends it."""
    ministry = Actor.objects.get(slug="kazakh-interior-ministry")
    data = {
        "event": event.pk, "measure": "detained", "value": "2000", "qualifier": "about",
        "scope": "so far; no place given", "claimant": ministry.pk, "claimant_words": "The interior ministry",
        "reported_on": "2022-01-06", "source": Source.objects.get(slug="moscow-times-afp").pk,
        "quote": "detained about 2,000 people so far", "note": "",
    }  # fmt: skip
    return data | fields


def test_the_scope_field_offers_the_scopes_of_the_figures_measure(admin_client, curated):
    figure = Figure.objects.filter(measure="detained").first()
    html = admin_client.get(reverse("admin:timeline_event_change", args=[figure.event_id])).content.decode()
    row = html[html.index(f'id="figures-{list(figure.event.figures.all()).index(figure)}"') :]
    scope_input = re.search(r'<input[^>]*name="figures-\d+-scope"[^>]*>', row).group(0)
    list_id = re.search(r'list="([^"]+)"', scope_input).group(1)
    datalist = re.search(rf'<datalist id="{re.escape(list_id)}">(.*?)</datalist>', row).group(1)
    offered = re.findall(r'<option value="([^"]*)">', datalist)
    assert sorted(offered) == sorted(Figure.objects.scopes()["detained"])
    assert "so far; no place given" in offered and "nationwide" not in offered
    assert "js/figure-scopes.js" in html  # which follows the measure chosen since


def test_a_scope_written_differently_only_in_case_spaces_or_punctuation_becomes_the_existing_one(
    admin_client, draft_event
):
    data = figure_post(draft_event, scope="So far, no place  given.", comparison="alone")
    response = admin_client.post(reverse("admin:timeline_figure_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert draft_event.figures.get().scope == "so far; no place given"


def test_other_words_are_another_scope_not_folded(admin_client, draft_event):
    """“across the country” is not “nationwide”: different words are for the editors to judge."""
    data = figure_post(draft_event, measure="people_wounded", scope="across the country", value="1000", qualifier="")
    assert admin_client.post(reverse("admin:timeline_figure_add"), data).status_code == 302
    assert draft_event.figures.get().scope == "across the country"


def test_a_new_figure_shows_the_comparison_it_would_join_before_it_is_saved(admin_client, draft_event):
    difference = Difference.objects.filter(figures__scope="so far; no place given").distinct().get()
    response = admin_client.post(reverse("admin:timeline_figure_add"), figure_post(draft_event))
    assert response.status_code == 200
    assert not draft_event.figures.exists()  # not saved yet
    html = response.content.decode()
    comparison = html[html.index('<div class="figure-comparison">') :].split("</div>")[0]
    for figure in Figure.objects.filter(measure="detained", scope="so far; no place given").select_related("source"):
        assert f"<td>{figure.display_value}</td>" in comparison
        assert figure.source.label in comparison
    assert "Interior Ministry of Kazakhstan: “the interior ministry”" in comparison
    assert f"Join the difference “{difference.topic}”" in html and "Save without joining" in html

    data = figure_post(draft_event, comparison=str(difference.pk))
    assert admin_client.post(reverse("admin:timeline_figure_add"), data).status_code == 302
    figure = draft_event.figures.get()
    assert difference in figure.differences.all()


def test_a_new_figure_may_be_saved_without_joining(admin_client, draft_event):
    data = figure_post(draft_event, comparison="alone")
    assert admin_client.post(reverse("admin:timeline_figure_add"), data).status_code == 302
    assert not draft_event.figures.get().differences.exists()


def test_a_figure_joins_and_leaves_differences_from_its_own_form(admin_client, draft_event):
    difference = Difference.objects.filter(figures__scope="so far; no place given").distinct().get()
    version = difference.version
    data = figure_post(draft_event, differences=[difference.pk])  # chosen: no comparison to show first
    assert admin_client.post(reverse("admin:timeline_figure_add"), data).status_code == 302
    figure = draft_event.figures.get()
    assert list(figure.differences.all()) == [difference]
    difference.refresh_from_db()
    assert difference.version == version + 1  # an editor with the difference open is told
    assert difference.history.first().history_type == "~"  # the difference's history records it

    url = reverse("admin:timeline_figure_change", args=[figure.pk])
    form = admin_client.get(url).content.decode()
    assert re.search(rf'<input[^>]*name="differences" value="{difference.pk}"[^>]*checked', form)
    assert admin_client.post(url, figure_post(draft_event)).status_code == 302  # no box ticked
    assert not figure.differences.exists()


def test_a_figure_added_on_its_events_page_shows_the_comparison_too(admin_client, curated):
    afp = Source.objects.get(slug="moscow-times-afp")
    figure = {
        "measure": "detained", "value": "2000", "qualifier": "about", "scope": "so far; no place given",
        "claimant_words": "the interior ministry", "reported_on": "2022-01-06", "source": afp.pk,
        "quote": "detained about 2,000 people so far",
    }  # fmt: skip
    citations = [{"source": afp.pk, "quote": "detained about 2,000 people so far"}]
    response = add_event(admin_client, date="2022-01-06", citations=citations, figures=[figure])
    assert response.status_code == 200
    assert '<div class="figure-comparison">' in response.content.decode()
    assert not Event.objects.filter(slug="mayors-office-stormed").exists()
    figure["comparison"] = "alone"  # the second save
    response = add_event(admin_client, date="2022-01-06", citations=citations, figures=[figure])
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Event.objects.get(slug="mayors-office-stormed").figures.count() == 1


def test_a_choice_left_from_another_comparison_shows_the_comparison_again(admin_client, draft_event):
    """The measure changed after the comparison was shown: the choice made for it is not taken as
    a choice for the new one, and a figure that now matches nothing saves."""
    other = Difference.objects.filter(figures__measure="security_killed").distinct().get()
    response = admin_client.post(reverse("admin:timeline_figure_add"), figure_post(draft_event, comparison=other.pk))
    assert response.status_code == 200 and '<div class="figure-comparison">' in response.content.decode()
    alone = figure_post(draft_event, measure="doctors_injured", scope="in Taldykorgan", comparison=other.pk)
    assert admin_client.post(reverse("admin:timeline_figure_add"), alone).status_code == 302
    assert not draft_event.figures.get().differences.exists()
