"""The audit scope rule, Tehran days in the date filter, and the read-only Django admin."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from mahalleh.accounts.models import User
from mahalleh.audit import selectors
from mahalleh.audit.models import AuditEntry
from mahalleh.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_scope_rule(world, reg):
    office_a = set(selectors.audit_list(user=world.manager_a))
    assert office_a and all(e.office_id == world.office_a.pk for e in office_a)
    assert {e.province_id for e in selectors.audit_list(user=world.coordinator)} == {world.kerman.pk}
    assert {e.province_id for e in selectors.audit_list(user=world.coordinator_fars)} == {world.fars.pk}
    assert selectors.audit_list(user=world.admin).count() == AuditEntry.objects.count()
    for user in (world.facilitator_a, world.analyst, world.pr_a, world.partner_user):
        assert not selectors.audit_list(user=user).exists()


def test_an_inactive_manager_sees_nothing(world, reg):
    world.manager_a.is_active = False
    assert not selectors.audit_list(user=world.manager_a).exists()


def test_an_import_job_entry_is_placed_in_its_office(world, reg):
    class Job:  # stands in for an ImportJob: it belongs to an office, not a neighbourhood
        pk = 7
        office = world.office_b
        _meta = AuditEntry._meta

    entry = audit_record(user=world.facilitator_b, action="import", obj=Job())
    assert (entry.office_id, entry.province_id) == (world.office_b.pk, world.kerman.pk)
    assert entry in selectors.audit_list(user=world.manager_b)
    assert entry not in selectors.audit_list(user=world.manager_a)


def test_days_are_tehran_days(world, reg):
    entry = audit_record(user=world.facilitator_a, action="view", obj=reg.hh_a)
    # 21:00 UTC on 1 January is 00:30 on 2 January in Tehran.
    AuditEntry.objects.filter(pk=entry.pk).update(
        at=datetime.datetime(2024, 1, 1, 21, 0, tzinfo=datetime.UTC)
    )
    jan2 = datetime.date(2024, 1, 2)
    assert entry in selectors.audit_list(user=world.manager_a, since=jan2, until=jan2)
    assert entry not in selectors.audit_list(user=world.manager_a, until=datetime.date(2024, 1, 1))


def test_admin_is_read_only(world, reg):
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = User.objects.create_superuser("root", "root@example.org", "correct-horse-9")
    entry = AuditEntry.objects.first()
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    assert model_admin.has_delete_permission(request, entry) is False
    assert model_admin.has_view_permission(request, entry) is True


def test_admin_pages_show_but_do_not_change_or_delete(world, reg, login):
    root = User.objects.create_superuser("root", "root@example.org", "correct-horse-9")
    client = login(root)
    entry = AuditEntry.objects.first()
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 200
    assert (
        client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()
