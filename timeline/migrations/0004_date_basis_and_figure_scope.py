from django.db import migrations, models

DATE_BASIS = [
    ("stated", "Stated in the article"),
    ("resolved", "Resolved from the article's words and its date"),
    ("inferred", "Inferred"),
    ("outside", "Outside knowledge"),
]


def sources_with_a_basis_are_inferred(apps, schema_editor):
    """Sources whose date needed explaining were not dated by the article itself."""
    for model in (apps.get_model("timeline", "Source"), apps.get_model("timeline", "HistoricalSource")):
        model.objects.exclude(published_on_basis="").update(published_on_basis_kind="inferred")


class Migration(migrations.Migration):
    dependencies = [("timeline", "0003_timeline_indexes")]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="date_basis",
                field=models.CharField(
                    "how the date is known",
                    max_length=10,
                    choices=DATE_BASIS,
                    default="resolved",
                    help_text="Stated: the article gives the date (“on January 5”). Resolved: from the article's own "
                    "words against its own date (“on Wednesday” in a Thursday 6 January story is 5 January). "
                    "Inferred: from something else the articles say. Outside knowledge: from outside the articles, "
                    "marked as such.",
                ),
                preserve_default=False,
            )
            for model in ("event", "historicalevent")
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="date_basis_note",
                field=models.TextField(
                    "how the date was established",
                    blank=True,
                    help_text="The article's words and the reasoning (“‘Early on Wednesday’ in AFP's Thursday 6 "
                    "January story”), or the outside knowledge used. Required unless the date is stated.",
                ),
            )
            for model in ("event", "historicalevent")
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="published_on_basis_kind",
                field=models.CharField(
                    "how the publication date is known",
                    max_length=10,
                    choices=DATE_BASIS,
                    default="stated",
                    help_text="“Stated” when the article prints its date; otherwise say how it was determined below.",
                ),
            )
            for model in ("source", "historicalsource")
        ),
        migrations.RunPython(sources_with_a_basis_are_inferred, migrations.RunPython.noop),
        *(
            migrations.AddField(
                model_name=model,
                name="scope",
                field=models.CharField(
                    max_length=200,
                    blank=True,
                    help_text="What exactly the number covers, where the article says: “in Almaty”, “nationwide”, "
                    "“so far”. Figures are compared only with figures of the same measure and scope.",
                ),
            )
            for model in ("figure", "historicalfigure")
        ),
    ]
