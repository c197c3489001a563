"""Errors where the eye is, in the admin's change forms: every error on the field it is about,
and a summary at the top of the form that names each field and links to it.

An inline formset may find an error about a field of the main form (an event dated after its
sources, a change note the citations need): it raises an ``ErrorOn(field, message)``, which
fails the save like any formset error, and ``place_errors`` moves it onto that field before
the form is shown."""

import datetime
import difflib
import re
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import pretty_name
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from timeline.models import Source, find_passage, in_words, nearest_passage


class ErrorOn(ValidationError):
    """An inline formset's error about ``field`` of the main form."""

    def __init__(self, field, message):
        super().__init__(message, code=f"on_{field}")
        self.field = field


def place_errors(form, formsets):
    """Move each formset's ErrorOn errors onto the main form's field they are about (once: the
    citations and the figures may both ask for the change note the form asks for too)."""
    for formset in formsets:
        errors = formset.non_form_errors()
        kept = []
        for error in errors.as_data():
            field = getattr(error, "field", None)
            if field not in form.fields:
                kept.append(error)
            elif field not in form.errors or error.message not in [e.message for e in form.errors[field].as_data()]:
                form.add_error(field, error)
        errors.data[:] = kept


@dataclass(frozen=True)
class Problem:
    """One line of the summary: where ("Date", "Citation 2: quote", "Citations"), the id of the
    element to go to (empty when there is none), and the message's first sentence."""

    where: str
    anchor: str
    message: str


def first_sentence(message):
    text = " ".join(strip_tags(str(message)).split())
    return re.split(r"(?<=[.!?])\s+(?=[A-Z“])", text, maxsplit=1)[0]


def _field_problems(form, names, inline=""):
    """The field errors of ``form``, in the order of ``names``; ``inline`` names the inline
    form ("Citation 2"), which the field's label follows in lower case."""
    for name in names:
        if name == NON_FIELD_ERRORS or name not in form.errors:
            continue
        field = form[name] if name in form.fields else None
        label = (field.label if field else "") or pretty_name(name)
        where = f"{inline}: {label.lower()}" if inline else capfirst(label)
        anchor = field.id_for_label if field is not None and not field.is_hidden else ""
        for message in form.errors[name]:
            yield Problem(where, anchor or "", first_sentence(message))


def error_summary(adminform, formsets):
    """Every error of the change form, in the order of the page: the main form's (its own
    non-field errors first), then each inline form's, then each formset's own."""
    form = adminform.form
    problems = [Problem("", "", first_sentence(message)) for message in form.non_field_errors()]
    order = [*flatten_fieldsets(adminform.fieldsets), *form.fields]
    problems += _field_problems(form, dict.fromkeys(order))
    for formset in formsets:
        noun = capfirst(formset.model._meta.verbose_name)
        for number, inline in enumerate(formset.forms, start=1):
            if not inline.errors or getattr(inline, "cleaned_data", {}).get("DELETE"):
                continue  # a form being deleted does not stop the save
            anchor = f"{formset.prefix}-{number - 1}"
            problems += [Problem(f"{noun} {number}", anchor, first_sentence(m)) for m in inline.non_field_errors()]
            problems += _field_problems(inline, inline.fields, f"{noun} {number}")
        plural = capfirst(formset.model._meta.verbose_name_plural)
        problems += [Problem(plural, f"{formset.prefix}-group", first_sentence(m)) for m in formset.non_form_errors()]
    return problems


