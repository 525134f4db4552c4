"""`make test` runs the suite twice, on SQLite and on PostgreSQL. A test that brings its own
database (a throwaway cluster, a bench run, a worker with its own SQLite file) does the same work in
both runs: mark it ``once`` and it runs in the SQLite run only."""

import pytest
from django.conf import settings

once = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="runs once, in the SQLite run (it brings its own database)",
)
