import json

from django.core.management.base import BaseCommand, CommandError

from timeline.imports import import_document, validate


class Command(BaseCommand):
    help = (
        "Import a timeline.json (as /export/timeline.json serves it). Everything is checked first: the schema, "
        "the references between ids, every quote against its source, the models' rules. Any problem is "
        "reported with where it is, and nothing is written. Otherwise sources, actors, places and events are "
        "upserted by id, and each event's citations and figures replaced."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and write nothing.")

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, encoding="utf-8") as f:
                doc = json.load(f)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{file} is not valid JSON: {error}.") from error

        problems = validate(doc)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was written.")
        counts = ", ".join(f"{len(doc[key])} {key}" for key in ("sources", "actors", "places", "events"))
        if dry_run:
            self.stdout.write(f"{file} is valid ({counts}). Dry run: nothing was written.")
            return
        summary = import_document(doc, progress=self.report_progress)
        self.stdout.write(f"Imported {file}: {summary}.")

    def report_progress(self, done, total):
        self.stderr.write(f"  {done:,} / {total:,} events")