class ErrorSummaryMixin:
    """For a ModelAdmin: errors placed on their fields, and the summary at the top of the form
    (templates/admin/timeline/change_form.html) instead of "Please correct the errors below"."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        adminform = context.get("adminform")
        if adminform is not None and adminform.form.is_bound and context.get("errors"):
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            place_errors(adminform.form, formsets)
            context["error_summary"] = error_summary(adminform, formsets)
            context["errors"] = None  # the summary replaces "Please correct the errors below"
        return super().render_change_form(request, context, add, change, form_url, obj)


# A quote that does not occur in its source ---------------------------------------------------

#: Below this similarity the nearest passage is shown, but not offered: the source may be the wrong one.
OFFER_FROM = 0.75


def quote_diff(quote, words):
    """HTML: ``quote`` against the article's ``words``, whitespace aside: what the quote has and
    the article has not in <del>, the article's instead in <ins>; where one word stands for
    another like it (a curly apostrophe, a dash), only the differing characters are marked."""
    return mark_safe("".join(_differences(_tokens(quote), _tokens(words), within_words=True)))


def _tokens(text):
    return re.findall(r"\s+|\S+", " ".join(text.split()))


def _differences(mine, theirs, within_words):
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, mine, theirs, autojunk=False).get_opcodes():
        old, new = "".join(mine[a1:a2]), "".join(theirs[b1:b2])
        if op == "equal":
            yield escape(old)
        elif within_words and a2 - a1 == b2 - b1 == 1 and difflib.SequenceMatcher(None, old, new).ratio() >= 0.5:
            yield from _differences(list(old), list(new), within_words=False)
        else:
            yield format_html("<del>{}</del>", old) if old else ""
            yield format_html("<ins>{}</ins>", new) if new else ""


def article_words(source, quote):
    """The nearest passage of ``source`` to ``quote``, its words joined by single spaces, and how alike."""
    nearest = nearest_passage(source.text, quote)
    return " ".join(source.text[nearest.start : nearest.end].split()), nearest.similarity


class QuotedPassageForm(forms.ModelForm):
    """A citation or figure in the event form. A quote that does not occur in its source is
    shown against the source's nearest passage, differences marked, and the editor may take
    the article's words: with a button (static/js/admin-forms.js), or without JavaScript by
    ticking "use the article's words" and saving again."""

    use_article_words = forms.BooleanField(
        label="Use the article's words",
        required=False,
        widget=forms.HiddenInput,  # a checkbox only when the quote is refused
        help_text="Replace the quote with the nearest passage of the article, shown above, when you save.",
    )

    def clean(self):
        data = super().clean()
        source, quote = data.get("source"), data.get("quote")
        if data.get("use_article_words") and source and quote and not find_passage(source.text, quote):
            data["quote"], _ = article_words(source, quote)
            self.data = self.data.copy()  # the form shows the words it saves, should another field fail
            self.data[self.add_prefix("quote")] = data["quote"]
        return data

    def _post_clean(self):
        super()._post_clean()
        errors = self.errors.get("quote")
        for number, error in enumerate(errors.as_data() if errors else []):
            if error.code == "not_in_source":
                errors.data[number] = ValidationError(self.misquote_message(), code="not_in_source")

    def misquote_message(self):
        source, quote = self.instance.source, self.instance.quote
        words, similarity = article_words(source, quote)
        message = format_html(
            "This passage does not occur in the text of “{}”. Its nearest passage, {} alike, against your quote "
            '(<del>yours</del>, <ins>the article\'s</ins>):<blockquote class="quote-diff">{}</blockquote>',
            source,
            f"{similarity:.0%}",
            quote_diff(quote, words),
        )
        if similarity < OFFER_FROM:
            return message + "It is far from your quote: is this the right source?"
        self.fields["use_article_words"].widget = forms.CheckboxInput()
        quote_id = self["quote"].auto_id
        return message + format_html(
            'The article\'s words:<blockquote class="article-words" id="{}_article">{}</blockquote>'
            '<button type="button" class="button use-article-words" data-quote="{}" hidden>'
            "Use the article's words</button> Or tick “Use the article's words” below the quote and save again.",
            quote_id,
            words,
            quote_id,
        )


# A date far outside the collection's span -------------------------------------------------------

#: Background reaches back to the Soviet years (the earliest curated event is of 1989): an
#: earlier year than this is far more likely a slip of the keyboard (1022 for 2022).
EARLIEST_LIKELY = datetime.date(1900, 1, 1)
#: How long after its latest article the collection may still date an event.
LATEST_LIKELY_AFTER = datetime.timedelta(days=366)


def unlikely(day, latest_article, today):
    """Why ``day`` is unlikely to be an event's date, or "" when it is not."""
    if day > today:
        return "in the future"
    if latest_article and day > latest_article + LATEST_LIKELY_AFTER:
        return f"more than a year after the latest article of the collection ({in_words(latest_article)})"
    if day < EARLIEST_LIKELY:
        return f"before {EARLIEST_LIKELY:%Y}, long before any background the timeline gives"
    return ""


class ConfirmUnlikelyDateForm(forms.ModelForm):
    """An event's form: a date in the future, more than a year after the latest article, or
    before 1900 is refused on the date field until the editor ticks "Yes, this date is right",
    a box that appears with the error (and stays, ticked, while the date is kept)."""

    confirm_date = forms.BooleanField(label="Yes, this date is right", required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        day = data.get("date")
        why = day and unlikely(day, Source.objects.coverage().last, datetime.date.today())
        if why:
            self.fields["confirm_date"].widget = forms.CheckboxInput()
            if not data.get("confirm_date"):
                self.add_error(
                    "date",
                    f"{in_words(day)} is {why}. Check the year; if the date is right, tick "
                    "“Yes, this date is right” below and save again.",
                )
        return data
