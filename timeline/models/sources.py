"""The articles, and the actors and places they name."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import apnumber
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.db.models.signals import pre_save
from django.template.defaultfilters import pluralize
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from timeline.models.common import DateBasis, SlugQuerySet, detail_url, limited_text, refresh_all_text_fragments
from timeline.text import fold


def _published_passages(model, **fields):
    """An ``Exists`` over ``model``'s passages (citations, figures, positions) that readers see
    and whose ``fields`` match, each naming ``OuterRef("pk")``: the passages of published events
    or differences."""
    return models.Exists(model.objects.published().filter(**fields))


class SourceQuerySet(SlugQuerySet):
    def public(self):
        """The sources readers may see: those a published event cites (by a citation or a
        figure), or a published difference quotes (a reader reaches a source through a
        position's link as through a citation's). A source nothing published cites yet, with
        its full text, stays with the editors."""
        from timeline.models.differences import Position
        from timeline.models.events import Citation, Figure

        return self.filter(
            _published_passages(Citation, source=models.OuterRef("pk"))
            | _published_passages(Figure, source=models.OuterRef("pk"))
            | _published_passages(Position, source=models.OuterRef("pk"))
        )

    def coverage(self):
        """What the collection covers: how many articles, published from which day to which."""
        days = self.aggregate(
            articles=models.Count("pk"), first=models.Min("published_on"), last=models.Max("published_on")
        )
        return Coverage(**days)


@dataclass(frozen=True)
class Coverage:
    articles: int
    first: datetime.date | None
    last: datetime.date | None

    def __str__(self):
        """ "five articles published from 6 to 8 January 2022" """
        if not self.articles:
            return "no articles yet"
        count = apnumber(self.articles)
        noun = f"{count} article{pluralize(self.articles)}"
        if self.first == self.last:
            return f"{noun} published on {self.first:%-d %B %Y}"
        start = (
            f"{self.first.day}"
            if (self.first.month, self.first.year) == (self.last.month, self.last.year)
            else (f"{self.first:%-d %B %Y}" if self.first.year != self.last.year else f"{self.first:%-d %B}")
        )
        return f"{noun} published from {start} to {self.last:%-d %B %Y}"


class Source(models.Model):
    class Kind(models.TextChoices):
        WIRE = "wire", "Wire story"
        NEWSPAPER = "newspaper", "Newspaper"
        STATE_AGENCY = "state_agency", "State news agency"
        TABLOID = "tabloid", "Tabloid"
        BROADCASTER = "broadcaster", "Broadcaster"
        ONLINE = "online", "Online outlet"

    slug = models.SlugField(unique=True, help_text="Stable id used in URLs and exports.")
    title = models.CharField(max_length=300)
    title_supplied = models.BooleanField(
        default=False,
        help_text="Tick when the article has no headline of its own and the title was written by editors.",
    )
    outlet = models.CharField(
        max_length=200, blank=True, help_text="Who published this copy; blank when the article does not say."
    )
    origin = models.CharField(
        max_length=200,
        blank=True,
        help_text="The wire agency or original reporter when it differs from the outlet "
        "(two re-publications of one AFP story share the origin “AFP”).",
    )
    authors = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(help_text="Day of publication.")
    edition = models.PositiveSmallIntegerField(
        default=1,
        help_text="Orders the sources published on one day: 2 for a later edition of a story printed that day.",
    )
    published_on_basis_kind = models.CharField(
        "how the publication date is known",
        max_length=10,
        choices=DateBasis.choices,
        default=DateBasis.STATED,
        help_text="“Stated” when the article prints its date; otherwise say how it was determined below.",
    )
    published_on_basis = limited_text(
        "note",
        blank=True,
        help_text="How the publication date was determined when the article does not state it; blank when it does.",
    )
    url = models.URLField(max_length=500, blank=True, help_text="The article's original address, where one is known.")
    url_basis = limited_text(
        "note",
        verbose_name="how the address is known",
        blank=True,
        help_text="Blank when the article gives its own address; otherwise where it comes from (outside knowledge).",
    )
    rights_holder = models.CharField(
        max_length=200,
        help_text="Who holds the copyright of the article (“Agence France-Presse (AFP)”). Shown on its page "
        "and in the exports, with the statement that its passages are quoted for reference.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    party_to_conflict = models.BooleanField(
        default=False,
        help_text="The outlet belongs to a party to the conflict (a belligerent's state media): what it reports "
        "in its own voice counts as a party's claim.",
    )
    seed_file = models.CharField(
        max_length=100,
        unique=True,
        blank=True,
        editable=False,
        help_text="The file under seeds/ that holds the text (dump_curated writes it): named after the slug when "
        "the source is added, and kept after.",
    )
    text = limited_text("source text", help_text="The article's full text, exactly as received.", verbatim=True)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["published_on", "edition", "slug"]

    def __str__(self):
        return f"{self.label}: {self.title}"

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return detail_url("source_detail", self.slug)

    @property
    def derived_seed_file(self):
        """The seed file of a source being added: named after its slug."""
        return f"{self.slug}.txt"

    def save(self, *args, **kwargs):
        self.seed_file = self.seed_file or self.derived_seed_file
        # A browser sends a text area's line breaks as CRLF: keep them as the article has them, one
        # character each, so that the text and its seed file (read with universal newlines) are equal.
        self.text = self.text.replace("\r\n", "\n")
        saved_text = Source.objects.filter(pk=self.pk).values_list("text", flat=True).first() if self.pk else None
        super().save(*args, **kwargs)
        if saved_text is not None and saved_text != self.text:
            refresh_all_text_fragments([self])  # the passages' links follow the new text

    @property
    def published_on_basis_label(self):
        """ "date inferred", "date from outside knowledge", or nothing when the article prints it."""
        kind = DateBasis(self.published_on_basis_kind)
        return "" if kind == DateBasis.STATED else f"date {kind.phrase}"

    def clean(self):
        if self.published_on_basis_kind != DateBasis.STATED and not self.published_on_basis.strip():
            message = "Say how the publication date was determined, since the article does not print it."
            raise ValidationError({"published_on_basis": message})
        if not self.seed_file and self.slug:
            taken = Source.objects.filter(seed_file=self.derived_seed_file).exclude(pk=self.pk)
            if taken.exists():
                message = f"Another source's text is kept in seeds/{self.derived_seed_file}: choose another slug."
                raise ValidationError({"slug": message})

    @property
    def archive_url(self):
        """The Wayback Machine's copy of the original from the day of publication (the Wayback
        Machine answers with the capture nearest that day); empty without an original address."""
        return f"https://web.archive.org/web/{self.published_on:%Y%m%d}/{self.url}" if self.url else ""

    @property
    def rights_statement(self):
        """Who holds the article's copyright, and on what footing it is shown here."""
        shown = (
            "the full text is shown so that every cited passage can be read in context"
            if settings.PUBLIC_SOURCE_TEXT
            else "only the cited passages are shown, each in its sentence"
        )
        return f"© {self.rights_holder}. Quoted for reference and verification: {shown}; not for republication."

    @property
    def label(self):
        """How readers see the source named: "The Moscow Times (AFP)", "AFP (outlet not named)",
        "Tabloid (outlet not named)"."""
        if self.outlet:
            return f"{self.outlet} ({self.origin})" if self.origin else self.outlet
        return f"{self.origin or self.get_kind_display()} (outlet not named)"

    @cached_property
    def independent_origin(self):
        """What makes two sources one: their shared wire story, or else the outlet itself."""
        return self.origin or self.outlet or self.slug

    @staticmethod
    def independent_origin_expression(path=""):
        """``independent_origin`` in SQL, for a source reached through ``path``: the first
        non-empty of origin, outlet and slug."""
        return Coalesce(
            NullIf(f"{path}origin", models.Value("")), NullIf(f"{path}outlet", models.Value("")), f"{path}slug"
        )


