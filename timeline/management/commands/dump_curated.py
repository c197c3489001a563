from django.core.management.base import BaseCommand, CommandError

from timeline import curated


class Command(BaseCommand):
    help = (
        "Save the database's curated data as the fixtures load_curated reads (sources, actors, places, "
        "events with their citations and figures, differences), and every source's text as its seed file. "
        "Files whose content is unchanged are left untouched; drafts are written as drafts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", metavar="DIR", help="Write the fixtures to DIR (default: fixtures/).")
        parser.add_argument("--seeds", metavar="DIR", help="Write the sources' texts to DIR (default: seeds/).")

    def handle(self, *args, fixtures=None, seeds=None, **options):
        try:
            written, unnamed = curated.dump(fixtures, seeds)
        except ValueError as error:
            raise CommandError(error) from error
        if options["verbosity"]:
            for path in written:
                self.stdout.write(f"Wrote {path}")
            if not written:
                self.stdout.write("Nothing changed: the fixtures and seeds already hold the database's curated data.")
        for path in unnamed:
            self.stderr.write(f"No source names {path}: delete it if its source was deleted on purpose.")
