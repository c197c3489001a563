from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from timeline.exports.json import timeline_json


class Command(BaseCommand):
    help = "Write the published timeline as JSON: the same document as /export/timeline.json."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write; standard output when omitted.")
        parser.add_argument("--site-url", help="Base of the events' permalinks (default: $DJANGO_SITE_URL).")

    def handle(self, *args, output=None, site_url=None, **options):
        site_url = site_url or settings.SITE_URL
        if not site_url:
            raise CommandError("Give the site's address: set DJANGO_SITE_URL or pass --site-url.")
        chunks = timeline_json(site_url=site_url)
        if not output:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        with open(output, "w", encoding="utf-8") as f:
            f.writelines(chunks)
        self.stderr.write(f"Wrote {output}")
