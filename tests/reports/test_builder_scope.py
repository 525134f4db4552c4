"""The report counts only what its requester may read: offices come from geo's scoped selector
and each count from the owning app's scoped selector, so a report row tampered to name a place
outside the requester's scope counts nothing of it (the job refuses it)."""

import pytest
from django.utils import timezone

from mahalleh.core.jalali import Period
from mahalleh.reports import builder, services
from mahalleh.reports.models import Report


def _queued(user, **fields):
    """A report row as ``report_request`` makes it, without running the job."""
    return Report.objects.create(created_by=user, **fields)


def test_an_office_report_tampered_to_another_office_is_refused_and_counts_nothing(
    world, residents, last_month
):
    report = _queued(world.manager_a, scope="office", office=world.office_b, period=last_month.code)
    with pytest.raises(builder.OutOfScope):
        builder.build(report=report, user=world.manager_a)
    report = services.report_run(report_id=report.pk)
    assert report.status == Report.Status.FAILED
    assert report.content == {} and not report.pdf and not report.xlsx
    assert "بیرون از حوزهٔ دسترسی" in report.message  # the report's language (Persian)


def test_a_province_report_tampered_to_another_province_is_refused(world, residents, last_month):
    season = Period.containing(timezone.localdate(), "season").previous()
    report = _queued(world.coordinator, scope="province", province=world.fars, period=season.code)
    with pytest.raises(builder.OutOfScope):
        builder.build(report=report, user=world.coordinator)
    # …and a national report is not for a coordinator either, even of the whole country's rows.
    report = _queued(world.coordinator, scope="nation", period=season.code)
    with pytest.raises(builder.OutOfScope):
        builder.build(report=report, user=world.coordinator)


def test_a_report_whose_requester_is_gone_counts_nothing(world, residents, last_month):
    report = _queued(None, scope="office", office=world.office_a, period=last_month.code)
    with pytest.raises(builder.OutOfScope):
        builder.build(report=report, user=None)


def test_the_offices_are_the_requesters_intersected_with_the_place(world):
    season = Period.containing(timezone.localdate(), "season").previous()
    province = _queued(world.coordinator, scope="province", province=world.kerman, period=season.code)
    nation = _queued(world.admin, scope="nation", period=season.code)
    assert builder.report_offices(report=province, user=world.coordinator) == [world.office_a, world.office_b]
    assert builder.report_offices(report=nation, user=world.admin) == [
        world.office_a,
        world.office_b,
        world.office_f,
    ]
    own = _queued(world.manager_a, scope="office", office=world.office_a, period=season.code)
    assert builder.report_offices(report=own, user=world.manager_a) == [world.office_a]
    assert builder.report_offices(report=own, user=world.pr_a) == [world.office_a]  # the suppressed twin
    with pytest.raises(builder.OutOfScope):
        builder.report_offices(report=own, user=world.manager_b)
    with pytest.raises(builder.OutOfScope):
        builder.report_offices(report=own, user=world.partner_user)


def test_counts_read_through_the_selectors_follow_the_office_copy(world, residents, generate, last_month):
    """Registrations are counted on the resident's own office copy: office B's three residents are
    B's, never A's, in a province report that shows both offices."""
    from mahalleh.registry.models import HarmCase, HarmType, Person

    season = Period.containing(timezone.localdate(), "season").previous()
    start = timezone.make_aware(timezone.datetime.combine(season.first_day, timezone.datetime.min.time()))
    Person.objects.update(created_at=start)
    harm_type = HarmType.objects.first() or HarmType.objects.create(code="t", name_fa="آسیب", name_en="Harm")
    HarmCase.objects.create(person=residents[-1], harm_type=harm_type, identified_on=season.first_day)
    report = generate(user=world.coordinator, scope="province", period=season.code, language="en")
    assert report.status == Report.Status.READY, report.message
    rows = {r["name"]: r["cells"] for r in report.content["offices"]}
    assert rows[world.office_a.name_en][0]["n"] == 7 and rows[world.office_b.name_en][0]["n"] == 3
    assert rows[world.office_a.name_en][1]["n"] == 0 and rows[world.office_b.name_en][1]["n"] == 1
    assert world.office_f.name_en not in rows


