"""The demo community groups: 20+ groups across the demo offices, members from each office's own
residents of the right ages, leaders, months of meetings with attendance, some groups lapsed.

The demo (places, registry, groups) is loaded once for the module inside a transaction rolled back
at the end; each test only reads it.
"""

import datetime
import random
import re
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from mahalleh.accounts.models import User
from mahalleh.community import selectors
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.demo import loader
from mahalleh.demo.community import load_community
from mahalleh.geo.models import Office

pytestmark = pytest.mark.django_db

K = CommunityGroup.Kind
PERSIAN_LETTERS = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        assert loader.load() is True
        counts = load_community(random.Random(1403), None)  # {} if the loader already added them
        yield counts
        transaction.set_rollback(True)


def age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_twenty_or_more_groups_and_a_council_in_every_office():
    groups = CommunityGroup.objects.all()
    assert groups.count() >= 20
    offices = Office.objects.filter(county__province__code="KRM", neighbourhoods__isnull=False).distinct()
    for office in offices:
        assert groups.filter(office=office, kind=K.COUNCIL).exists(), office
    kinds = Counter(groups.values_list("kind", flat=True))
    for kind in (K.SAVINGS, K.SPORTS, K.CHILDREN, K.ELDERLY):
        assert kinds[kind] >= 1, kind
    assert kinds[K.SAVINGS] == offices.count()  # a women's micro-savings fund in every office


def test_loading_again_adds_nothing():
    before = CommunityGroup.objects.count()
    assert load_community(random.Random(1), None) == {}
    assert CommunityGroup.objects.count() == before


def test_members_are_residents_of_the_groups_office_of_the_right_age_and_sex():
    today = timezone.localdate()
    rows = Membership.objects.select_related("group", "person__household__neighbourhood")
    for m in rows:
        p = m.person
        assert p.household.neighbourhood.office_id == m.group.office_id
        years = age(p.birth_date, today)
        kind = m.group.kind
        if kind in {K.COUNCIL, K.SAVINGS, K.WOMEN, K.ELDERLY}:
            assert years >= 18, (kind, years)
        if kind in {K.SAVINGS, K.WOMEN}:
            assert p.sex == "female"
        if kind == K.SPORTS:
            assert 15 <= years <= 29 and p.sex == "male"
        if kind == K.CHILDREN and m.role == Membership.Role.MEMBER:
            assert 7 <= years <= 11
        if kind == K.ELDERLY:
            assert years >= 60
        assert m.left_on is None or m.left_on >= m.joined_on
        assert m.joined_on >= m.group.founded_on


def test_every_group_has_a_current_leader_and_some_members_left_or_came_back():
    for group in CommunityGroup.objects.all():
        current = group.memberships.filter(left_on__isnull=True)
        assert current.filter(role=Membership.Role.LEADER).exists(), group
        assert current.count() >= 5, group
    assert Membership.objects.filter(left_on__isnull=False).exists()
    rejoined = Membership.objects.values("group", "person").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert rejoined


def test_meetings_cover_six_to_twelve_months_with_attendance_and_persian_decisions():
    today = timezone.localdate()
    assert not Meeting.objects.filter(date__gt=today).exists()
    spans = []
    for group in CommunityGroup.objects.prefetch_related("meetings"):
        dates = sorted(m.date for m in group.meetings.all())
        assert dates, group
        assert dates[0] >= group.founded_on
        spans.append((dates[-1] - dates[0]).days)
        assert (today - group.founded_on).days <= 366 + 160
    assert max(spans) >= 300 and min(spans) >= 90
    with_decisions = Meeting.objects.exclude(decisions="")
    assert with_decisions.count() > Meeting.objects.count() / 2
    assert all(PERSIAN_LETTERS.search(d) for d in with_decisions.values_list("decisions", flat=True)[:200])


def test_attendees_were_members_on_the_day_of_the_meeting():
    members = {}
    for m in Membership.objects.all():
        members.setdefault((m.group_id, m.person_id), []).append((m.joined_on, m.left_on))
    through = Meeting.attendees.through.objects.select_related("meeting")
    assert through.count() > 1000
    for row in through:
        spans = members[(row.meeting.group_id, row.person_id)]
        day = row.meeting.date
        assert any(joined <= day and (left is None or day <= left) for joined, left in spans)


def test_some_groups_are_inactive_and_most_are_active():
    admin = User.objects.get(username="national_admin")
    active = selectors.group_list(user=admin, active=True).count()
    inactive = selectors.group_list(user=admin, active=False).count()
    assert inactive >= 2
    assert active > inactive
    facilitator = User.objects.get(username="facilitator")
    assert selectors.group_list(user=facilitator, active=False).exists()  # the demo office shows one
    assert set(selectors.group_list(user=facilitator).values_list("kind", flat=True)) == set(K.values)
