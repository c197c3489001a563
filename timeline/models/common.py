"""What every part of the data shares: the timeline's span, slugs, date bases, statuses,
the versions that keep editors from overwriting each other, and verbatim passages."""

import datetime
import difflib
import functools
import heapq
import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.urls import reverse

from timeline import fragments

#: The first day of the day-by-day timeline; anything earlier is context.
TIMELINE_START = datetime.date(2022, 1, 2)

#: Kazakhstan has about 19 million people: a larger figure is a typing slip.
MAX_FIGURE = 20_000_000

#: The longest an event may last (a leap year): a longer span is a typing slip in its end date.
MAX_SPAN = datetime.timedelta(days=366)


def in_words(day):
    """ "Saturday 1 October 2022": a date as editors and readers say it."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def span_in_words(first, last, joiner=" to "):
    """ "5 to 19 January 2022", "31 December 2021 to 2 January 2022": the year (and month)
    of the first day only where they differ from the last's."""
    if (first.year, first.month) == (last.year, last.month):
        start = f"{first.day}"
    elif first.year == last.year:
        start = f"{first.day} {first:%B}"
    else:
        start = f"{first.day} {first:%B %Y}"
    return f"{start}{joiner}{last.day} {last:%B %Y}"


#: The longest texts editors and imports may write, far above the collection's longest (an article
#: of 6,000 characters, a summary of 900, a quote of 400), so that no one field can fill a page or
#: the memory of the process that renders it. The JSON schema says the same.
TEXT_LIMITS = {"source text": 500_000, "summary": 20_000, "quote": 5_000, "note": 5_000}


class VerbatimTextField(models.TextField):
    """A text field whose form keeps the text as typed: Django's strips what begins and ends it,
    and an article's first or last line breaks are part of it, as received."""

    def formfield(self, **kwargs):
        return super().formfield(**{"strip": False, **kwargs})

    def deconstruct(self):
        """To migrations, a plain TextField: the two differ only in forms, not in the database."""
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def limited_text(kind, verbatim=False, **kwargs):
    """A TextField that refuses more than TEXT_LIMITS[kind] characters (the admin's textarea says so
    too); ``verbatim``: its form keeps the text as typed (VerbatimTextField)."""
    limit = TEXT_LIMITS[kind]
    field = VerbatimTextField if verbatim else models.TextField
    return field(max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs)


@functools.lru_cache(maxsize=8192)
def detail_url(name, slug):
    """reverse() for the detail pages, memoised: a timeline page links to each event
    and source many times, and reversing dominated its rendering time."""
    return reverse(f"timeline:{name}", args=[slug])


def find_passage(text, quote):
    """Return the (start, end) offsets of ``quote`` in ``text``, ignoring
    differences in whitespace only, or ``None`` when it does not occur."""
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(map(re.escape, words)), text)
    return match.span() if match else None


@dataclass(frozen=True)
class NearestPassage:
    start: int
    end: int
    similarity: float  # 0 to 1: 1 is the same words, whitespace aside


def nearest_passage(text, quote):
    """The passage of ``text`` most like ``quote``, for a quote that does not occur in it: a
    run of whole words, its offsets and its similarity (difflib's ratio, whitespace
    normalised: one curly apostrophe in fifty characters is 0.98). None for an empty
    text or quote.

    Runs of as many words as the quote are ranked by how many of its words they share,
    counted as the run slides along the text (linear in the text's length); the best few
    are compared character by character, and the best of those is widened or narrowed by
    a few words at either end."""
    wanted = " ".join(quote.split())
    spans = [match.span() for match in re.finditer(r"\S+", text)]
    if not wanted or not spans:
        return None
    words = [text[start:end] for start, end in spans]
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)

    @functools.cache
    def similarity(run):
        matcher.set_seq1(" ".join(words[run[0] : run[1] + 1]))
        return matcher.ratio()

    size = min(len(wanted.split()), len(words))
    needed, held, shared = Counter(wanted.split()), Counter(), 0
    overlaps = []
    for last, word in enumerate(words):
        shared += held[word] < needed[word]
        held[word] += 1
        if last >= size:
            gone = words[last - size]
            held[gone] -= 1
            shared -= held[gone] < needed[gone]
        if last >= size - 1:
            overlaps.append((shared, last - size + 1))
    candidates = [(first, first + size - 1) for _, first in heapq.nlargest(4, overlaps)]
    best = max(candidates, key=similarity)
    for moved in (0, 1):  # the first word, then the last
        runs = [(best[0] + step, best[1]) if moved == 0 else (best[0], best[1] + step) for step in range(-3, 4)]
        best = max((run for run in runs if 0 <= run[0] <= run[1] < len(words)), key=similarity)
    start, end = spans[best[0]][0], spans[best[1]][1]
    # Punctuation the quote leaves out at either end ("checkpoints," for "checkpoints") is not taken.
    while end - start > 1 and not text[end - 1].isalnum() and not wanted.endswith(text[end - 1]):
        end -= 1
    while end - start > 1 and not text[start].isalnum() and not wanted.startswith(text[start]):
        start += 1
    matcher.set_seq1(" ".join(text[start:end].split()))
    return NearestPassage(start, end, matcher.ratio())


