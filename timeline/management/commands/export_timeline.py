import json

from django.core.management.base import BaseCommand

from timeline.exports import timeline_document


class Command(BaseCommand):
    help = "Write the published timeline as JSON (the same document as /export/timeline.json)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write; standard output when omitted.")
        parser.add_argument("--site-url", help="Base of the events' permalinks (default: the SITE_URL setting).")

    def handle(self, *args, output=None, site_url=None, **options):
        text = json.dumps(timeline_document(site_url=site_url), ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
