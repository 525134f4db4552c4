"""The roles of DESIGN §1: one per user. Scoping (core) and accounts both read them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("national administrator")
    NATIONAL_ANALYST = "national_analyst", _("national M&E analyst")
    PROVINCE_COORDINATOR = "province_coordinator", _("province coordinator")
    OFFICE_MANAGER = "office_manager", _("office manager")
    FACILITATOR = "facilitator", _("facilitator")
    PR_OFFICER = "pr_officer", _("public-relations officer")
    PARTNER_USER = "partner_user", _("partner organisation user")


NATIONAL_ROLES = {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST}
PROVINCE_ROLES = {Role.PROVINCE_COORDINATOR}
OFFICE_ROLES = {Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PR_OFFICER}
PARTNER_ROLES = {Role.PARTNER_USER}
# Roles whose accounts can read many residents' personal data need a second factor.
SECOND_FACTOR_ROLES = {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR}
# Roles that never see personal data, only aggregates.
AGGREGATE_ONLY_ROLES = {Role.NATIONAL_ANALYST, Role.PR_OFFICER}
# Roles that run the office's work with residents (activities, referrals, groups).
OFFICE_WORK_ROLES = {Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PROVINCE_COORDINATOR, Role.NATIONAL_ADMIN}


def does_office_work(user) -> bool:
    """Roles that run an office's work: activities, groups, referrals."""
    return user.role in OFFICE_WORK_ROLES


def is_partner(user) -> bool:
    return user.role == Role.PARTNER_USER


def is_national_admin(user) -> bool:
    """The national administrator, or a superuser (who may do what the national admin does)."""
    return user.role == Role.NATIONAL_ADMIN or user.is_superuser
