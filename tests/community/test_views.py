"""Group pages as their users see them: scoping (404), Persian digits and Jalali dates, forms and
their errors at the field, the htmx member search, and the household timeline."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from mahalleh.community import services
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from tests.community.conftest import days_ago
from tests.community.conftest import tr as persian
from tests.registry.pages import section

pytestmark = pytest.mark.django_db


def url(name, *args) -> str:
    return reverse(f"community:{name}", args=args)


def jalali(d) -> str:
    return format_jalali(d, persian_digits=True)


def page(client, path, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


LIST = url("list")


# --------------------------------------------------------------------------- access and scope


def office_a_pages(com) -> list[str]:
    return [
        url("detail", com.council.pk),
        url("edit", com.council.pk),
        url("meeting_create", com.council.pk),
        url("member_search", com.council.pk) + "?q=زهرا",
        url("member_leave", com.zahra_membership.pk),
    ]


def test_facilitator_of_office_b_gets_404_on_every_page_of_office_a_groups(com, login):
    client = login(com.world.facilitator_b)
    for path in office_a_pages(com):
        assert client.get(path).status_code == 404, path
    for path in (url("member_add", com.council.pk), url("member_role", com.zahra_membership.pk)):
        assert client.post(path, {"person": com.maryam.pk, "role": "leader"}).status_code == 404, path
    assert not Membership.objects.filter(person=com.maryam).exists()
    assert Membership.objects.get(pk=com.zahra_membership.pk).role == Membership.Role.MEMBER


@pytest.mark.parametrize("who", ["analyst", "pr_a", "partner_user"])
def test_roles_that_may_not_see_residents_get_404_on_every_group_page(com, login, who):
    client = login(getattr(com.world, who))
    for path in [LIST, url("create"), *office_a_pages(com)]:
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinator_and_national_admin_read_but_do_not_edit(com, login, who):
    client = login(getattr(com.world, who))
    html = page(client, url("detail", com.council.pk))
    assert "شورای محلهٔ الف" in html
    assert 'data-testid="group-actions"' not in html
    assert 'data-testid="add-member"' not in html
    assert "تیم فوتبال ب" in section(page(client, LIST), "group-table")
    for path in (url("create"), url("edit", com.council.pk), url("meeting_create", com.council.pk)):
        assert client.get(path).status_code == 404, path


def test_a_coordinator_of_another_province_does_not_see_the_group(com, login):
    client = login(com.world.coordinator_fars)
    assert client.get(url("detail", com.council.pk)).status_code == 404
    assert "شورای محلهٔ الف" not in page(client, LIST)


def test_signed_out_visitors_are_sent_to_the_login(com, client):
    response = client.get(url("detail", com.council.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --------------------------------------------------------------------------- the list


def test_the_list_shows_members_leaders_last_meeting_in_jalali_and_persian_digits(com, login):
    fa = com.world.facilitator_a
    met = days_ago(12)
    services.meeting_record(actor=fa, group=com.council, date=met, attendees=[com.head_a])
    table = section(page(login(fa), LIST), "group-table")
    assert "تیم فوتبال ب" not in table  # office B's group
    row = section(table, "group-row")
    assert "شورای محلهٔ الف" in row
    assert persian("neighbourhood council") in row
    assert section(row, "members-count").count("۲") == 1
    assert "محمدرضا احمدی" in row  # the leader
    assert jalali(met) in section(row, "last-meeting")
    assert 'data-active="1"' in row
    assert not any(c.isascii() and c.isdigit() for c in section(row, "last-meeting"))


def test_the_list_filters_by_kind_activity_and_neighbourhood(com, login):
    fa = com.world.facilitator_a
    fund = services.group_create(
        actor=fa, name="صندوق خرد زنان", kind=CommunityGroup.Kind.SAVINGS, founded_on=days_ago(300)
    )
    services.meeting_record(actor=fa, group=fund, date=days_ago(90))  # lapsed
    services.meeting_record(actor=fa, group=com.council, date=days_ago(5))
    client = login(fa)

    def names(**params):
        return section(page(client, LIST, **params), "group-table")

    assert "صندوق" in names(kind="savings") and "شورا" not in names(kind="savings")
    assert "شورا" in names(status="active") and "صندوق" not in names(status="active")
    assert "صندوق" in names(status="inactive") and "شورا" not in names(status="inactive")
    by_hood = names(neighbourhood=com.world.hood_a.pk)
    assert "شورا" in by_hood and "صندوق" not in by_hood  # the fund serves the whole office
    inactive_row = section(names(status="inactive"), "group-row")
    assert 'data-active="0"' in inactive_row


# --------------------------------------------------------------------------- create and edit


def test_a_facilitator_creates_a_group_with_a_jalali_date_in_persian_digits(com, login):
    client = login(com.world.facilitator_a)
    founded = days_ago(20)
    response = client.post(
        url("create"),
        {
            "name": "تیم فوتبال جوانان",
            "kind": "sports",
            "neighbourhood": com.world.hood_a.pk,
            "founded_on": jalali(founded),
            "description": "",
        },
    )
    group = CommunityGroup.objects.get(name="تیم فوتبال جوانان")
    assert response.status_code == 302 and response["Location"] == url("detail", group.pk)
    assert (group.office, group.founded_on) == (com.world.office_a, founded)


def test_a_group_form_with_a_future_date_shows_the_error_at_the_field(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("create"), {"name": "گروه", "kind": "youth", "founded_on": jalali(days_ago(-3))}
    )
    assert response.status_code == 200
    assert 'data-field-error="founded_on"' in response.content.decode()
    assert not CommunityGroup.objects.filter(name="گروه").exists()


def test_an_edit_made_on_stale_data_is_refused_on_the_page(com, login):
    client = login(com.world.facilitator_a)
    html = page(client, url("edit", com.council.pk))
    version = html.split('name="version" value="')[1].split('"')[0]
    services.group_update(actor=com.world.manager_a, group=com.council, name="نام دیگر")
    response = client.post(
        url("edit", com.council.pk),
        {"name": "نام من", "kind": "council", "founded_on": jalali(days_ago(200)), "version": version},
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    com.council.refresh_from_db()
    assert com.council.name == "نام دیگر"


# --------------------------------------------------------------------------- the group page


def test_the_group_page_shows_members_with_roles_dates_and_meetings(com, login):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership, left_on=days_ago(20))
    services.meeting_record(
        actor=fa,
        group=com.council,
        date=days_ago(40),
        place="مسجد",
        decisions="پیگیری آب کوچهٔ 5",
        attendees=[com.head_a, com.zahra],
    )
    html = page(login(fa), url("detail", com.council.pk))
    members = section(html, "member-table")
    assert 'data-testid="leader-badge"' in members
    assert jalali(days_ago(150)) in members and jalali(days_ago(20)) in members
    assert 'data-current="0"' in members  # zahra left, still listed
    meetings = section(html, "meeting-table")
    assert jalali(days_ago(40)) in meetings
    assert "کوچهٔ ۵" in meetings  # digits in decisions shown Persian
    assert ">۲<" in section(meetings, "attendance")
    assert jalali(days_ago(200)) in section(html, "founded-on")


def test_the_member_search_is_an_htmx_partial_marking_current_members(com, login):
    client = login(com.world.facilitator_a)
    response = client.get(url("member_search", com.council.pk), {"q": "رحیمی"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    candidates = {
        int(chunk.split('"')[0]): chunk for chunk in html.split('data-testid="candidate" data-person="')[1:]
    }
    assert set(candidates) == {com.zahra.pk, com.maryam.pk}
    assert 'data-testid="already-member"' in candidates[com.zahra.pk]
    assert 'data-testid="add-member-submit"' in candidates[com.maryam.pk]
    # Residents of office B are not offered.
    other = client.get(url("member_search", com.council.pk), {"q": "کریمی"}).content.decode()
    assert 'data-testid="candidate"' not in other


def test_the_search_works_without_javascript_on_the_group_page(com, login):
    html = page(login(com.world.facilitator_a), url("detail", com.council.pk), q="مریم")
    assert f'data-person="{com.maryam.pk}"' in section(html, "candidates")


def test_adding_a_member_from_the_search(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("member_add", com.council.pk),
        {"person": com.maryam.pk, "role": "member", "joined_on": jalali(days_ago(2))},
    )
    assert response.status_code == 302
    m = Membership.objects.get(group=com.council, person=com.maryam)
    assert (m.role, m.joined_on, m.left_on) == ("member", days_ago(2), None)


def test_a_member_added_twice_on_the_page_is_refused_with_a_clear_message(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("member_add", com.council.pk),
        {"person": com.zahra.pk, "role": "member", "joined_on": jalali(days_ago(1)), "q": "زهرا"},
    )
    assert response.status_code == 400
    errors = section(response.content.decode(), "add-member-errors")
    expected = persian("%(name)s is already a member of this group.", name="زهرا رحیمی")
    assert expected in errors
    assert Membership.objects.filter(group=com.council, person=com.zahra).count() == 1


def test_a_resident_of_another_office_cannot_be_added_on_the_page(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("member_add", com.council.pk),
        {"person": com.head_b.pk, "role": "member", "joined_on": jalali(days_ago(1))},
    )
    assert response.status_code == 400
    assert escape(persian("This resident is not in your office's registry.")) in response.content.decode()
    assert not Membership.objects.filter(person=com.head_b).exists()


def test_leaving_and_role_buttons(com, login):
    client = login(com.world.facilitator_a)
    assert client.post(url("member_role", com.zahra_membership.pk), {"role": "leader"}).status_code == 302
    assert Membership.objects.get(pk=com.zahra_membership.pk).role == "leader"
    form = page(client, url("member_leave", com.zahra_membership.pk))
    assert jalali(timezone.localdate()) in form  # today, as the default
    response = client.post(url("member_leave", com.zahra_membership.pk), {"left_on": jalali(days_ago(1))})
    assert response.status_code == 302
    assert Membership.objects.get(pk=com.zahra_membership.pk).left_on == days_ago(1)
    # A second "leave" is refused at the page, nothing changes.
    again = client.post(url("member_leave", com.zahra_membership.pk), {"left_on": jalali(days_ago(0))})
    assert again.status_code == 200
    assert Membership.objects.get(pk=com.zahra_membership.pk).left_on == days_ago(1)


# --------------------------------------------------------------------------- meetings


def test_recording_a_meeting_with_attendee_checkboxes_of_current_members(com, login):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.zahra_membership, left_on=days_ago(10))
    client = login(fa)
    form = section(page(client, url("meeting_create", com.council.pk)), "attendees")
    assert "محمدرضا احمدی" in form and "زهرا" not in form  # only current members
    day = days_ago(3)
    response = client.post(
        url("meeting_create", com.council.pk),
        {
            "date": to_persian_digits(format_jalali(day, persian_digits=False)),
            "place": "سرای محله",
            "decisions": "تصمیم اول\nتصمیم دوم",
            "attendees": [com.head_a.pk],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(group=com.council)
    assert (meeting.date, meeting.place) == (day, "سرای محله")
    assert list(meeting.attendees.all()) == [com.head_a]


def test_a_meeting_dated_in_the_future_is_refused_at_the_date_field(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("meeting_create", com.council.pk),
        {"date": jalali(days_ago(-1)), "decisions": "x", "attendees": [com.head_a.pk]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="date"' in html
    assert persian(services.MESSAGES["meeting_in_future"]) in html
    assert not Meeting.objects.exists()


def test_a_meeting_cannot_tick_someone_who_is_not_a_current_member(com, login):
    client = login(com.world.facilitator_a)
    response = client.post(
        url("meeting_create", com.council.pk), {"date": jalali(days_ago(1)), "attendees": [com.head_b.pk]}
    )
    assert response.status_code == 200
    assert 'data-field-error="attendees"' in response.content.decode()
    assert not Meeting.objects.exists()


# --------------------------------------------------------------------------- timeline


def test_the_household_timeline_shows_joining_leaving_and_meetings_per_month(com, login):
    fa = com.world.facilitator_a
    services.member_leave(actor=fa, membership=com.head_membership, left_on=days_ago(1))
    day = days_ago(5)
    services.meeting_record(actor=fa, group=com.council, date=day, attendees=[com.head_a])
    html = page(login(fa), reverse("registry:household_detail", args=[com.household_a.pk]))
    timeline = section(html, "timeline")
    joined = section(timeline, "timeline-group-joined")
    assert "محمدرضا احمدی" in joined and "شورای محلهٔ الف" in joined and persian("leader") in joined
    assert "شورای محلهٔ الف" in section(timeline, "timeline-group-left")
    assert "شورای محلهٔ الف" in section(timeline, "timeline-group-meetings")
    assert jalali(day) in timeline
    assert url("detail", com.council.pk) in timeline


def test_many_meetings_in_a_month_are_one_timeline_entry(com):
    from mahalleh.community.timeline import household_items
    from mahalleh.core.jalali import Period

    fa = com.world.facilitator_a
    today = timezone.localdate()
    month = Period.containing(today, "month")
    days = sorted({max(month.first_day, days_ago(n)) for n in (0, 1, 2)})
    for day in days:
        services.meeting_record(actor=fa, group=com.council, date=day, attendees=[com.head_a, com.zahra])
    items = [i for i in household_items(com.household_a) if i["kind"] == "group_meetings"]
    assert len(items) == 1
    assert (items[0]["count"], items[0]["on"], items[0]["person"]) == (len(days), days[-1], com.head_a)
