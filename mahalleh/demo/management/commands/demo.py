from django.core.management.base import BaseCommand

from mahalleh.demo import loader


class Command(BaseCommand):
    help = "Load the deterministic demo data once (Kerman province, offices, partners, one account per role)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")

    def handle(self, *args, quiet=False, **options):
        if loader.load():
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data is already loaded; nothing changed.")
        if not quiet:
            self.stdout.write(loader.logins_text())