class DateBasis(models.TextChoices):
    """How a date was established, for events and for the sources' own dates. Readers
    see every basis but "stated", with its note."""

    STATED = "stated", "Stated in the article"
    RESOLVED = "resolved", "Resolved from the article's words and its date"
    INFERRED = "inferred", "Inferred"
    OUTSIDE = "outside", "Outside knowledge"

    @property
    def phrase(self):
        """How readers are told, after the word "date": "date inferred"."""
        return {
            "stated": "stated",
            "resolved": "resolved from the article's words",
            "inferred": "inferred",
            "outside": "from outside knowledge",
        }[self.value]


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Status(models.TextChoices):
    """Whether readers see a thing: editors work on drafts."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Versioned(models.Model):
    """A row that two editors cannot overwrite each other's changes to: every save claims the
    next version, and a save from a copy loaded at an older version is refused."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up with every save, so that two editors cannot overwrite each other."
    )

    class Meta:
        abstract = True

    class StaleEdit(Exception):
        """Someone else saved the row after this copy of it was loaded."""

    def save(self, *args, **kwargs):
        """Save, unless someone else saved the row since this copy was loaded at ``version``.
        The check is one conditional UPDATE (``WHERE version = <seen>``), which claims the
        next version atomically on every database: of two saves at once, exactly one wins."""
        with transaction.atomic():
            if not self._state.adding:
                rows = type(self)._default_manager.filter(pk=self.pk, version=self.version)
                if not rows.update(version=models.F("version") + 1):
                    raise self.StaleEdit(f"“{self}” was saved by someone else since version {self.version}.")
                self.version += 1
            super().save(*args, **kwargs)


class PassageQuerySet(models.QuerySet):
    def published(self):
        """Passages of published events or differences: what readers may see."""
        return self.filter(**{f"{self.model.published_via}__status": Status.PUBLISHED})


class Quoted:
    """Where a quoted passage is and what it links to, for a saved passage (QuotedPassage) and for
    the rows the exports read (exports.rows.Passage) alike: both have ``pk``, ``anchor_prefix``,
    ``source`` and ``text_fragment``, so that pages and exports link the same way."""

    __slots__ = ()

    @property
    def anchor(self):
        """The passage's id on its source's page: "c12" for citation 12."""
        return f"{self.anchor_prefix}{self.pk}"

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#{self.anchor}"

    @property
    def original_url(self):
        """A link into the original article that highlights the passage, where the source has an address."""
        return fragments.link(self.source.url, self.text_fragment)


class QuotedPassage(Quoted, models.Model):
    """A verbatim passage of a source. Saving one whose quote the source does not
    contain fails validation, wherever the data comes from."""

    source = models.ForeignKey("timeline.Source", on_delete=models.PROTECT, related_name="%(class)ss")
    quote = limited_text("quote", help_text="Copied character for character from the source (line breaks may differ).")
    note = models.CharField(max_length=500, blank=True, help_text="Optional: how to read this passage.")
    text_fragment = models.CharField(
        max_length=1000,
        blank=True,
        editable=False,
        help_text="The text directive (#:~:text=…) that finds this passage, and only it, in the original article.",
    )

    objects = PassageQuerySet.as_manager()
    #: The relation through which the passage is published: its event, or its difference.
    published_via = "event"

    class Meta:
        abstract = True

    @property
    def owner(self):
        """What the passage is cited in: an event, or a difference."""
        return getattr(self, self.published_via)

    @property
    def source_or_none(self):
        """The source, saved or not (an import checks quotes before it writes anything)."""
        try:
            return self.source
        except ObjectDoesNotExist:
            return None

    def clean(self):
        if self.source_or_none and self.quote and not self.span:
            message = f"This passage does not occur in the text of “{self.source}”. Copy it exactly from the source."
            if nearest := self.nearest:
                words = self.source.text[nearest.start : nearest.end]
                message += f" Its nearest passage, {nearest.similarity:.0%} alike: “{' '.join(words.split())}”."
            raise ValidationError({"quote": ValidationError(message, code="not_in_source")})

    @property
    def nearest(self):
        """The passage of the source most like the quote (a NearestPassage), or None."""
        return nearest_passage(self.source.text, self.quote)

    @property
    def span(self):
        """The passage's (start, end) offsets in its source's text, or None."""
        return find_passage(self.source.text, self.quote)

    def save(self, *args, **kwargs):
        refresh_text_fragments([self])
        super().save(*args, **kwargs)


def refresh_text_fragments(passages):
    """Give each of ``passages`` (with their sources) the directive that finds it in its
    source; returns those whose directive changed. One search page per source text: for
    what is loaded in bulk, or the passages of a source whose text changed."""
    pages, directives, changed = {}, {}, []
    for passage in passages:
        text = passage.source.text
        key = (passage.source_id, len(text), passage.quote)
        if key not in directives:
            page = pages.get(text) or pages.setdefault(text, fragments.Page(text))
            span = find_passage(text, passage.quote)
            directives[key] = fragments.directive_for(text, *span, page=page) if span else ""
        directive = directives[key]
        if directive != passage.text_fragment:
            passage.text_fragment = directive
            changed.append(passage)
    return changed


def refresh_all_text_fragments(sources=None):
    """Store every passage's directive (of all kinds), optionally only those of ``sources``."""
    for model in QuotedPassage.__subclasses__():
        passages = model.objects.select_related("source").order_by("source_id", "pk")
        if sources is not None:
            passages = passages.filter(source__in=sources)
        model.objects.bulk_update(refresh_text_fragments(passages), ["text_fragment"], batch_size=500)


def broken_quotes(sources=None):
    """Every passage (of every kind: citations, figures, positions) whose quote no longer
    occurs in its source's current text, for instance after an editor changed the text;
    optionally only for some sources."""
    broken = []
    for model in QuotedPassage.__subclasses__():
        passages = model.objects.select_related("source", model.published_via).order_by("pk")
        if sources is not None:
            passages = passages.filter(source__in=sources)
        broken += [p for p in passages if not p.span]
    return broken
