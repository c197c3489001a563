from django.core.management.base import BaseCommand, CommandError

from timeline import imports
from timeline.imports import Refused, import_document, validate


class Command(BaseCommand):
    help = (
        "Import a timeline.json (as /export/timeline.json serves it). Everything is checked first: the schema, "
        "the references between ids, every quote against its source, the models' rules. Any problem is "
        "reported with where it is, and nothing is written. Otherwise sources, actors, places and events are "
        "upserted by id, and each event's citations and figures updated in place (their ids stay). A change to "
        "a published event, or bringing back one that was taken down, is a public change: it needs a note (the "
        'event\'s "change_note" in the file, or --note), or the import is refused.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file, list the public changes it would record, write nothing.",
        )
        parser.add_argument(
            "--note", default="", help="The public note for changes to published events that have none in the file."
        )
        parser.add_argument(
            "--max-size",
            type=int,
            default=imports.MAX_FILE_BYTES // 2**20,
            metavar="MB",
            help="Refuse a larger file (default: %(default)s MB, several times the whole collection's export).",
        )

    def handle(self, *args, file, dry_run, note, max_size, **options):
        limit = max_size * 2**20
        try:
            with open(file, "rb") as f:
                data = f.read(limit + 1)  # no more: a file may grow, or be a pipe
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        if len(data) > limit:
            raise CommandError(f"{file} is larger than {max_size} MB: nothing was read (raise the limit: --max-size).")
        doc, problems = imports.parse(data, max_bytes=limit)
        if doc is None:
            raise CommandError(f"Cannot read {file}: {problems[0]}; nothing was written.")
        problems = validate(doc)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {file}; nothing was written.")
        try:
            summary = import_document(doc, note=note, dry_run=dry_run, progress=self.report_progress)
        except Refused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(refused.problems)} event(s) would change what readers saw without a public note: give each a "
                '"change_note" in the file, or --note for all. Nothing was written.'
            ) from refused
        for change in summary.changes:
            self.stdout.write(f"{'Would record' if dry_run else 'Recorded'}: {change.headline}: {change.title}")
        if dry_run:
            self.stdout.write(f"{file} is valid ({summary}). Dry run: nothing was written.")
            return
        self.stdout.write(f"Imported {file}: {summary}.")

    def report_progress(self, done, total):
        self.stderr.write(f"  {done:,} / {total:,} events")
