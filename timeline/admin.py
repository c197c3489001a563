"""The editors' workspace: every change is validated, recorded in the history, and
checked against concurrent edits."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation, IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from timeline import editing
from timeline.admin_errors import ConfirmUnlikelyDateForm, ErrorOn, ErrorSummaryMixin, QuotedPassageForm
from timeline.editing import is_public
from timeline.models import (
    Actor,
    Citation,
    Difference,
    Event,
    Figure,
    Place,
    Position,
    PositionRelation,
    Source,
    broken_quotes,
)
from timeline.models.differences import set_differences_of
from timeline.passages import highlight, passages_of
from timeline.text import fold
from timeline.widgets import DATES_IN_WORDS

admin.site.site_header = "Kazakhstan, January 2022: editors"
admin.site.site_title = "Timeline editors"
admin.site.index_title = "Curate the timeline"


def report_broken_quotes(request, sources=None):
    broken = broken_quotes(sources)
    for passage in broken:
        messages.error(
            request,
            format_html(
                "No longer in its source: {} of the {} “{}”, quoting “{}” from {}.",
                type(passage)._meta.verbose_name,
                type(passage.owner)._meta.verbose_name,
                passage.owner,
                passage.quote,
                passage.source.label,
            ),
        )
    if not broken:
        messages.success(request, "Every quote occurs in its source's current text.")


#: The largest key a database integer column holds: a larger number overflows SQLite's driver.
LARGEST_KEY = 2**63 - 1


def is_possible_key(field, value):
    """Whether ``value`` (from a query string) could be a key of ``field``'s related rows."""
    target = field.target_field
    try:
        key = target.to_python(value)
    except ValidationError:
        return False
    if isinstance(key, int):
        return -LARGEST_KEY <= key <= LARGEST_KEY
    return "\x00" not in str(key)  # PostgreSQL refuses NUL in any text


