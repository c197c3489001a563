"""Widgets of the editors' forms."""

import datetime

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html

from timeline.models import in_words


def understood(value):
    """A date field's value as the form reads it, in words: "Saturday 1 October 2022"; what
    it cannot read, said; nothing for nothing."""
    if isinstance(value, datetime.date):
        return in_words(value)
    try:
        day = forms.DateField().to_python(value)
    except ValidationError:
        return "Not a date: write it as 2022-01-05."
    return in_words(day) if day else ""


class DateInWordsWidget(AdminDateWidget):
    """The admin's date input, followed by the date as understood, so that 2022-10-01 reads
    "Saturday 1 October 2022" before it is saved, after it is saved and when a save is
    refused; static/js/admin-forms.js keeps it up to date as the editor types."""

    template_name = forms.DateInput.template_name  # the input alone, wrapped below as admin/widgets/date.html does

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        field_id = (attrs or {}).get("id", "")
        return format_html(
            '<p class="date">{}<output class="date-in-words" for="{}" aria-live="polite" data-date-in-words>{}'
            "</output></p>",
            field,
            field_id,
            understood(value),
        )


#: For a ModelAdmin's or an inline's ``formfield_overrides``: every date field in words.
DATES_IN_WORDS = {models.DateField: {"widget": DateInWordsWidget}}
