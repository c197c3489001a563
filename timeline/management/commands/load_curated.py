from django.core.management import call_command
from django.core.management.base import BaseCommand

from timeline.models import Event, Source
from timeline.search import indexing_deferred

CURATED_FIXTURES = ["sources", "actors", "places", "events", "differences"]


class Command(BaseCommand):
    help = (
        "Load the curated fixtures into an empty database. A database that already holds "
        "sources or events is left alone, so editors' changes are never overwritten; "
        "use --force to load the fixtures over it anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even if the database has data (overwrites edited rows)."
        )

    def handle(self, *args, force=False, **options):
        if not force and (Source.objects.exists() or Event.objects.exists()):
            self.stdout.write("The database already holds timeline data: fixtures not loaded (editors' changes kept).")
            return
        with indexing_deferred():
            call_command("loaddata", *CURATED_FIXTURES, verbosity=options["verbosity"])
        # Give every loaded row its first entry in the editors' history.
        call_command("populate_history", auto=True, verbosity=0)