def test_the_counted_selectors_follow_each_roles_place_scope(world, residents):
    """The rows a report counts: office roles (the PR officer included) their office's, the
    coordinator their province's, the analyst every office's, a partner user none."""
    from mahalleh.registry import selectors as registry

    def by_office(user):
        rows = registry.person_counted(user=user).values_list("office_id", flat=True)
        return {office: list(rows).count(office) for office in set(rows)}

    a, b = world.office_a.pk, world.office_b.pk
    assert by_office(world.pr_a) == {a: 7}
    assert by_office(world.manager_b) == {b: 3}
    assert by_office(world.coordinator) == {a: 7, b: 3}
    assert by_office(world.coordinator_fars) == {}
    assert by_office(world.analyst) == {a: 7, b: 3}
    assert by_office(world.partner_user) == {}


def test_every_measure_counts_each_offices_own_rows(world, residents, generate):
    """One row of each kind in office A and two in office B during the season: the province
    report (as its coordinator) and the national one (as the national admin) give each office its
    own figures."""
    import datetime

    from mahalleh.activities.models import Activity, Attendance, Session
    from mahalleh.community.models import CommunityGroup, Meeting
    from mahalleh.referrals.models import Referral, Service

    season = Period.containing(timezone.localdate(), "season").previous()
    day = season.first_day
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    service = Service.objects.create(partner=world.partner, name="سبد غذایی")
    people = {world.office_a.pk: residents[0], world.office_b.pk: residents[-1]}
    staff = {world.office_a.pk: world.facilitator_a, world.office_b.pk: world.facilitator_b}
    for office, n in ((world.office_a, 1), (world.office_b, 2)):
        person = people[office.pk]
        for i in range(n):
            activity = Activity.objects.create(
                office=office, kind="class", title=f"کلاس {i}", facilitator=staff[office.pk], starts_on=day
            )
            session = Session.objects.create(activity=activity, date=day)
            Attendance.objects.create(session=session, person=person, present=True)
            referral = Referral.objects.create(
                person=person, office=office, service=service, partner=world.partner, reason="نیاز",
                due_on=day, status="completed", outcome="delivered", created_by=staff[office.pk],
            )  # fmt: skip
            Referral.objects.filter(pk=referral.pk).update(created_at=at, closed_at=at)
            group = CommunityGroup.objects.create(
                office=office, kind="council", name=f"شورا {i}", founded_on=day
            )
            Meeting.objects.create(group=group, date=day)
    keys = [
        "activities",
        "sessions",
        "attendance",
        "referrals_sent",
        "referrals_delivered",
        "groups",
        "meetings",
    ]
    for user, scope, extra in (
        (world.coordinator, "province", {"province": world.kerman}),
        (world.admin, "nation", {}),
    ):
        report = generate(user=user, scope=scope, period=season.code, language="en", **extra)
        assert report.status == Report.Status.READY, report.message
        measures = [s["key"] for s in report.content["sections"]]
        rows = {r["name"]: dict(zip(measures, r["cells"], strict=True)) for r in report.content["offices"]}
        for key in keys:
            assert rows[world.office_a.name_en][key]["n"] == 1, (scope, key)
            assert rows[world.office_b.name_en][key]["n"] == 2, (scope, key)
        totals = {s["key"]: s["n"] for s in report.content["sections"]}
        assert all(totals[key] == 3 for key in keys) and totals["referrals_closed_other"] == 0


def test_a_period_counts_rows_stamped_from_its_first_midnight_to_its_last_in_tehran(world, residents):
    """Registrations and referrals are counted by the Tehran day of their timestamp: a second
    before the season's first midnight and the next season's first midnight are outside it."""
    import datetime

    from mahalleh.registry.models import Person

    season = Period.containing(timezone.localdate(), "season").previous()
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(season.first_day, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(
        season.last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    second = datetime.timedelta(seconds=1)
    office_a = [p for p in residents if p.office_id == world.office_a.pk]
    stamps = (first - second, first, after - second, after, after + datetime.timedelta(days=3))
    for person, at in zip(office_a, stamps, strict=False):
        Person.objects.filter(pk=person.pk).update(created_at=at)
    counted = builder._registrations(
        world.coordinator, [world.office_a.pk], season.first_day, season.last_day
    )
    by_date = Person.objects.filter(
        office_id=world.office_a.pk, created_at__date__range=(season.first_day, season.last_day)
    ).count()
    assert counted == {world.office_a.pk: 2} and by_date == 2