class HostileQueryMixin:
    """Odd query strings in the editors' workspace get Django's own answers (an ignored initial
    value, the changelist's "?e=1"), never a 500: a key too large for the database, a key that
    is no number, a NUL that PostgreSQL refuses."""

    def get_changeform_initial_data(self, request):
        """``?actors=abc`` or ``?source=x`` on an add page: bad keys are dropped, not looked up."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:  # not a field: Django passes it on as it is
                continue
            if field.is_relation and (field.many_to_many or field.many_to_one) and not field.auto_created:
                values = value if isinstance(value, list) else [value]
                kept = [v for v in values if is_possible_key(field, v)]
                if len(kept) != len(values):
                    if isinstance(value, list):
                        initial[name] = kept
                    else:
                        del initial[name]
        return initial

    def get_changelist_instance(self, request):
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            raise IncorrectLookupParameters("NUL in the query string")
        try:
            return super().get_changelist_instance(request)
        except OverflowError as error:  # ?actors=99999999999999999999 on SQLite
            raise IncorrectLookupParameters(str(error)) from error

    def get_search_results(self, request, queryset, search_term):
        """The changelist's search and the autocomplete's ``term``: PostgreSQL refuses NUL."""
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class CuratedAdmin(HostileQueryMixin, SimpleHistoryAdmin):
    """Saves and deletes through timeline.editing, the one way in for every write: the row with
    its links and inlines in one transaction, then the search entries and the data version."""

    def save_model(self, request, obj, form, change):
        """Saved in save_related, with the links and inlines. A revert from the history has no
        save_related: it saves here."""
        if request.resolver_match.url_name.endswith("_simple_history"):
            editing.save_curated(obj, user=request.user, write_related=lambda saved: form.save_m2m())

    def save_related(self, request, form, formsets, change):
        def write_related(saved):
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        editing.save_curated(form.instance, user=request.user, write_related=write_related)

    def delete_model(self, request, obj):
        editing.delete_curated(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            editing.delete_curated(obj)


@admin.register(Source)
class SourceAdmin(ErrorSummaryMixin, CuratedAdmin):
    formfield_overrides = DATES_IN_WORDS
    list_display = ["title", "outlet", "origin", "kind", "published_on", "citation_count"]
    list_filter = ["kind", "origin"]
    search_fields = ["title", "outlet", "origin", "authors", "text"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"
    ordering = ["published_on", "slug"]  # annotated querysets do not inherit Meta.ordering
    readonly_fields = ["cited_passages"]
    actions = ["recheck_quotes"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "title_supplied", "slug", "kind", "outlet", "origin", "authors", "party_to_conflict"]},
        ),
        (
            "Date and origin",
            {
                "fields": [
                    "published_on",
                    "edition",
                    "published_on_basis_kind",
                    "published_on_basis",
                    "url",
                    "url_basis",
                ]
            },
        ),
        ("Rights", {"fields": ["rights_holder"]}),
        ("Text", {"fields": ["text", "cited_passages"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="Citations", ordering="citation_count")
    def citation_count(self, source):
        return source.citation_count

    @admin.display(description="Cited passages, highlighted")
    def cited_passages(self, source):
        if not source.pk:
            return "Save the source to see its cited passages."
        passages = passages_of(
            source,
            source.citations.select_related("event"),
            source.figures.select_related("event"),
            source.positions.select_related("difference"),
        )
        return format_html('<div class="article-text">{}</div>', highlight(source.text, passages))

    @admin.action(description="Re-check every quote of the selected sources against their text")
    def recheck_quotes(self, request, queryset):
        report_broken_quotes(request, queryset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if change and "text" in form.changed_data:
            broken = broken_quotes([obj])
            if broken:
                messages.warning(
                    request,
                    f"{len(broken)} quote(s) no longer occur in the edited text: use “Re-check” to list them.",
                )


class NamedEntityAdmin(ErrorSummaryMixin, CuratedAdmin):
    list_display = ["name", "kind", "slug", "event_count"]
    list_filter = ["kind"]
    search_fields = ["search_names", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))  # as search_names is stored

    @admin.display(description="Events", ordering="event_count")
    def event_count(self, entity):
        return entity.event_count


@admin.register(Actor)
class ActorAdmin(NamedEntityAdmin):
    list_display = [*NamedEntityAdmin.list_display, "party_to_conflict"]
    list_filter = ["kind", "party_to_conflict"]


@admin.register(Place)
class PlaceAdmin(NamedEntityAdmin):
    list_display = [*NamedEntityAdmin.list_display, "latitude", "longitude"]


class PublicPassagesFormSet(BaseInlineFormSet):
    """The citations or figures of an event, checked with the event form (EventAdminForm):
    merged with a colleague's save made since the form was opened, and, for a published
    event, changed only with the form's public change note."""

    def clean(self):
        super().clean()
        event_form = getattr(self.instance, "_admin_form", None)
        if any(self.errors) or event_form is None:
            return
        event_form.merge_passages(self)
        event_form.check_passages(self)


