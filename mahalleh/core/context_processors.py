"""Navigation fitted to the user's role."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from mahalleh.accounts.models import Role
from mahalleh.audit.selectors import can_browse_audit
from mahalleh.core.scoping import can_manage_staff
from mahalleh.registry.selectors import can_read_registry

# Roles that run the office's work with residents (activities, referrals, groups).
OFFICE_WORK_ROLES = {Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN}


def _items(user) -> list[dict]:
    items = [{"label": _("Home"), "url": reverse("core:home"), "key": "home"}]
    role = user.role
    if role == Role.PARTNER_USER:
        items.append({"label": _("Referrals"), "url": reverse("referrals:inbox"), "key": "inbox"})
        items.append({"label": _("My organisation"), "url": reverse("accounts:partner"), "key": "partner"})
        return items
    if role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST} or user.is_superuser:
        items.append({"label": _("Provinces"), "url": reverse("geo:province_list"), "key": "provinces"})
    elif role == Role.PROVINCE_COORDINATOR:
        items.append(
            {
                "label": _("My province"),
                "url": reverse("geo:province_detail", args=[user.province_id]),
                "key": "provinces",
            }
        )
    else:
        items.append(
            {
                "label": _("My office"),
                "url": reverse("geo:office_detail", args=[user.office_id]),
                "key": "office",
            }
        )
    if role != Role.OFFICE_MANAGER and role not in {Role.FACILITATOR, Role.PR_OFFICER}:
        items.append({"label": _("Offices"), "url": reverse("geo:office_list"), "key": "offices"})
    items.append(
        {"label": _("Neighbourhoods"), "url": reverse("geo:neighbourhood_list"), "key": "neighbourhoods"}
    )
    if can_read_registry(user):
        items.append({"label": _("Registry"), "url": reverse("registry:household_list"), "key": "registry"})
    if role in OFFICE_WORK_ROLES:
        items.append({"label": _("Activities"), "url": reverse("activities:list"), "key": "activities"})
        items.append({"label": _("Referrals"), "url": reverse("referrals:list"), "key": "referrals"})
        items.append({"label": _("Groups"), "url": reverse("community:list"), "key": "groups"})
    items.append({"label": _("Map"), "url": reverse("geo:map"), "key": "map"})
    try:  # the indicators app is a higher layer: found by URL name, not imported
        items.append({"label": _("Indicators"), "url": reverse("indicators:catalogue"), "key": "indicators"})
    except NoReverseMatch:
        pass
    if can_manage_staff(user):
        items.append({"label": _("Staff"), "url": reverse("accounts:staff_list"), "key": "staff"})
    if can_browse_audit(user):  # office managers, province coordinators, the national admin
        items.append({"label": _("Audit"), "url": reverse("audit:list"), "key": "audit"})
    if role in {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST, Role.PROVINCE_COORDINATOR} or user.is_superuser:
        items.append({"label": _("API"), "url": reverse("api-docs"), "key": "api"})
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = _items(user)
    for item in items:
        item["active"] = path == item["url"] or (item["key"] != "home" and path.startswith(item["url"]))
    return {"nav_items": items}
