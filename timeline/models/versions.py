"""The one answer to "has the data changed?": a durable version that every change moves on."""

import datetime

from django.db import connection, models
from django.db.models.functions import Now

from timeline.models.differences import Difference, Position, PositionRelation
from timeline.models.events import Citation, Event, Figure
from timeline.models.sources import Actor, Place, Source


class DataVersion(models.Model):
    """One row holding a number that every change to the curated data moves on, in the
    same transaction as the change. Everything derived from the data (rendered cards,
    ETags, Last-Modified) is keyed by it, so nothing derived can outlive a change: unlike
    a cache entry, the number cannot expire, be culled or go back."""

    number = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC))

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return f"data version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    @classmethod
    def current(cls):
        """The current version: one small query on every request, so the cheapest form of it.
        The row is created if it is missing."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, number, changed_at FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            return cls.objects.get_or_create(pk=1)[0]
        return cls.from_db(connection.alias, ["id", "number", "changed_at"], _converted(cls, row))

    @classmethod
    def bump(cls):
        """Move the version on, inside the transaction of the change (timeline.editing does it
        for every write)."""
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1, changed_at=Now()):
            cls.objects.create(pk=1, number=2, changed_at=Now())


def _converted(model, row):
    """A raw row's values as the fields read them (SQLite returns datetimes as text)."""
    fields = [model._meta.get_field(name) for name in ("id", "number", "changed_at")]
    values = []
    for field, value in zip(fields, row, strict=True):
        for converter in connection.ops.get_db_converters(field.get_col(model._meta.db_table)):
            value = converter(value, field.get_col(model._meta.db_table), connection)
        values.append(value)
    return values


#: The models editors curate: every change to one of them is a change of the data.
CURATED_MODELS = [Source, Actor, Place, Event, Citation, Figure, Difference, Position, PositionRelation]
