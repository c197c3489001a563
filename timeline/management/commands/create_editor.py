import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from timeline.editors import ensure_editors_group

PASSWORD_VARIABLE = "DJANGO_EDITOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an editor: a staff account in the Editors group, which may curate events, citations, "
        f"figures, actors, places and sources but not users or groups. With --noinput the password "
        f"comes from ${PASSWORD_VARIABLE}."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="Do not prompt for the password.")

    def handle(self, *args, username, email, noinput, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"There is already a user called {username!r}.")
        password = os.environ.get(PASSWORD_VARIABLE) if noinput else self.ask_password()
        if not password:
            raise CommandError(f"Set ${PASSWORD_VARIABLE} to give the editor a password with --noinput.")
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        user.groups.add(ensure_editors_group())
        self.stdout.write(f"Created editor {username!r}: they can sign in at /admin/.")

    def ask_password(self):
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
