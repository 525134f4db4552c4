"""Deterministic demo referrals: the four demo partner organisations get a login each, two to four
services, and about 250 referrals over the last 12 months in every state — sent, accepted, in
progress, completed (with each outcome), declined (with a reason) and cancelled — with the
history of each step, the notifications both sides would have received, and overdue referrals
for the demo `partner_user` (the charity) and for the demo `facilitator`'s office.

Only residents whose referral consent is in force are referred, each after the day they gave it,
and each to a service that fits their age. Rows go in with ``bulk_create`` (well under a second).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from faker import Faker

from mahalleh.accounts.models import Role, User
from mahalleh.demo.registry import _explicit_timestamps, _facilitators
from mahalleh.geo.models import Neighbourhood, Office
from mahalleh.referrals import notifications as notes
from mahalleh.referrals.models import Notification, Partner, Referral, ReferralEvent, Service
from mahalleh.referrals.services import default_due_on
from mahalleh.registry.models import Consent, Person

__all__ = ["SERVICES", "load_referrals"]

SEED = 1403_0909
REFERRALS = 250
S = Referral.Status
OPEN = {S.SENT, S.ACCEPTED, S.IN_PROGRESS}
O = Referral.Outcome  # noqa: E741 - short name for a table

# Partner key (see loader.PARTNERS) → (days to answer, [(service, days to answer, min age, max age,
# [reasons])]).
SERVICES: dict[str, tuple[int, list]] = {
    "welfare": (
        14,
        [
            (
                "مستمری و کمک‌هزینه معیشتی",
                14,
                18,
                120,
                [
                    "زن سرپرست خانوار بدون درآمد ثابت؛ نیازمند مستمری ماهانه.",
                    "سرپرست خانوار از کار افتاده است و خانوار درآمدی ندارد.",
                    "سالمند تنها بدون پوشش بیمه و مستمری.",
                ],
            ),
            (
                "مددکاری اجتماعی و مشاوره خانواده",
                7,
                0,
                120,
                [
                    "تنش شدید خانوادگی؛ درخواست مشاوره و پیگیری مددکار.",
                    "احتمال کودک‌آزاری در خانوار؛ نیاز به بررسی فوری مددکار.",
                    "پس از فوت سرپرست، خانوار نیاز به حمایت روانی و اجتماعی دارد.",
                ],
            ),
            (
                "توانبخشی افراد دارای معلولیت",
                21,
                0,
                120,
                [
                    "فرد دارای معلولیت جسمی بدون وسایل کمک‌حرکتی.",
                    "نیاز به پرونده توانبخشی و کارت معلولیت.",
                ],
            ),
            (
                "مهد کودک رایگان برای فرزندان زنان سرپرست خانوار",
                10,
                18,
                60,
                [
                    "مادر برای رفتن به کلاس آموزش مهارت نیاز به مهد کودک رایگان برای فرزند خردسال دارد.",
                    "مادر شاغل در کار روزمزد؛ فرزند خردسال در طول روز بی‌سرپرست می‌ماند.",
                ],
            ),
        ],
    ),
    "tvto": (
        14,
        [
            (
                "دوره آموزش خیاطی و دوخت",
                14,
                15,
                55,
                [
                    "علاقه‌مند به یادگیری خیاطی برای کار در خانه.",
                    "زن سرپرست خانوار؛ آموزش مهارت برای کسب درآمد.",
                ],
            ),
            (
                "آموزش مهارت‌های فنی (برق ساختمان، جوشکاری)",
                21,
                16,
                45,
                [
                    "جوان بیکار جویای کار؛ علاقه‌مند به برق‌کاری ساختمان.",
                    "ترک تحصیل کرده و نیاز به مهارت فنی برای اشتغال دارد.",
                ],
            ),
            (
                "آموزش مهارت‌های کسب‌وکار خانگی",
                10,
                18,
                60,
                [
                    "برای راه‌اندازی کسب‌وکار خانگی (شیرینی‌پزی) نیاز به آموزش و گواهی مهارت دارد.",
                    "عضو صندوق خرد محله؛ آموزش مدیریت کسب‌وکار کوچک.",
                ],
            ),
        ],
    ),
    "charity": (
        7,
        [
            (
                "بسته معیشتی و سبد غذایی",
                5,
                18,
                120,
                [
                    "خانوار پرجمعیت بدون درآمد ثابت؛ نیاز فوری به سبد غذایی.",
                    "سرپرست خانوار بیمار است و خانوار از پس هزینه خوراک برنمی‌آید.",
                    "خانوار تازه‌وارد به محله بدون هیچ پشتوانه‌ای.",
                ],
            ),
            (
                "کمک‌هزینه تحصیلی و لوازم‌التحریر",
                10,
                6,
                18,
                [
                    "دانش‌آموز در خطر ترک تحصیل به دلیل هزینه‌های مدرسه.",
                    "خانوار توان خرید لوازم‌التحریر و لباس مدرسه را ندارد.",
                ],
            ),
            (
                "وام قرض‌الحسنه اشتغال",
                30,
                20,
                60,
                [
                    "پس از دوره آموزش خیاطی، برای خرید چرخ خیاطی نیاز به وام دارد.",
                    "برای راه‌اندازی دکه فروش در محله نیاز به سرمایه اولیه دارد.",
                ],
            ),
        ],
    ),
    "ngo": (
        7,
        [
            (
                "حمایت از کودکان کار و بازگشت به تحصیل",
                7,
                6,
                17,
                [
                    "کودک در سر چهارراه کار می‌کند و از مدرسه بازمانده است.",
                    "نوجوان در کارگاه کار می‌کند؛ خانواده با بازگشت به مدرسه موافق است.",
                ],
            ),
            (
                "مشاوره روانی و حمایت از زنان",
                7,
                14,
                120,
                [
                    "نشانه‌های افسردگی پس از طلاق؛ درخواست مشاوره رایگان.",
                    "زن در معرض خشونت خانگی؛ نیاز به مشاوره و حمایت.",
                ],
            ),
        ],
    ),
}

DECLINE_REASONS = [
    "ظرفیت این دوره تکمیل است؛ در نوبت دوره بعد قرار گرفت.",
    "شرایط سنی یا مدارک لازم را ندارد.",
    "پیش‌تر از همین خدمت استفاده کرده است.",
    "نشانی خارج از محدوده خدمت‌رسانی این سازمان است.",
    "مدارک هویتی معتبر ارائه نشد.",
]
CANCEL_NOTES = [
    "خانوار از محله رفته است.",
    "مشکل با کمک اقوام حل شد؛ نیازی به ارجاع نیست.",
    "ارجاع به اشتباه ثبت شده بود.",
    "خود فرد از دریافت خدمت منصرف شد.",
]
NO_ANSWER_NOTE = "پاسخی از سازمان نرسید؛ ارجاع لغو شد و خانوار به سازمان دیگری معرفی می‌شود."
OTHER_OUTCOMES = [
    "به سازمان دیگری معرفی شد.",
    "خدمت بخشی ارائه شد؛ ادامه آن به سال بعد موکول شد.",
]
NOT_ELIGIBLE_NOTES = ["درآمد خانوار بالاتر از سقف تعیین‌شده است.", "مدارک کامل نبود."]
NO_SHOW_NOTES = ["سه بار تماس گرفته شد؛ مراجعه نکرد.", "در روز تعیین‌شده حاضر نشد."]
DELIVERED_NOTES = ["", "", "خدمت به‌طور کامل ارائه شد.", "در دوره ثبت‌نام شد و گواهی گرفت."]

OUTCOME_WEIGHTS = [(O.DELIVERED, 64), (O.NOT_ELIGIBLE, 12), (O.NO_SHOW, 15), (O.OTHER, 9)]


@dataclass
class _Candidate:
    person_id: int
    household_id: int
    office_id: int
    birth: datetime.date | None
    consent_on: datetime.date


@dataclass
class _Plan:
    referral: Referral
    events: list[tuple[str, str, datetime.datetime, int | None, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, *, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.tz = timezone.get_current_timezone()

    def moment(self, day: datetime.date) -> datetime.datetime:
        t = datetime.time(self.rng.randint(8, 15), self.rng.randint(0, 59), self.rng.randint(0, 59))
        return datetime.datetime.combine(day, t, tzinfo=self.tz)

    def after(self, when: datetime.datetime, days: int) -> datetime.datetime:
        day = when.astimezone(self.tz).date() + datetime.timedelta(days=days)
        moment = self.moment(day)
        return moment if moment > when else when + datetime.timedelta(hours=1)

    def build(
        self,
        *,
        candidate: _Candidate,
        service: Service,
        reason: str,
        sent_on: datetime.date,
        by: int,
        partner_user: int | None,
        fate: str | None = None,
        household: bool = False,
    ) -> _Plan:
        """One referral and its steps. `fate` forces the final state (the overdue showcases)."""
        rng = self.rng
        now = timezone.now()
        sent = self.moment(sent_on)
        urgency = rng.choices(
            [Referral.Urgency.LOW, Referral.Urgency.NORMAL, Referral.Urgency.HIGH, Referral.Urgency.URGENT],
            [10, 60, 22, 8],
        )[0]
        due_on = default_due_on(service, on=sent_on)
        r = Referral(
            person_id=candidate.person_id,
            household_id=candidate.household_id if household else None,
            office_id=candidate.office_id,
            service=service,
            partner=service.partner,
            reason=reason,
            urgency=urgency,
            due_on=due_on,
            status=S.SENT,
            created_by_id=by,
            created_at=sent,
            updated_at=sent,
        )
        plan = _Plan(r, [("", S.SENT, sent, by, "")])

        def step(to: str, at: datetime.datetime, who: int | None, note: str = "") -> None:
            # Never in the future, and never before the step it follows.
            at = max(min(at, now - datetime.timedelta(minutes=rng.randint(5, 300))), r.updated_at)
            at += datetime.timedelta(minutes=1)
            plan.events.append((r.status, to, at, who, note))
            r.status = to
            r.updated_at = at
            if to == S.ACCEPTED:
                r.accepted_at = at
            if to in {S.DECLINED, S.COMPLETED, S.CANCELLED}:
                r.closed_at = at
            if to == S.DECLINED:
                r.decline_reason = note

        if fate == S.SENT:
            return plan
        # Most organisations answer within their usual days, some late; the service itself takes
        # about as long again, so roughly half are completed by the due date.
        days = service.answer_days
        answer_in = max(1, round(rng.triangular(0, days * 1.3, days * 0.2)))
        answered = self.after(sent, answer_in)
        if fate is None and answered >= now:
            return plan  # not answered yet
        if fate is None and rng.random() < 0.06:
            # Never answered: that is what the overdue list is for. After six weeks without an
            # answer the office gives up and cancels.
            gave_up = self.after(sent, days + 42)
            if gave_up < now:
                step(S.CANCELLED, gave_up, by, NO_ANSWER_NOTE)
            return plan
        if fate == S.CANCELLED or (fate is None and rng.random() < 0.05):
            step(S.CANCELLED, answered, by, rng.choice(CANCEL_NOTES))
            return plan
        if fate == S.DECLINED or (fate is None and rng.random() < 0.15):
            step(S.DECLINED, answered, partner_user, rng.choice(DECLINE_REASONS))
            return plan
        step(S.ACCEPTED, answered, partner_user)
        if fate == S.ACCEPTED:
            return plan
        started = self.after(answered, rng.randint(0, 3))
        direct = rng.random() < 0.15
        if fate is None and started >= now:
            return plan
        if fate is None and rng.random() < 0.04:
            step(S.CANCELLED, started, by, rng.choice(CANCEL_NOTES))
            return plan
        if not direct or fate == S.IN_PROGRESS:
            step(S.IN_PROGRESS, started, partner_user)
            if fate == S.IN_PROGRESS:
                return plan
        finished = self.after(started, max(1, round(rng.triangular(0, days * 1.2, days * 0.25))))
        if fate is None and finished >= now:
            return plan
        outcome = rng.choices([o for o, _w in OUTCOME_WEIGHTS], [w for _o, w in OUTCOME_WEIGHTS])[0]
        note = {
            O.DELIVERED: DELIVERED_NOTES,
            O.NOT_ELIGIBLE: NOT_ELIGIBLE_NOTES,
            O.NO_SHOW: NO_SHOW_NOTES,
            O.OTHER: OTHER_OUTCOMES,
        }[outcome]
        r.outcome = outcome
        r.outcome_note = rng.choice(note)
        step(S.COMPLETED, finished, partner_user, r.outcome_note)
        return plan


def _candidates(today: datetime.date) -> list[_Candidate]:
    """Residents of the demo's target neighbourhoods whose referral consent is in force."""
    latest = Consent.objects.filter(person=OuterRef("pk"), purpose=Consent.Purpose.REFERRAL).order_by(
        "-on", "-pk"
    )
    rows = (
        Person.objects.filter(
            status=Person.Status.ACTIVE,
            household__neighbourhood__kind=Neighbourhood.Kind.TARGET,
            household__neighbourhood__office__isnull=False,
            household__neighbourhood__county__province__code="KRM",
        )
        .annotate(
            consent_given=Subquery(latest.values("given")[:1]), consent_on=Subquery(latest.values("on")[:1])
        )
        .filter(consent_given=True, consent_on__lt=today)
        .order_by("pk")
        .values_list("pk", "household_id", "household__neighbourhood__office_id", "birth_date", "consent_on")
    )
    return [_Candidate(*row) for row in rows]