class NamedQuerySet(SlugQuerySet):
    def public(self):
        """The actors or places readers may see: those a published event involves."""
        return self.filter(self._public_q())

    def _public_q(self):
        from timeline.models.events import Event

        links = self.model.events.through.objects.filter(Event.published_q("event__"))
        return models.Q(models.Exists(links.filter(**{self.model._meta.model_name: models.OuterRef("pk")})))


class NamedEntity(models.Model):
    """Shared shape of actors and places: a canonical name and its variants."""

    slug = models.SlugField(unique=True, help_text="Stable id used in URLs and exports.")
    name = models.CharField(max_length=200, help_text="The name the timeline uses.")
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text='Every other spelling or name the sources use, as a list: ["Alma-Ata"].',
    )
    description = models.CharField(max_length=300, blank=True)
    search_names = models.TextField(
        editable=False, default="", help_text="The name and its variants, folded for search; kept in step on save."
    )

    objects = NamedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) for a in self.aliases):
            raise ValidationError({"aliases": "Give the name variants as a list of strings."})

    @property
    def names(self):
        return [self.name, *(a for a in self.aliases if isinstance(a, str))]


def _fold_names(sender, instance, **kwargs):
    """Keep ``search_names`` in step with the name and its variants, for every save, loaddata included."""
    instance.search_names = "\n".join(fold(name) for name in instance.names)


class ActorQuerySet(NamedQuerySet):
    def _public_q(self):
        """Involved in a published event, or the claimant of one of its citations ("police said")."""
        from timeline.models.events import Citation

        return super()._public_q() | models.Q(_published_passages(Citation, claimant=models.OuterRef("pk")))


class Actor(NamedEntity):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GOVERNMENT = "government", "Government body or official"
        SECURITY = "security", "Police or security force"
        MILITARY = "military", "Armed forces"
        ALLIANCE = "alliance", "Alliance or international organisation"
        STATE = "state", "Country"
        MEDIA = "media", "Media outlet"
        GROUP = "group", "Group of people"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    party_to_conflict = models.BooleanField(
        default=False,
        help_text="A party to the conflict: the Kazakh authorities and their forces, the CSTO and its members' "
        "forces, their state media. A statement whose every claimant is a party is marked as such.",
    )
    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(NamedEntity.Meta):
        pass

    def get_absolute_url(self):
        return detail_url("actor_detail", self.slug)


class Place(NamedEntity):
    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region or province"
        CITY = "city", "City or town"
        SITE = "site", "Building, square or site"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    history = HistoricalRecords()

    class Meta(NamedEntity.Meta):
        pass

    def get_absolute_url(self):
        return detail_url("place_detail", self.slug)

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


pre_save.connect(_fold_names, sender=Actor, dispatch_uid="fold-actor-names")
pre_save.connect(_fold_names, sender=Place, dispatch_uid="fold-place-names")
