"""Community groups: councils, women's groups, micro-savings funds, teams — members and meetings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import Created, Tracked, office_fk, optional_fk, user_fk

ACTIVE_WITHIN_DAYS = 60  # a group is active if it met in the last 60 days


class CommunityGroup(Tracked):
    class Kind(models.TextChoices):
        COUNCIL = "council", _("neighbourhood council")
        WOMEN = "women", _("women's group")
        YOUTH = "youth", _("youth group")
        CHILDREN = "children", _("children's club")
        ELDERLY = "elderly", _("elderly group")
        SAVINGS = "savings", _("micro-savings fund")
        VOLUNTEERS = "volunteers", _("volunteer team")
        SPORTS = "sports", _("sports team")

    office = office_fk("groups")
    neighbourhood = optional_fk("geo.Neighbourhood", "groups", _("neighbourhood"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    founded_on = models.DateField(_("founded on"))
    description = models.TextField(_("description"), blank=True)
    created_by = user_fk()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community group")
        verbose_name_plural = _("community groups")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("leader")
        MEMBER = "member", _("member")

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["-role", "person__last_name"]
        constraints = [
            # A person is a current member of a group at most once (history rows have left_on).
            models.UniqueConstraint(
                fields=["group", "person"], condition=Q(left_on__isnull=True), name="membership_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.group}"


class Meeting(Created):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    attendees = models.ManyToManyField("registry.Person", related_name="meetings", blank=True)
    recorded_by = user_fk()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.group} {self.date}"
