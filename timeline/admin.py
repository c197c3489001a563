from django.contrib import admin
from django.db.models import Count

from timeline.models import Actor, Citation, Event, Figure, Place, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "origin", "kind", "published_on", "seed_file"]
    list_filter = ["kind", "origin"]
    search_fields = ["title", "outlet", "origin", "authors", "text"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"


class NamedEntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Actor)
class ActorAdmin(NamedEntityAdmin):
    pass


@admin.register(Place)
class PlaceAdmin(NamedEntityAdmin):
    list_display = [*NamedEntityAdmin.list_display, "latitude", "longitude"]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]


class FigureInline(admin.StackedInline):
    model = Figure
    extra = 0
    autocomplete_fields = ["source"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "category", "status", "citation_count"]
    list_filter = ["status", "category", "date_precision", "actors", "places"]
    search_fields = ["title", "summary", "citations__quote"]
    date_hierarchy = "date"
    autocomplete_fields = ["actors", "places"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CitationInline, FigureInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="Citations", ordering="citation_count")
    def citation_count(self, event):
        return event.citation_count


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["event", "source", "quote"]
    list_filter = ["source"]
    search_fields = ["quote", "event__title"]
    autocomplete_fields = ["event", "source"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["measure", "display_value", "claimant", "reported_on", "source"]
    list_filter = ["measure", "source"]
    search_fields = ["quote", "claimant"]
    autocomplete_fields = ["event", "source"]
