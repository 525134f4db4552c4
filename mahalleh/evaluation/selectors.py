"""Every read of the evaluation app, scoped by the user (DESIGN §1, §8).

Two kinds of reader:
* survey staff (national admin, province coordinator, office manager, facilitator) see rounds
  and the personal answers of the neighbourhoods in their scope;
* evaluation readers (national admin, national analyst, province coordinator) see the
  estimates of the provinces in their scope. The analyst is aggregate-only: small cells are
  suppressed for them (:func:`suppress_small`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.accounts.models import Role
from mahalleh.core.scoping import NOTHING, neighbourhood_q, province_q
from mahalleh.core.selectors import narrowed
from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
from mahalleh.geo.models import Province

SURVEY_ROLES = {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR, Role.OFFICE_MANAGER, Role.FACILITATOR}
ROUND_ADMIN_ROLES = {Role.NATIONAL_ADMIN, Role.PROVINCE_COORDINATOR}
RESULT_ROLES = {Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST, Role.PROVINCE_COORDINATOR}
AGGREGATE_ONLY_ROLES = {Role.NATIONAL_ANALYST}
SMALL_CELL = 5


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_survey(user) -> bool:
    return _active(user) and user.role in SURVEY_ROLES


def can_manage_rounds(user) -> bool:
    return _active(user) and user.role in ROUND_ADMIN_ROLES


def can_read_results(user) -> bool:
    return _active(user) and user.role in RESULT_ROLES


def is_aggregate_only(user) -> bool:
    return user.role in AGGREGATE_ONLY_ROLES


def _round_scope(user) -> Q:
    if can_manage_rounds(user) or can_read_results(user):
        return province_q(user, "province__")
    if can_survey(user):
        # Office staff survey the neighbourhoods of their office that a round includes.
        return Q(neighbourhoods__in=_neighbourhood_ids(user))
    return NOTHING


def _neighbourhood_ids(user):
    from mahalleh.geo.models import Neighbourhood

    return Neighbourhood.objects.filter(neighbourhood_q(user)).values("pk")


def round_list(*, user, province=None) -> QuerySet[SurveyRound]:
    qs = SurveyRound.objects.filter(_round_scope(user)).distinct().select_related("province")
    return narrowed(qs, province=province).order_by("province__name_fa", "held_on", "pk")


def round_get(*, user, pk) -> SurveyRound:
    return get_object_or_404(round_list(user=user), pk=pk)


def sample_list(*, user, round: SurveyRound) -> QuerySet[SampleHousehold]:
    """The sampled households of a round that the user may survey (personal data)."""
    if not can_survey(user):
        return SampleHousehold.objects.none()
    return (
        SampleHousehold.objects.filter(round=round)
        .filter(neighbourhood_q(user, "neighbourhood__"))
        .select_related("household__head", "neighbourhood")
    )


def sample_get(*, user, round: SurveyRound, pk) -> SampleHousehold:
    return get_object_or_404(sample_list(user=user, round=round), pk=pk)


def response_list(*, user, round: SurveyRound | None = None) -> QuerySet[SurveyResponse]:
    if not can_survey(user):
        return SurveyResponse.objects.none()
    qs = SurveyResponse.objects.filter(neighbourhood_q(user, "neighbourhood__")).select_related(
        "person", "round"
    )
    return narrowed(qs, round=round)


def result_provinces(*, user) -> QuerySet[Province]:
    if not can_read_results(user):
        return Province.objects.none()
    return Province.objects.filter(province_q(user)).order_by("name_fa")


def result_province_get(*, user, code: str) -> Province:
    return get_object_or_404(result_provinces(user=user), code=code)


def evaluation_rounds(*, user, province: Province | None) -> QuerySet[SurveyRound]:
    """The rounds an evaluation reads: one province's, or the nation's (national roles only)."""
    if not can_read_results(user):
        return SurveyRound.objects.none()
    qs = SurveyRound.objects.filter(province_q(user, "province__"))
    return narrowed(qs, province=province)


def evaluation_responses(*, user, province: Province | None) -> QuerySet[SurveyResponse]:
    """The answers behind an evaluation. Only the estimator reads these rows; what leaves it is
    aggregates (and, for aggregate-only roles, with small cells suppressed)."""
    return SurveyResponse.objects.filter(round__in=evaluation_rounds(user=user, province=province))
