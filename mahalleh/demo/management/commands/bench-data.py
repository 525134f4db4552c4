"""`mahalleh bench-data --persons N [--format csv|xlsx|db]`: synthetic data for the benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError

from mahalleh.demo import synthetic


class Command(BaseCommand):
    help = "Generate deterministic national-scale synthetic residents (31 provinces, ~1,000 neighbourhoods)."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True)
        parser.add_argument("--format", choices=["csv", "xlsx", "db"], default="csv")
        parser.add_argument("--out", help="output file for csv/xlsx (default: bench-<N>.<format>)")
        parser.add_argument("--seed", type=int, default=1403)
        parser.add_argument(
            "--neighbourhoods",
            nargs="*",
            help="neighbourhood codes to put the rows in (csv/xlsx; default: the synthetic national codes)",
        )

    def handle(self, *args, persons, format, out, seed, neighbourhoods, **options):
        if persons <= 0:
            raise CommandError("--persons must be positive.")
        start = time.perf_counter()
        if format == "db":
            result = synthetic.load_db(persons=persons, seed=seed, stdout=self.stderr)
            self.stderr.write("")
            summary = ", ".join(f"{v:,} {k}" for k, v in result.items())
        else:
            codes = neighbourhoods or [p.code for p in synthetic.places()]
            out = out or f"bench-{persons}.{format}"
            writer = synthetic.write_csv if format == "csv" else synthetic.write_xlsx
            count = writer(out, persons=persons, place_codes=codes, seed=seed)
            summary = f"{count:,} persons written to {out}"
        seconds = time.perf_counter() - start
        self.stdout.write(f"{summary} in {seconds:.1f} s ({persons / seconds:,.0f} persons/s)")
