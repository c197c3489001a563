from django.core.management.base import BaseCommand

from timeline import curated


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
        parser.add_argument("--fixtures", metavar="DIR", help="Load the fixtures from DIR (default: fixtures/).")

    def handle(self, *args, force=False, fixtures=None, **options):
        if not curated.load(fixtures, force=force, verbosity=options["verbosity"]):
            self.stdout.write("The database already holds timeline data: fixtures not loaded (editors' changes kept).")
