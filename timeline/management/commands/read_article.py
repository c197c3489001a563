import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.reading import read


class Command(BaseCommand):
    help = (
        "Read an article for editors: print one JSON object with the dates it gives (resolved against its date), "
        "the actors and places it names, its numbers, its claimants and, for each sentence, the existing events it "
        "may report (timeline/schemas/reading.schema.json). Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The article's text, as a UTF-8 file ('-' for standard input).")
        parser.add_argument("--published", required=True, help="The article's date, YYYY-MM-DD.")

    def handle(self, *args, path, published, **options):
        try:
            day = datetime.date.fromisoformat(published)
        except ValueError as error:
            raise CommandError(f"--published: give the article's date as YYYY-MM-DD ({error}).") from error
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        self.stdout.write(json.dumps(read(text, day), ensure_ascii=False, indent=2))