def _age(birth: datetime.date | None, on: datetime.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _partner_users(partners: dict[str, Partner], password_hash: str, fake: Faker) -> dict[int, int]:
    """A demo login for each organisation without one (the charity has `partner_user`)."""
    out: dict[int, int] = {}
    for key, partner in partners.items():
        existing = User.objects.filter(role=Role.PARTNER_USER, partner=partner).order_by("pk").first()
        if existing is None:
            existing = User(
                username=f"partner_{key}",
                role=Role.PARTNER_USER,
                partner=partner,
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                email=f"partner_{key}@demo.mahalleh.invalid",
                password=password_hash,
            )
            existing.save()
        out[partner.pk] = existing.pk
    return out


def load_referrals(
    rng: random.Random | None = None,
    fake: Faker | None = None,
    *,
    today: datetime.date | None = None,
    count: int = REFERRALS,
) -> dict[str, int]:
    """Add the demo partners' logins and services and the demo referrals (call inside a transaction).

    Does nothing (and returns ``{}``) when the demo partners are missing or already have
    services; otherwise returns the counts of what was added.
    """
    from mahalleh.demo.loader import DEMO_PASSWORD, PARTNERS

    by_name = {p.name: p for p in Partner.objects.filter(name__in=[name for _k, _kind, name in PARTNERS])}
    partners = {key: by_name[name] for key, _kind, name in PARTNERS if name in by_name}
    if set(partners) != set(SERVICES) or Service.objects.filter(partner__in=partners.values()).exists():
        return {}
    rng = rng or random.Random(SEED)
    if fake is None:
        fake = Faker("fa_IR")
        fake.seed_instance(SEED)
    today = today or timezone.localdate()

    # The demo accounts share one password: reuse a demo account's hash (hashing is slow on purpose).
    password_hash = User.objects.filter(username="partner_user").values_list(
        "password", flat=True
    ).first() or make_password(DEMO_PASSWORD)
    known = set(User.objects.filter(role=Role.PARTNER_USER).values_list("partner_id", flat=True))
    partner_user = _partner_users(partners, password_hash, fake)
    users_added = len(set(partner_user) - known)

    services: dict[str, list[tuple[Service, int, int, list[str]]]] = {}
    rows = []
    for key, (days, items) in SERVICES.items():
        partner = partners[key]
        partner.answer_days = days
        partner.save(update_fields=["answer_days", "updated_at"])
        for name, answer_days, low, high, reasons in items:
            service = Service(partner=partner, name=name, answer_days=answer_days)
            rows.append(service)
            services.setdefault(key, []).append((service, low, high, reasons))
    Service.objects.bulk_create(rows)

    candidates = _candidates(today)
    staff = _facilitators()
    offices = sorted({c.office_id for c in candidates})
    if not candidates or not offices:
        return {"services": len(rows), "partner_users": users_added}
    first_office = Office.objects.filter(pk__in=offices).order_by("code").first().pk
    demo_facilitator = User.objects.filter(username="facilitator", office_id=first_office).values_list(
        "pk", flat=True
    )
    demo_facilitator = demo_facilitator.first()
    by_office: dict[int, list[_Candidate]] = {}
    for c in candidates:
        by_office.setdefault(c.office_id, []).append(c)
    gen = _Builder(rng=rng, today=today)
    open_pairs: set[tuple[int, int]] = set()
    plans: list[_Plan] = []
    year_ago = today - datetime.timedelta(days=365)

    def creator(office_id: int) -> int | None:
        users = staff.get(office_id, [])
        if office_id == first_office and demo_facilitator and rng.random() < 0.75:
            return demo_facilitator
        return rng.choice(users).pk if users else None

    def pick(office_id: int, key: str, *, earliest: datetime.date, latest: datetime.date):
        """A resident of the office, a fitting service, and a day to refer them on."""
        pool = by_office.get(office_id) or candidates
        for _ in range(80):
            c = rng.choice(pool)
            service, low, high, reasons = rng.choice(services[key])
            start = max(c.consent_on + datetime.timedelta(days=1), earliest)
            if start > latest:
                continue
            day = start + datetime.timedelta(days=rng.randint(0, (latest - start).days))
            age = _age(c.birth, day)
            if age is None or not low <= age <= high or (c.person_id, service.pk) in open_pairs:
                continue
            return c, service, rng.choice(reasons), day
        return None

    def add(office_id: int, key: str, *, fate=None, earliest=None, latest=None) -> None:
        found = pick(
            office_id,
            key,
            earliest=earliest or year_ago,
            latest=latest or today - datetime.timedelta(days=1),
        )
        if found is None:
            return
        c, service, reason, day = found
        by = creator(c.office_id)
        if by is None:
            return
        plan = gen.build(
            candidate=c,
            service=service,
            reason=reason,
            sent_on=day,
            by=by,
            partner_user=partner_user[service.partner_id],
            fate=fate,
            household=key == "charity" and rng.random() < 0.3,
        )
        if plan.referral.status in OPEN:
            open_pairs.add((c.person_id, service.pk))
        plans.append(plan)

    def days_ago(n: int) -> datetime.date:
        return today - datetime.timedelta(days=n)

    # The showcases: overdue referrals in every open state for the demo partner_user (the charity)
    # and the demo facilitator's office (sent 35–60 days ago: past any service's days to answer),
    # fresh ones in the charity's inbox, and closed ones of each kind.
    for fate in (S.SENT, S.SENT, S.ACCEPTED, S.IN_PROGRESS):
        add(first_office, "charity", fate=fate, earliest=days_ago(60), latest=days_ago(35))
    for key, fate in (("welfare", S.SENT), ("tvto", S.ACCEPTED), ("ngo", S.IN_PROGRESS)):
        add(first_office, key, fate=fate, earliest=days_ago(60), latest=days_ago(35))
    for _ in range(3):
        add(first_office, "charity", fate=S.SENT, earliest=days_ago(2), latest=days_ago(1))
    for fate in (S.DECLINED, S.COMPLETED, S.COMPLETED, S.CANCELLED):
        add(first_office, "charity", fate=fate, earliest=days_ago(200), latest=days_ago(40))

    keys = list(SERVICES)
    weights = [30, 22, 30, 18]
    while len(plans) < count:
        office_id = first_office if rng.random() < 0.3 else rng.choice(offices)
        add(office_id, rng.choices(keys, weights)[0])

    counts = _save(plans, today=today)
    counts.update({"services": len(rows), "partner_users": users_added})
    return counts


def _save(plans: list[_Plan], *, today: datetime.date) -> dict[str, int]:
    referrals = [p.referral for p in plans]
    with _explicit_timestamps(Referral, ReferralEvent, Notification):
        Referral.objects.bulk_create(referrals)
        events = [
            ReferralEvent(referral_id=p.referral.pk, from_status=f, to_status=t, at=at, by_id=by, note=note)
            for p in plans
            for f, t, at, by, note in p.events
        ]
        ReferralEvent.objects.bulk_create(events)
        notifications = _notifications(plans, today=today)
        Notification.objects.bulk_create(notifications)
    overdue = [r.pk for r in referrals if r.status in OPEN and r.due_on < today]
    # Their overdue notifications are in already (above): the hourly check must not send them again.
    Referral.objects.filter(pk__in=overdue).update(overdue_notified_at=timezone.now())
    out = {"referrals": len(referrals), "referral_events": len(events), "notifications": len(notifications)}
    for status in S.values:
        out[f"referrals_{status}"] = sum(1 for r in referrals if r.status == status)
    out["referrals_overdue"] = len(overdue)
    return out


def _notifications(plans: list[_Plan], *, today: datetime.date) -> list[Notification]:
    """What both sides were told in the last month (older ones are read), and the overdue alerts."""
    recent = timezone.now() - datetime.timedelta(days=30)
    read_before = timezone.now() - datetime.timedelta(days=3)
    partner_users: dict[int, list[User]] = {}
    office_users: dict[tuple[int, int], list[User]] = {}
    out = []

    def add(users, referral, kind, at, note=""):
        message = notes._message(kind, referral, note)
        for user in users:
            out.append(
                Notification(
                    user=user,
                    referral=referral,
                    kind=kind,
                    message=message,
                    created_at=at,
                    read_at=at + datetime.timedelta(hours=2) if at < read_before else None,
                )
            )

    kinds = {
        S.SENT: notes.KIND_NEW,
        S.ACCEPTED: notes.KIND_ACCEPTED,
        S.DECLINED: notes.KIND_DECLINED,
        S.COMPLETED: notes.KIND_COMPLETED,
        S.CANCELLED: notes.KIND_CANCELLED,
    }
    with translation.override("fa"):
        for p in plans:
            r = p.referral
            if r.partner_id not in partner_users:
                partner_users[r.partner_id] = notes.partner_users(r)
            key = (r.office_id, r.created_by_id)
            if key not in office_users:
                office_users[key] = notes.office_users(r)
            for _f, to, at, _by, note in p.events:
                kind = kinds.get(to)
                if kind is None or at < recent:
                    continue
                side = partner_users[r.partner_id] if to in {S.SENT, S.CANCELLED} else office_users[key]
                add(side, r, kind, at, note)
            if r.status in OPEN and r.due_on < today:
                at = min(_overdue_check_time(r.due_on), timezone.now())
                add(office_users[key] + partner_users[r.partner_id], r, notes.KIND_OVERDUE, at)
    return out


def _overdue_check_time(due_on: datetime.date) -> datetime.datetime:
    """The hourly check's first run after the due date: 08:07 the next morning."""
    day = due_on + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(8, 7), tzinfo=timezone.get_current_timezone())
