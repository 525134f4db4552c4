"""Housekeeping jobs of the worker."""

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="15"))
def clear_expired_sessions():
    # Sessions expire after a working day; the rows would otherwise pile up.
    call_command("clearsessions")


@db_periodic_task(crontab(hour="3", minute="30"))
def clean_old_login_attempts():
    # django-axes keeps failed attempts; keep 90 days for the audit, drop older ones.
    call_command("axes_reset_logs", age=90)
