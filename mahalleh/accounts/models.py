"""Staff accounts: one role and one scope per user (DESIGN §1)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

# Roles live in core (scoping needs them); re-exported here, where the user model uses them.
from mahalleh.core.models import Versioned, only_set, optional_fk
from mahalleh.core.roles import (  # noqa: F401
    AGGREGATE_ONLY_ROLES,
    NATIONAL_ROLES,
    OFFICE_ROLES,
    OFFICE_WORK_ROLES,
    PARTNER_ROLES,
    PROVINCE_ROLES,
    SECOND_FACTOR_ROLES,
    Role,
)

# The scope keys of an account: a role has exactly the one its scope needs, or none.
SCOPE_KEYS = ("province", "office", "partner")


class MahallehUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes a national administrator, the only role without a scope.
        extra_fields.setdefault("role", Role.NATIONAL_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser, Versioned):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.FACILITATOR)
    province = optional_fk("geo.Province", "users", _("province"))
    office = optional_fk("geo.Office", "staff", _("office"))
    partner = optional_fk("referrals.Partner", "users", _("partner organisation"))
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)

    objects = MahallehUserManager()

    # What a list of accounts shows of each (the admin's columns, the API's rows after the id).
    SUMMARY_FIELDS = (
        "username",
        "first_name",
        "last_name",
        "role",
        "province",
        "office",
        "partner",
        "is_active",
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    models.Q(role__in=[Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST], **only_set(SCOPE_KEYS))
                    | models.Q(role=Role.PROVINCE_COORDINATOR, **only_set(SCOPE_KEYS, "province"))
                    | models.Q(
                        role__in=[Role.OFFICE_MANAGER, Role.FACILITATOR, Role.PR_OFFICER],
                        **only_set(SCOPE_KEYS, "office"),
                    )
                    | models.Q(role=Role.PARTNER_USER, **only_set(SCOPE_KEYS, "partner"))
                    # Django's own superuser (createsuperuser) acts as a national admin.
                    | models.Q(is_superuser=True, **only_set(SCOPE_KEYS))
                ),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_national(self) -> bool:
        return self.role in NATIONAL_ROLES or self.is_superuser

    @property
    def needs_second_factor(self) -> bool:
        return self.role in SECOND_FACTOR_ROLES

    @property
    def sees_personal_data(self) -> bool:
        return self.role not in AGGREGATE_ONLY_ROLES

    @property
    def scope_label(self) -> str:
        """The scope in words, for the header: the nation, a province, an office or a partner."""
        if self.role in PROVINCE_ROLES and self.province_id:
            return str(self.province)
        if self.role in OFFICE_ROLES and self.office_id:
            return str(self.office)
        if self.role in PARTNER_ROLES and self.partner_id:
            return str(self.partner)
        return str(_("the whole country"))
