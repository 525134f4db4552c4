from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from mahalleh.demo import loader


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo convenience; needs the demo secret)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if username not in {u for u, _r, _s in loader.DEMO_USERS}:
            raise CommandError(f"{username} is not a demo account.")
        code = totp(bytes.fromhex(loader.totp_key_for(username)))
        self.stdout.write(f"{code:06d}")
