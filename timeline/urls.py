from django.contrib import admin
from django.urls import include, path

from timeline import feeds, views

timeline_patterns = [
    path("", views.index, name="index"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("figures/", views.figure_list, name="figure_list"),
    path("map/", views.map_page, name="map"),
    path("embed/", views.embed, name="embed"),
    path("changes/", views.change_list, name="change_list"),
    path("changes/feed/", feeds.atom_feed, name="changes_feed"),
    path("changes/feed.json", feeds.json_feed, name="changes_json_feed"),
    path("differences/", views.difference_list, name="difference_list"),
    path("differences/words/", views.words_used, name="words_used"),
    path("differences/<slug:slug>/", views.difference_detail, name="difference_detail"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("places/", views.place_list, name="place_list"),
    path("places/<slug:slug>/", views.place_detail, name="place_detail"),
    path("sources/csl.json", views.source_csl, name="source_csl"),
    path("export/timeline.json", views.export_timeline_json, name="export_timeline_json"),
    path("export/timelinejs.json", views.export_timelinejs, name="export_timelinejs"),
    path("export/events.csv", views.export_events_csv, name="export_events_csv"),
    path("export/figures.csv", views.export_figures_csv, name="export_figures_csv"),
    path("export/differences.csv", views.export_differences_csv, name="export_differences_csv"),
    path("export/annotations.jsonld", views.export_annotations, name="export_annotations"),
    path("export/schema.json", views.export_schema, name="export_schema"),
]

urlpatterns = [
    path("", include((timeline_patterns, "timeline"))),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
]
