from django.core.management.base import BaseCommand, CommandError

from timeline.models import broken_quotes


class Command(BaseCommand):
    help = "Re-check every quote against its source's current text and list those that no longer match."

    def handle(self, *args, **options):
        broken = broken_quotes()
        for passage in broken:
            kind = type(passage).__name__.lower()
            owner = passage.owner.slug
            self.stdout.write(f"{owner}\t{passage.source.slug}\t{kind} {passage.pk}\t{passage.quote!r}")
        if broken:
            raise CommandError(f"{len(broken)} quote(s) no longer occur in their source.")
        self.stdout.write("Every quote occurs in its source.")
