"""Background job of indicators (huey): the incremental refresh of the fact table."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from mahalleh.indicators.refresh import refresh


@db_periodic_task(crontab(minute="*/10"))
@lock_task("indicators-refresh")
def indicators_refresh() -> int:
    # Every ten minutes: only neighbourhoods marked dirty (or swept) are recomputed, and a new
    # month makes it a full rebuild once (stock figures move to the new current periods); the
    # first run of a new day recomputes every neighbourhood's stock figures (ages move).
    return refresh().facts