class CitationFormSet(PublicPassagesFormSet):
    """Checks the event together with the citations submitted with it: a published event
    needs one, and the event cannot postdate every source that reports it."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        sources = [
            form.cleaned_data["source"]
            for form in self.forms
            if form.cleaned_data.get("source") and not form.cleaned_data.get("DELETE")
        ]
        if errors := self.instance.citation_errors(sources):
            raise ValidationError([ErrorOn(field, message) for field, message in errors.items()])


class CitationInline(admin.StackedInline):
    model = Citation
    formset = CitationFormSet
    form = QuotedPassageForm
    extra = 1
    autocomplete_fields = ["source", "claimant"]
    fields = ["source", "quote", "use_article_words", "claimant", "note"]


class ScopeInput(forms.TextInput):
    """A figure's scope: a text input offering, in a <datalist>, the scopes the figure's measure
    already has (every measure's, when none is chosen yet); static/js/figure-scopes.js follows
    the measure chosen since. The list is built on the server: it works without JavaScript."""

    measure = ""
    scopes = None  # {measure: [scope, ...]}, set by the form

    class Media:
        js = ["js/figure-scopes.js"]

    def render(self, name, value, attrs=None, renderer=None):
        scopes = self.scopes or {}
        list_id = f"{(attrs or {}).get('id', name)}-scopes"
        attrs = {**(attrs or {}), "list": list_id, "data-scopes": json.dumps(scopes, ensure_ascii=False)}
        offered = scopes.get(self.measure, []) if self.measure else [s for group in scopes.values() for s in group]
        options = format_html_join("", '<option value="{}"></option>', ((scope,) for scope in dict.fromkeys(offered)))
        datalist = format_html('<datalist id="{}">{}</datalist>', list_id, options)
        return super().render(name, value, attrs, renderer) + datalist


class FigureForm(forms.ModelForm):
    """A figure, in its own form and on its event's page: its scope chosen among its measure's
    (Figure.clean folds a scope written differently only in case, spaces or punctuation into the
    existing one), the differences it is in, and, for a new figure that counts what a difference
    already compares, that comparison shown before anything is saved."""

    differences = forms.ModelMultipleChoiceField(
        queryset=Difference.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="In the differences",
        help_text="Where the sources differ on numbers, the figures set side by side. Join only a difference whose "
        "figures have this figure's measure and scope.",
    )
    # A text field, checked in clean(): a choice left over from a comparison the edited measure or
    # scope no longer makes only brings the comparison back, never an error on a hidden field.
    comparison = forms.CharField(label="Before saving", required=False, widget=forms.HiddenInput)

    class Meta:
        model = Figure
        fields = "__all__"  # noqa: DJ007 (the admin narrows them to its fields)
        widgets = {"scope": ScopeInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mine = Q(figures=self.instance) if self.instance.pk else Q(pk__in=[])
        numbers = Q(kind=Difference.Kind.NUMBER)
        self.fields["differences"].queryset = Difference.objects.filter(numbers | mine).distinct()
        if self.instance.pk and not self.is_bound:
            self.initial["differences"] = [difference.pk for difference in self.instance.differences.all()]
        if "scope" in self.fields:
            widget = self.fields["scope"].widget
            widget.scopes, widget.measure = Figure.objects.scopes(), self["measure"].value() or ""
        self.joinable = self._joinable()
        if self.joinable:
            self.choices = [
                *((str(difference.pk), f"Join the difference “{difference.topic}”") for difference in self.joinable),
                ("alone", "Save without joining"),
            ]
            self.fields["comparison"].widget = forms.RadioSelect(choices=self.choices)

    def _joinable(self):
        """The differences whose figures count what this new figure counts (its measure, and its scope
        once folded), and that the editor has not chosen already: nothing for a saved figure."""
        if not self.is_bound or not self.instance._state.adding:
            return []
        measure = self.data.get(self.add_prefix("measure"), "")
        scope = self.data.get(self.add_prefix("scope"), "").strip()
        if not measure:
            return []
        self.compared = (measure, Figure.objects.existing_scope(measure, scope) or scope)
        chosen = self.data.getlist(self.add_prefix("differences")) if hasattr(self.data, "getlist") else []
        differences = Difference.objects.filter(figures__measure=measure, figures__scope=self.compared[1])
        return list(differences.exclude(pk__in=[pk for pk in chosen if pk.isdigit()]).distinct())

    def clean(self):
        data = super().clean()
        if self.joinable and data.get("comparison") not in dict(self.choices):
            self.add_error("comparison", self._comparison())
        elif self.joinable and data["comparison"] != "alone":
            joined = next(d for d in self.joinable if str(d.pk) == data["comparison"])
            data["differences"] = [*data.get("differences", []), joined]
        return data

    def _comparison(self):
        """The comparison the new figure would join: the figures of its measure and scope, and it."""
        measure, scope = self.compared
        figures = Figure.objects.filter(measure=measure, scope=scope).select_related("source", "claimant")
        new = Figure(
            measure=measure,
            value=self.cleaned_data.get("value"),
            qualifier=self.cleaned_data.get("qualifier", ""),
            claimant=self.cleaned_data.get("claimant"),
            claimant_words=self.cleaned_data.get("claimant_words", ""),
            reported_on=self.cleaned_data.get("reported_on"),
            source=self.cleaned_data.get("source"),
        )
        context = {
            "differences": self.joinable,
            "figures": figures.order_by("reported_on", "source__published_on", "source__edition", "pk"),
            "new": new,
            "measure": Figure.Measure(measure).label if measure in Figure.Measure.values else measure,
            "scope": scope,
        }
        return mark_safe(render_to_string("admin/timeline/figure/comparison.html", context))

    def _save_m2m(self):
        super()._save_m2m()
        if "differences" in self.cleaned_data:
            set_differences_of(self.instance, self.cleaned_data["differences"])


FIGURE_FIELDS = [
    "measure",
    ("value", "qualifier"),
    "scope",
    ("claimant", "claimant_words"),
    "reported_on",
    "source",
    "quote",
    "note",
    "differences",
    "comparison",
]


class FigureFields:
    """What a figure's form shows: to read only, the differences it is in, as a list."""

    def get_fields(self, request, obj=None):
        if not self.has_change_permission(request, obj):
            return [*(f for f in self.fields if f not in ("differences", "comparison")), "in_differences"]
        return self.fields

    @admin.display(description="In the differences")
    def in_differences(self, figure):
        return ", ".join(str(difference) for difference in figure.differences.all()) if figure.pk else "—"


class FigureInlineForm(QuotedPassageForm, FigureForm):
    """A figure on its event's page: its scope, differences and comparison, and a refused quote
    shown against the article's nearest passage."""


class FigureInline(FigureFields, admin.StackedInline):
    model = Figure
    form = FigureInlineForm
    formset = PublicPassagesFormSet
    formfield_overrides = DATES_IN_WORDS
    extra = 0
    autocomplete_fields = ["source", "claimant"]
    fields = [
        *(name for name in FIGURE_FIELDS if name != "note"),
        "use_article_words",
        "note",
    ]


class VersionCheckedForm(forms.ModelForm):
    """Refuses to overwrite a colleague's save (optimistic concurrency), for the rows that are
    not merged field by field (events are: EventAdminForm). The form carries the version it
    was opened at; the save (models.Versioned) claims the next version only if the row is
    still at it. The check is made here too, to keep the editor's input with a message. Saving
    the same form again is refused again: only a form opened at the colleague's version, which
    shows their change, can overwrite it."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # The saved version, even when the form shows an older one from the history.
            saved = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            self.initial["expected_version"] = saved[0]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            saved = (
                type(self.instance)
                .objects.select_for_update()  # held until the admin's transaction saves or fails
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if data.get("expected_version") != saved:
                noun = type(self.instance)._meta.verbose_name
                raise forms.ValidationError(
                    f"Someone else saved this {noun} while you were editing it, and nothing of yours was saved. "
                    f"Your changes are still in the form below: copy them, open the {noun} again (in another tab) "
                    "to see what your colleague saved, and make your changes there."
                )
            self.instance.version = saved  # the version this edit started from: save() claims the next one
        return data


class EventAdminForm(ConfirmUnlikelyDateForm):
    """An event's form that never loses a colleague's edit. It carries the version and the
    state (``base_state``) it was opened at. When a colleague saved the event since, the save
    is merged field by field, inlines included (editing.three_way): what only the colleague
    changed is kept, what only this editor changed is saved, and a field both changed
    differently waits for the editor's explicit choice between the two values."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    base_state = forms.CharField(widget=forms.HiddenInput, required=False)
    awaiting_choice = forms.CharField(widget=forms.HiddenInput, required=False)
    change_note = forms.CharField(
        label="Public change note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to change a published event, to take it down (the reason) or to publish it again. "
        "Readers see it on the event's page, in the list of changes and in its feed.",
    )

    class Meta:
        model = Event
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.merge = None  # set when a colleague saved since the form was opened
        if self.instance.pk and not self.is_bound:
            # The saved version and state, even when the form shows an older one from the history.
            saved = Event.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            self.initial["expected_version"] = saved[0]
            self.initial["base_state"] = editing.as_json(editing.snapshot(self.instance.pk))

    # The event's own fields ----------------------------------------------------------------

    def clean(self):
        data = super().clean()
        self.instance._admin_form = self  # the inline formsets, validated next, merge and check with it
        saved_version = (
            Event.objects.select_for_update()  # the row stays locked until the admin's transaction ends
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        self.edit = editing.EventEdit(self.instance.pk)  # as saved: the instance is not changed yet
        self.after = {"event": self._mine(data), **{r: self.edit.before[r] for r in editing.PASSAGE_MODELS}}
        self.choices = self._choices()
        self.base = self._base_state()  # read before a merge moves the form on to the colleague's state
        if self.instance.pk:
            stale = data.get("expected_version") != saved_version
            self.instance.version = saved_version  # the version this edit starts from: save() claims the next
            self._apply_event_choices(data)
            if stale:
                self._merge_fields(data, saved_version)
        for name, message in self.edit.problems(self.after, data.get("change_note")).items():
            self.add_error(name, message)
        return data

    def _mine(self, data):
        fields = [name for name in editing.event_fields() if name in data]
        return {name: editing.plain(data[name]) for name in fields}

    def _merge_fields(self, data, saved_version):
        base = self.base
        if base is None:
            self._refuse_stale(saved_version)
            return
        self.merge = editing.three_way(base["event"], self.edit.before["event"], self.after["event"])
        for name in self.merge.theirs:
            data[name] = self._saved_value(name)  # what the colleague saved
            self.after["event"][name] = self.edit.before["event"][name]
            self._show(name, self.edit.before["event"][name])
        self._ask_for_choices(saved_version)

    def _base_state(self):
        try:
            return json.loads(self.data.get("base_state") or "null")
        except ValueError:
            return None

    def _refuse_stale(self, saved_version):
        """A form opened without its starting state cannot be merged: keep the input, ask again."""
        self.data["expected_version"] = saved_version
        self.data["base_state"] = editing.as_json(self.edit.before)
        raise forms.ValidationError(
            "Someone else saved this event while you were editing it. Your changes are still in the form below, "
            "not saved: compare them with the event's history, then save again."
        )

    def _ask_for_choices(self, saved_version):
        """After a merge, the form is at the colleague's version; conflicts wait for a choice."""
        self.data["expected_version"] = saved_version
        self.data["base_state"] = editing.as_json(self.edit.before)
        self.data["awaiting_choice"] = ",".join(self.merge.conflicts)
        if self.merge.conflicts:
            self.add_error(None, self.conflict_message())

    def conflict_message(self):
        return (
            "Someone else saved this event while you were editing it, and changed some of the fields you changed. "
            "Their changes to other fields are kept. For each field below, choose their value or yours, then save."
        )

    def _show(self, key, plain_value):
        """Let the re-displayed form show a merged value."""
        if isinstance(plain_value, list):
            self.data.setlist(key, [str(v) for v in plain_value])
        else:
            self.data[key] = "" if plain_value is None else str(plain_value)

    def _saved_value(self, name):
        """The saved value of an event's field, as a form's cleaned data holds it (from the state
        read when the form was checked, not read again)."""
        return _from_plain(Event._meta.get_field(name), self.edit.before["event"].get(name))

    # Choices between two editors' values ----------------------------------------------------

    def _choices(self):
        """{key: "theirs" | "mine"} for the conflicts the form showed, as the editor chose."""
        keys = [key for key in (self.data.get("awaiting_choice") or "").split(",") if key]
        return {key: self.data.get(f"keep-{key}", "") for key in keys}

    def _apply_event_choices(self, data):
        """Apply the editor's choices between their value and a colleague's (base_state holds the
        colleague's since the conflict was shown); a missing choice is asked for again."""
        for name in list(self.after["event"]):
            choice = self.choices.get(name)
            if choice == "theirs":
                data[name] = self._saved_value(name)
                self.after["event"][name] = self.edit.before["event"].get(name)
            elif choice is not None and choice != "mine":
                self.add_error(name, "Choose their value or yours: both of you changed this field.")

    # The inline formsets ---------------------------------------------------------------------

    def merge_passages(self, formset):
        """Merge the inline rows the editor submitted with what a colleague saved since."""
        relation, model = formset.prefix, formset.model
        base = self.base
        saved_rows = self.edit.before[relation]
        for form in formset.forms:
            if not getattr(form, "cleaned_data", None) or form.instance.pk is None:
                continue
            key = str(form.instance.pk)
            mine = self._passage_row(form, model)
            for name in list(mine):
                choice = self.choices.get(f"{relation}-{key}-{name}")
                if choice == "theirs":
                    self._take_saved(form, model, name, saved_rows.get(key, {}).get(name))
                    mine[name] = saved_rows.get(key, {}).get(name)
                elif choice is not None and choice != "mine":
                    raise ValidationError(f"Choose their value or yours for {relation} {key}, {name}.")
            if self.merge is None or base is None or key not in base.get(relation, {}):
                continue
            merge = editing.three_way(base[relation][key], saved_rows.get(key, {}), mine, prefix=f"{relation}-{key}-")
            for merged_key, (_old, theirs) in merge.theirs.items():
                name = merged_key.rsplit("-", 1)[1]
                self._take_saved(form, model, name, theirs)
            self.merge.theirs |= merge.theirs
            self.merge.mine |= merge.mine
            self.merge.conflicts |= merge.conflicts
        if self.merge is not None:
            self.data["awaiting_choice"] = ",".join(self.merge.conflicts)
            if self.merge.conflicts and not self.errors:
                self.add_error(None, self.conflict_message())
            if any(key.startswith(relation) for key in self.merge.conflicts):
                raise ValidationError("Choose their value or yours for the fields both of you changed (see the top).")

    def _passage_row(self, form, model):
        model_fields = {f.name for f in model._meta.concrete_fields if f.editable and f.name not in ("id", "event")}
        names = [name for name in form.fields if name in model_fields]
        return {model._meta.get_field(name).attname: editing.plain(form.cleaned_data.get(name)) for name in names}

    def _take_saved(self, form, model, attname, value):
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        value = _from_plain(field, value, as_key=True)
        setattr(form.instance, attname, value)
        form.cleaned_data[field.name] = getattr(form.instance, field.name)
        form.data[form.add_prefix(field.name)] = "" if value is None else str(value)

    def check_passages(self, formset):
        """The public-change rules, with the formset's rows as they will be saved."""
        rows = {}
        for number, form in enumerate(formset.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (form.instance.pk is None and not form.has_changed()):
                continue
            key = str(form.instance.pk) if form.instance.pk else f"new-{number}"
            rows[key] = editing.passage_row(form.instance)
        self.after[formset.prefix] = rows
        problems = self.edit.problems(self.after, self.cleaned_data.get("change_note"))
        if "change_note" in problems:
            raise ErrorOn("change_note", problems["change_note"])  # shown on the note's field

    def conflicts(self):
        """The fields both editors changed, for the choice the form asks for:
        [{"key", "label", "theirs", "mine"}], values as an editor reads them."""
        if not self.merge:
            return []
        rows = []
        for key, (_base, theirs, mine) in self.merge.conflicts.items():
            model, name, row = Event, key, ""
            if "-" in key:  # "citations-12-note": a field of an inline row
                relation, number, name = key.split("-", 2)
                model = editing.PASSAGE_MODELS[relation]
                row = f"{model._meta.verbose_name} {number}: "
            field = next(
                f for f in (*model._meta.concrete_fields, *model._meta.many_to_many) if name in (f.name, f.attname)
            )
            label = f"{row}{field.verbose_name}"
            rows.append(
                {"key": key, "label": label, "theirs": _readable(field, theirs), "mine": _readable(field, mine)}
            )
        return rows

    def merge_report(self):
        """What each editor changed, for the message after a merged save and the conflict panel."""
        if not self.merge:
            return ""
        parts = []
        if self.merge.theirs:
            parts.append(f"your colleague's changes to {', '.join(self.merge.theirs)} were kept")
        if self.merge.mine:
            parts.append(f"your changes to {', '.join(self.merge.mine)} were saved")
        return "; ".join(parts)


def _from_plain(field, value, as_key=False):
    """A plain value (editing.plain, as a snapshot holds it) as the field takes it: rows for a
    many-to-many field, the key (``as_key``) or the row for a foreign key, else the Python value."""
    if field.many_to_many:
        return list(field.related_model.objects.filter(pk__in=value or []))
    if field.is_relation:
        key = field.target_field.to_python(value)
        return key if as_key or key is None else field.related_model.objects.get(pk=key)
    return field.to_python(value)


def _readable(field, value):
    """A plain value (editing.plain) as an editor reads it: names for rows, "(empty)" for nothing."""
    if field.is_relation:
        pks = value if isinstance(value, list) else [value] if value is not None else []
        names = [str(row) for row in field.related_model.objects.filter(pk__in=pks)]
        return ", ".join(names) or "(none)"
    return "(empty)" if value in (None, "") else str(value)


class DifferenceAdminForm(VersionCheckedForm):
    class Meta:
        model = Difference
        fields = "__all__"  # noqa: DJ007 (the admin narrows them to its fieldsets)


@admin.register(Event)
class EventAdmin(HostileQueryMixin, ErrorSummaryMixin, SimpleHistoryAdmin):
    form = EventAdminForm
    formfield_overrides = DATES_IN_WORDS
    list_display = ["date", "title", "category", "status", "citation_count", "origin_count"]
    list_filter = [
        "status",
        "category",
        "date_precision",
        "date",
        ("actors", admin.RelatedOnlyFieldListFilter),
        ("places", admin.RelatedOnlyFieldListFilter),
        ("citations__source", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "summary", "citations__quote", "figures__quote"]
    date_hierarchy = "date"
    ordering = ["date", "day_order", "time", "slug"]
    autocomplete_fields = ["actors", "places"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CitationInline, FigureInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "status",
                    "category",
                    "summary",
                    "change_note",
                    ("expected_version", "base_state", "awaiting_choice"),
                ]
            },
        ),
        (
            "When",
            {
                "fields": [
                    ("date", "end_date"),
                    "confirm_date",
                    "date_precision",
                    "date_basis",
                    "date_basis_note",
                    ("time", "time_note"),
                    "day_order",
                ]
            },
        ),
        ("Who and where", {"fields": ["actors", "places"]}),
    ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            request.POST = request.POST.copy()  # a merged or refused save re-displays the merged values
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            request.POST = request.POST.copy()
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        """Saved through editing.save_event in save_related, with the inlines. A revert from the
        history has no save_related: it saves here, the event and its actors and places."""
        if request.resolver_match.url_name.endswith("_simple_history"):
            self._save_event(request, obj, form, write_related=lambda event: form.save_m2m())

    def save_related(self, request, form, formsets, change):
        def write_related(event):
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        self._save_event(request, form.instance, form, write_related)

    def _save_event(self, request, event, form, write_related):
        editing.save_event(
            event, note=form.cleaned_data["change_note"], user=request.user, write_related=write_related, edit=form.edit
        )
        if report := form.merge_report():
            messages.info(request, f"Someone else saved this event while you were editing it: {report}.")

    def has_delete_permission(self, request, obj=None):
        """An event readers have seen is taken down (unpublished, with a reason), never deleted:
        its address answers 410 Gone with the reason, and no other event can take it."""
        return super().has_delete_permission(request, obj) and not is_public(obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # would delete published events too: delete drafts one by one
        return actions

    def get_queryset(self, request):
        origin = Source.independent_origin_expression("citations__source__")
        return (
            super()
            .get_queryset(request)
            .annotate(citation_total=Count("citations", distinct=True), origin_total=Count(origin, distinct=True))
        )

    @admin.display(description="Citations", ordering="citation_total")
    def citation_count(self, event):
        return event.citation_total

    @admin.display(description="Independent origins", ordering="origin_total")
    def origin_count(self, event):
        """Re-publications of one wire story count once."""
        return event.origin_total

    @admin.action(description="Publish the selected events")
    def publish(self, request, queryset):
        published = 0
        for event in queryset.filter(status=Event.Status.DRAFT):
            try:
                editing.publish(event, user=request.user)
            except ValidationError as error:
                messages.error(request, f"“{event.title}” was not published: {editing.in_words(error)}")
                continue
            published += 1
        if published:
            messages.success(request, f"Published {published} event(s).")

    @admin.action(description="Take the selected events down (with a public reason)")
    def unpublish(self, request, queryset):
        """Asks for the public reason first, on a page of its own, then takes the events down."""
        events = queryset.filter(status=Event.Status.PUBLISHED)
        form = TakeDownForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for event in events:
                editing.take_down(event, form.cleaned_data["reason"], user=request.user)
            messages.success(request, f"Took down {len(events)} event(s): their addresses now say why.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Take events down",
            "opts": self.model._meta,
            "events": events,
            "form": form,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/timeline/event/take_down.html", context)

    def delete_model(self, request, obj):
        editing.delete_event(obj)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            editing.delete_event(event)


class TakeDownForm(forms.Form):
    reason = forms.CharField(
        label="Public reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Readers who follow a link to these events will see it, with the date.",
    )


class PassageAdmin(ErrorSummaryMixin, CuratedAdmin):
    """Citations and figures on their own. Those of an event readers have seen are changed from
    the event's page, where a public change note goes with them."""

    formfield_overrides = DATES_IN_WORDS

    def passage_is_public(self, passage):
        return bool(passage and passage.pk) and is_public(passage.event)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.passage_is_public(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.passage_is_public(obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ForDraftsOnly(form):
            def clean(self):
                data = super().clean()
                event = data.get("event")
                if is_public(event):
                    raise ValidationError(
                        "This event is public: add or change its passages from the event's page, "
                        "with a public change note."
                    )
                return data

        return ForDraftsOnly


@admin.register(Citation)
class CitationAdmin(PassageAdmin):
    list_display = ["event", "source", "quote"]
    list_filter = [("source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event", "source"]
    search_fields = ["quote", "event__title"]
    autocomplete_fields = ["event", "source"]


@admin.register(Figure)
class FigureAdmin(FigureFields, PassageAdmin):
    form = FigureForm
    list_display = ["measure", "display_value", "scope", "claimed_by", "reported_on", "source", "event"]
    list_filter = [
        "measure",
        ("claimant", admin.RelatedOnlyFieldListFilter),
        ("source", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["event", "source", "claimant"]
    search_fields = ["quote", "claimant_words", "claimant__search_names", "scope", "event__title"]
    autocomplete_fields = ["event", "source", "claimant"]
    fields = ["event", *FIGURE_FIELDS]

    @admin.display(description="Claimed by", ordering="claimant__name")
    def claimed_by(self, figure):
        return figure.claimed_by


class PositionInline(admin.StackedInline):
    model = Position
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "quote", ("reading", "claimant"), "order", "note"]


class PositionRelationInline(admin.TabularInline):
    """How the positions relate: save the positions first, then relate them."""

    model = PositionRelation
    extra = 0
    fields = ["from_position", "type", "to_position"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("from_position", "to_position"):
            difference_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Position.objects.filter(difference_id=difference_id).select_related("source")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Difference)
class DifferenceAdmin(ErrorSummaryMixin, CuratedAdmin):
    form = DifferenceAdminForm
    list_display = ["topic", "kind", "subject", "status", "position_count"]
    list_filter = ["status", "kind", "subject", ("positions__source", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["topic", "note", "positions__quote", "positions__reading"]
    prepopulated_fields = {"slug": ["topic"]}
    autocomplete_fields = ["events"]
    filter_horizontal = ["figures"]
    inlines = [PositionInline, PositionRelationInline]
    fieldsets = [
        (None, {"fields": ["topic", "slug", "status", "kind", "subject", "note", "expected_version"]}),
        ("What it concerns", {"fields": ["events", "figures"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(position_total=Count("positions", distinct=True))

    @admin.display(description="Positions", ordering="position_total")
    def position_count(self, difference):
        return difference.position_total
