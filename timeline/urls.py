from django.contrib import admin
from django.urls import include, path

from timeline import views

app_name = "timeline"

timeline_patterns = [
    path("", views.index, name="index"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("figures/", views.figure_list, name="figure_list"),
    path("export/timeline.json", views.export_timeline_json, name="export_timeline_json"),
]

urlpatterns = [
    path("", include((timeline_patterns, "timeline"))),
    path("admin/", admin.site.urls),
]
