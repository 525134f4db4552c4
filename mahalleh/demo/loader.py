"""Load the deterministic demo: Kerman province, its offices, partners and one account per role."""

import base64
import hashlib
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from mahalleh.accounts.models import Role, User
from mahalleh.demo import places
from mahalleh.demo.activities import load_activities
from mahalleh.demo.community import load_community
from mahalleh.demo.evaluation import load_evaluation
from mahalleh.demo.indicators import load_indicators
from mahalleh.demo.referrals import load_referrals
from mahalleh.demo.registry import load_registry
from mahalleh.demo.reports import load_reports
from mahalleh.demo.stories import load_stories
from mahalleh.geo.models import County, Neighbourhood, Office, Province
from mahalleh.referrals.models import Partner

DEMO_PASSWORD = "mahalleh-demo"  # noqa: S105 - documented demo password, demo data only
SEED = 1403

PARTNERS = [
    ("welfare", Partner.Kind.GOVERNMENT, "اداره کل بهزیستی استان کرمان"),
    ("tvto", Partner.Kind.GOVERNMENT, "اداره کل آموزش فنی و حرفه‌ای استان کرمان"),
    ("charity", Partner.Kind.CHARITY, "بنیاد خیریه امید کرمان"),
    ("ngo", Partner.Kind.NGO, "انجمن حمایت از کودکان کار مهر"),
]

# (username, role, scope); office "first" is in Kerman county, "other" in Sirjan county.
DEMO_USERS = [
    ("national_admin", Role.NATIONAL_ADMIN, None),
    ("national_analyst", Role.NATIONAL_ANALYST, None),
    ("province_coordinator", Role.PROVINCE_COORDINATOR, "province"),
    ("office_manager", Role.OFFICE_MANAGER, "first"),
    ("facilitator", Role.FACILITATOR, "first"),
    ("pr_officer", Role.PR_OFFICER, "first"),
    ("partner_user", Role.PARTNER_USER, "charity"),
    ("facilitator2", Role.FACILITATOR, "other"),
]


def totp_key_for(username: str) -> str:
    """A fixed TOTP key per demo account, so the printed secret stays the same across runs."""
    return hashlib.sha1(f"mahalleh-demo-totp:{username}".encode(), usedforsecurity=False).hexdigest()


def totp_secret_for(username: str) -> str:
    """The base32 secret an authenticator app takes."""
    return base64.b32encode(bytes.fromhex(totp_key_for(username))).decode().rstrip("=")


def is_loaded() -> bool:
    return Province.objects.filter(code=places.PROVINCE["code"]).exists()


@transaction.atomic
def load(*, stdout=None, with_registry: bool = True) -> bool:
    """Load the demo once. Returns False (and changes nothing) when it is already there."""
    if is_loaded():
        return False
    fake = Faker("fa_IR")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)

    province = Province.objects.create(**places.PROVINCE)
    counties = {}
    for c in places.COUNTIES:
        counties[c["code"]] = County.objects.create(
            province=province, code=c["code"], name_fa=c["name_fa"], name_en=c["name_en"]
        )
    offices = {}
    for o in places.OFFICES:
        offices[o["code"]] = Office.objects.create(
            county=counties[o["county_code"]],
            code=o["code"],
            name_fa=o["name_fa"],
            name_en=o["name_en"],
            address=o["address"],
            phone=o["phone"],
            opened_on=o["opened_on"],
        )
    for n in places.NEIGHBOURHOODS:
        Neighbourhood.objects.create(
            county=counties[n["county_code"]],
            code=n["code"],
            name_fa=n["name_fa"],
            name_en=n["name_en"],
            kind=n["kind"],
            office=offices.get(n.get("office_code") or ""),
            boundary=n["boundary"],
            est_population=n["est_population"],
            est_households=n["est_households"],
        )
    partners = {}
    for key, kind, name in PARTNERS:
        partners[key] = Partner.objects.create(
            name=name,
            kind=kind,
            province=province,
            contact_name=fake.name(),
            contact_phone=f"0343{rng.randint(2000000, 3999999)}",
        )

    # One hash for every demo account (they share the password): hashing is slow on purpose.
    password_hash = make_password(DEMO_PASSWORD)
    office_list = list(Office.objects.order_by("code"))
    first = office_list[0]
    other = next(o for o in office_list if o.county_id != first.county_id)
    scopes = {"province": {"province": province}, "first": {"office": first}, "other": {"office": other}}
    for key, partner in partners.items():
        scopes[key] = {"partner": partner}

    for username, role, scope in DEMO_USERS:
        user = User(
            username=username,
            role=role,
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            email=f"{username}@demo.mahalleh.invalid",
            **(scopes[scope] if scope else {}),
        )
        user.password = password_hash
        user.save()
        if user.needs_second_factor:
            TOTPDevice.objects.create(user=user, name="demo", key=totp_key_for(username), confirmed=True)

    # A few more staff per office, so the staff pages look real (they share the demo password).
    for office in office_list:
        for i in range(2):
            user = User(
                username=f"{office.code.lower()}-staff{i + 1}",
                role=Role.FACILITATOR if i == 0 else Role.PR_OFFICER,
                first_name=fake.first_name(),
                last_name=fake.last_name(),
                office=office,
            )
            user.password = password_hash
            user.save()

    if with_registry:
        load_registry(rng=rng, fake=fake)
        # Referrals first: they reuse the registry's consents; activities use the partners.
        load_referrals(rng=rng, fake=fake)
        load_activities(rng=rng, fake=fake)
        load_community(rng=rng, fake=fake)
        load_evaluation()

        load_stories(rng=rng)

        # Last: the plan, targets and history are computed from everything above.
        load_indicators(rng=rng)
        # Reports read the figures above: one office report and one province report.
        load_reports()
    return True


def logins_text() -> str:
    # The terminal reads left to right: role names in English there.
    with translation.override("en"):
        return _logins_text()


def _logins_text() -> str:
    lines = [
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    for username, role, _scope in DEMO_USERS:
        line = f"  {username:<22} {role.label}"
        if role in {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR}:
            line += f"   TOTP secret: {totp_secret_for(username)}"
        lines.append(line)
    lines.append("  (Add the TOTP secret to any authenticator app, or run: mahalleh demo_totp USERNAME)")
    return "\n".join(lines)
