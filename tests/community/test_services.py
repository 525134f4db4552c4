"""Community group rules, at the services: refused input leaves nothing behind."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.community import selectors, services
from mahalleh.community.models import ACTIVE_WITHIN_DAYS, CommunityGroup, Meeting, Membership
from mahalleh.core.services import version_token
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.community.conftest import days_ago, tr, tr_messages

pytestmark = pytest.mark.django_db

M = Membership
DUPLICATE = tr("%(name)s is already a member of this group.", name="زهرا رحیمی")


def snapshot() -> tuple:
    return (
        CommunityGroup.objects.count(),
        Membership.objects.count(),
        Meeting.objects.count(),
        Meeting.attendees.through.objects.count(),
        AuditEntry.objects.count(),
    )


# --------------------------------------------------------------------------- members


def test_member_added_twice_is_refused_with_a_clear_message_and_nothing_is_saved(com):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=com.world.facilitator_a, group=com.council, person=com.zahra)
    assert caught.value.error_dict["person"][0].code == "duplicate_member"
    assert tr_messages(caught.value, "person") == [DUPLICATE]
    assert snapshot() == before


def test_the_database_refuses_a_second_current_membership_on_its_own(com):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=com.council, person=com.zahra, joined_on=days_ago(1))
    # A past membership next to the current one is history, and allowed.
    Membership.objects.create(
        group=com.council, person=com.zahra, joined_on=days_ago(190), left_on=days_ago(180)
    )
    assert Membership.objects.filter(group=com.council, person=com.zahra).count() == 2


def test_two_saves_racing_get_the_same_clear_message_from_the_constraint(com, monkeypatch):
    # The other save passed the check first: this one's check sees nothing, the constraint refuses it.
    monkeypatch.setattr(services, "_is_current_member", lambda group, person: False)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=com.world.facilitator_a, group=com.council, person=com.zahra)
    assert caught.value.error_dict["person"][0].code == "duplicate_member"
    assert tr_messages(caught.value, "person") == [DUPLICATE]
    assert snapshot() == before
    # The transaction is still usable after the refused row (the insert ran in a savepoint).
    assert Membership.objects.filter(group=com.council, left_on__isnull=True).count() == 2


def test_leaving_keeps_the_history_and_the_resident_may_join_again(com):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership, left_on=days_ago(30))
    row = Membership.objects.get(pk=com.zahra_membership.pk)
    assert row.left_on == days_ago(30)
    again = services.member_add(actor=fa, group=com.council, person=com.zahra, joined_on=days_ago(10))
    rows = list(Membership.objects.filter(group=com.council, person=com.zahra).order_by("joined_on"))
    assert [(r.joined_on, r.left_on) for r in rows] == [(days_ago(150), days_ago(30)), (days_ago(10), None)]
    members = selectors.group_members(user=fa, group=com.council)
    assert [m.pk for m in members if m.person_id == com.zahra.pk] == [again.pk, com.zahra_membership.pk]
    assert selectors.group_get(user=fa, pk=com.council.pk).members_count == 2


def test_leaving_twice_is_refused(com):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership, left_on=days_ago(5))
    with pytest.raises(ValidationError) as caught:
        services.member_leave(actor=fa, membership=com.zahra_membership)
    assert caught.value.code == "not_current"
    assert Membership.objects.get(pk=com.zahra_membership.pk).left_on == days_ago(5)


@pytest.mark.parametrize(
    ("left_on", "message"),
    [(1, "The leaving date is in the future."), (-151, "The leaving date is before the joining date.")],
)
def test_a_leaving_date_out_of_range_is_refused_at_the_field(com, left_on, message):
    with pytest.raises(ValidationError) as caught:
        services.member_leave(
            actor=com.world.facilitator_a,
            membership=com.zahra_membership,
            left_on=timezone.localdate() + datetime.timedelta(days=left_on),
        )
    assert tr_messages(caught.value, "left_on") == [tr(message)]
    assert Membership.objects.get(pk=com.zahra_membership.pk).left_on is None


def test_joining_again_before_the_last_leaving_date_is_refused(com):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership, left_on=days_ago(30))
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=fa, group=com.council, person=com.zahra, joined_on=days_ago(40))
    assert "joined_on" in caught.value.message_dict
    assert Membership.objects.filter(group=com.council, person=com.zahra).count() == 1


def test_a_resident_of_another_office_cannot_be_added(com):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=com.world.facilitator_a, group=com.council, person=com.head_b)
    assert tr_messages(caught.value, "person") == [tr("This resident is not in your office's registry.")]
    assert snapshot() == before


def test_a_resident_who_moved_away_cannot_join(com):
    fa = com.world.facilitator_a
    registry_services.person_set_status(
        actor=fa, person=com.maryam, status=Person.Status.MOVED_AWAY, on=days_ago(3)
    )
    com.maryam.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.member_add(actor=fa, group=com.council, person=com.maryam)
    expected = tr("%(name)s no longer lives in the neighbourhood and cannot join a group.", name="مریم رحیمی")
    assert tr_messages(caught.value, "person") == [expected]


def test_a_joining_date_in_the_future_or_before_the_founding_is_refused(com):
    fa = com.world.facilitator_a
    for joined_on in (days_ago(-1), days_ago(201)):
        with pytest.raises(ValidationError) as caught:
            services.member_add(actor=fa, group=com.council, person=com.maryam, joined_on=joined_on)
        assert "joined_on" in caught.value.message_dict
    assert not Membership.objects.filter(person=com.maryam).exists()


def test_a_member_becomes_a_leader_and_back(com):
    fa = com.world.facilitator_a
    services.member_set_role(actor=fa, membership=com.zahra_membership, role=M.Role.LEADER)
    group = selectors.group_get(user=fa, pk=com.council.pk)
    assert sorted(m.person_id for m in group.leaders) == sorted([com.head_a.pk, com.zahra.pk])
    services.member_set_role(actor=fa, membership=com.zahra_membership, role=M.Role.MEMBER)
    assert Membership.objects.get(pk=com.zahra_membership.pk).role == M.Role.MEMBER
    entries = AuditEntry.objects.filter(object_type="membership", object_id=str(com.zahra_membership.pk))
    assert entries.filter(action="update").count() == 2


def test_a_past_member_role_cannot_change(com):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership)
    with pytest.raises(ValidationError) as caught:
        services.member_set_role(actor=fa, membership=com.zahra_membership, role=M.Role.LEADER)
    assert tr_messages(caught.value) == [
        tr("%(name)s is no longer a member of this group.", name="زهرا رحیمی")
    ]


# --------------------------------------------------------------------------- meetings


def test_a_meeting_dated_in_the_future_is_refused_and_nothing_is_saved(com):
    before = snapshot()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(
            actor=com.world.facilitator_a,
            group=com.council,
            date=tomorrow,
            decisions="تصمیم",
            attendees=[com.head_a, com.zahra],
        )
    assert caught.value.error_dict["date"][0].code == "future"
    assert tr_messages(caught.value, "date") == [tr(services.MESSAGES["meeting_in_future"])]
    assert snapshot() == before


def test_a_meeting_today_is_recorded_with_its_attendees_and_decisions(com):
    meeting = services.meeting_record(
        actor=com.world.facilitator_a,
        group=com.council,
        date=timezone.localdate(),
        place="  مسجد   محله ",
        decisions="پیگیری روشنایی کوچه\nدعوت از شهرداری",
        attendees=[com.head_a, com.zahra],
    )
    assert meeting.place == "مسجد محله"
    assert set(meeting.attendees.values_list("pk", flat=True)) == {com.head_a.pk, com.zahra.pk}
    assert meeting.recorded_by == com.world.facilitator_a
    entry = AuditEntry.objects.get(object_type="meeting", object_id=str(meeting.pk))
    assert entry.office_id == com.world.office_a.pk


def test_an_attendee_from_another_office_refuses_the_whole_meeting(com):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.meeting_record(
            actor=com.world.facilitator_a,
            group=com.council,
            date=days_ago(1),
            attendees=[com.head_a, com.head_b],
        )
    assert "محمدرضا کریمی" in tr_messages(caught.value, "attendees")[0]
    assert snapshot() == before


def test_a_resident_of_the_office_may_attend_as_a_guest(com):
    meeting = services.meeting_record(
        actor=com.world.facilitator_a, group=com.council, date=days_ago(1), attendees=[com.maryam]
    )
    assert list(meeting.attendees.all()) == [com.maryam]


def test_a_second_meeting_on_the_same_day_and_one_before_the_founding_are_refused(com):
    fa = com.world.facilitator_a
    services.meeting_record(actor=fa, group=com.council, date=days_ago(3))
    for day in (days_ago(3), days_ago(201)):
        with pytest.raises(ValidationError) as caught:
            services.meeting_record(actor=fa, group=com.council, date=day)
        assert "date" in caught.value.message_dict
    assert Meeting.objects.filter(group=com.council).count() == 1


# --------------------------------------------------------------------------- activity


@pytest.mark.parametrize(
    ("met_days_ago", "active"),
    [(0, True), (ACTIVE_WITHIN_DAYS, True), (ACTIVE_WITHIN_DAYS + 1, False)],
)
def test_a_group_is_active_if_it_met_in_the_last_60_days(com, met_days_ago, active):
    fa = com.world.facilitator_a
    services.meeting_record(actor=fa, group=com.council, date=days_ago(met_days_ago + 30))
    services.meeting_record(actor=fa, group=com.council, date=days_ago(met_days_ago))
    group = selectors.group_get(user=fa, pk=com.council.pk)
    assert group.last_meeting == days_ago(met_days_ago)
    assert selectors.is_active(group.last_meeting) is active
    assert group.is_active is active
    actives = set(selectors.group_list(user=fa, active=True).values_list("pk", flat=True))
    inactives = set(selectors.group_list(user=fa, active=False).values_list("pk", flat=True))
    assert (com.council.pk in actives) is active
    assert (com.council.pk in inactives) is not active


def test_a_group_that_never_met_is_inactive(com):
    fa = com.world.facilitator_a
    assert selectors.group_get(user=fa, pk=com.council.pk).last_meeting is None
    assert com.council.pk in set(selectors.group_list(user=fa, active=False).values_list("pk", flat=True))
    assert not selectors.group_list(user=fa, active=True).exists()


def test_the_list_counts_current_members_and_meetings_without_multiplying(com):
    fa = com.world.facilitator_a
    for n in (3, 2, 1):
        services.meeting_record(actor=fa, group=com.council, date=days_ago(n), attendees=[com.head_a])
    services.member_leave(actor=fa, membership=com.zahra_membership)
    group = selectors.group_get(user=fa, pk=com.council.pk)
    assert (group.members_count, group.meetings_count) == (1, 3)


# --------------------------------------------------------------------------- groups and roles


def test_a_group_is_created_in_the_office_of_the_facilitator(com):
    group = services.group_create(
        actor=com.world.facilitator_a,
        name="  صندوق خرد زنان ",
        kind=CommunityGroup.Kind.SAVINGS,
        founded_on=days_ago(10),
    )
    assert (group.office, group.name, group.neighbourhood) == (com.world.office_a, "صندوق خرد زنان", None)
    assert AuditEntry.objects.filter(object_type="communitygroup", object_id=str(group.pk), action="create")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"neighbourhood": "hood_b"}, "neighbourhood"),
        ({"kind": "choir"}, "kind"),
        ({"name": "  "}, "name"),
        ({"founded_on": "tomorrow"}, "founded_on"),
        ({"name": "شورای محلهٔ الف"}, "name"),
    ],
)
def test_a_bad_group_is_refused_at_the_field(com, change, field):
    data = {"name": "گروه تازه", "kind": CommunityGroup.Kind.YOUTH, "founded_on": days_ago(1)}
    data.update(change)
    if data.get("neighbourhood") == "hood_b":
        data["neighbourhood"] = com.world.hood_b
    if data["founded_on"] == "tomorrow":
        data["founded_on"] = days_ago(-1)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.group_create(actor=com.world.facilitator_a, **data)
    assert field in caught.value.message_dict
    assert snapshot() == before


def test_an_edit_made_on_stale_data_is_refused(com):
    fa = com.world.facilitator_a
    version = version_token(com.council)
    services.group_update(actor=com.world.manager_a, group=com.council, version=version, name="شورای تازه")
    with pytest.raises(ValidationError) as caught:
        services.group_update(actor=fa, group=com.council, version=version, description="دیگر")
    assert caught.value.code == "stale"
    com.council.refresh_from_db()
    assert (com.council.name, com.council.description) == ("شورای تازه", "نمایندگان ساکنان")


def test_the_founding_date_cannot_move_after_the_first_meeting(com):
    fa = com.world.facilitator_a
    services.meeting_record(actor=fa, group=com.council, date=days_ago(100))
    with pytest.raises(ValidationError) as caught:
        services.group_update(actor=fa, group=com.council, founded_on=days_ago(50))
    assert "founded_on" in caught.value.message_dict


@pytest.mark.parametrize("who", ["coordinator", "admin", "analyst", "pr_a", "partner_user", "facilitator_b"])
def test_only_staff_of_the_groups_office_write(com, who):
    actor = getattr(com.world, who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.member_add(actor=actor, group=com.council, person=com.maryam)
    with pytest.raises(PermissionDenied):
        services.meeting_record(actor=actor, group=com.council, date=days_ago(1))
    with pytest.raises(PermissionDenied):
        services.member_leave(actor=actor, membership=com.zahra_membership)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["coordinator", "analyst", "pr_a", "partner_user"])
def test_roles_other_than_office_staff_cannot_create_groups(com, who):
    with pytest.raises(PermissionDenied):
        services.group_create(
            actor=getattr(com.world, who), name="x", kind=CommunityGroup.Kind.YOUTH, founded_on=days_ago(1)
        )


def test_every_write_is_in_the_audit_of_the_groups_office(com):
    entries = AuditEntry.objects.filter(object_type__in=["communitygroup", "membership", "meeting"])
    office_a = entries.filter(office=com.world.office_a)
    # The council and its two memberships (fixture); office B's team is in office B's audit.
    assert office_a.count() == 3
    assert entries.filter(office=com.world.office_b, object_type="communitygroup").count() == 1
    assert all(e.province_id == com.world.kerman.pk for e in entries)
