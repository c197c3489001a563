from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from timeline import editing
from timeline.models import Actor, Difference, Event, EventChange, Place, Source, refresh_all_text_fragments

CURATED_FIXTURES = ["sources", "actors", "places", "events", "differences"]


class Command(BaseCommand):
    help = (
        "Load the curated fixtures into an empty database. A database that already holds "
        "sources or events is left alone, so editors' changes are never overwritten; "
        "use --force to replace whatever it holds with the fixtures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database's curated data with the fixtures: editors' changes are lost, and so is "
            "anything the fixtures no longer hold (their history stays).",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not force and (Source.objects.exists() or Event.objects.exists()):
            self.stdout.write("The database already holds timeline data: fixtures not loaded (editors' changes kept).")
            return
        if force:  # loaddata only adds and updates: a row the fixtures dropped would otherwise linger
            for model in (EventChange, Difference, Event, Actor, Place, Source):  # each after what refers to it
                model.objects.all().delete()
        call_command("loaddata", *CURATED_FIXTURES, verbosity=options["verbosity"])
        refresh_all_text_fragments()  # loaddata does not call save(), where a passage gets its link
        editing.data_changed(event_ids=Event.objects.values_list("pk", flat=True))
        # Give every loaded row its first entry in the editors' history.
        call_command("populate_history", auto=True, verbosity=0)
