"""An evaluation of one province (or the nation): one row per survey item, from the answers.

Reads the answers through :mod:`selectors` (scoped by the user), turns each into the item's
person-level outcome, and hands the table to :mod:`estimator`. What leaves this module is
aggregates only; for aggregate-only roles a row whose 2×2 table has a cell under
:data:`selectors.SMALL_CELL` respondents is suppressed as a whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import localized_digits
from mahalleh.evaluation import estimator
from mahalleh.evaluation.items import SurveyItem, survey_items
from mahalleh.evaluation.models import SurveyResponse, SurveyRound
from mahalleh.evaluation.selectors import (
    SMALL_CELL,
    evaluation_responses,
    evaluation_rounds,
    is_aggregate_only,
)
from mahalleh.geo.models import Neighbourhood

CACHE_SECONDS = 24 * 3600


class EvaluationError(Exception):
    """The evaluation as a whole cannot run; the message says why, in the user's language."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


MESSAGES = {
    "no_rounds": lambda: _("There are no survey rounds yet. Create a baseline round and draw its sample."),
    "no_baseline": lambda: _(
        "There is no baseline round with answers, so there is nothing to measure change from. "
        "Enter the answers of a baseline round first."
    ),
    "no_follow_up": lambda: _(
        "There is only the baseline so far. The estimate needs at least one follow-up round with answers."
    ),
    "no_comparison": lambda: _(
        "None of the answers comes from a comparison neighbourhood, so there is nothing to compare with."
    ),
    "no_target": lambda: _("None of the answers comes from a target neighbourhood."),
    "missing_library": lambda: _(
        "The statistics libraries of the evaluation are not installed on this server. "
        "Ask the administrator to run: %(command)s"
    )
    % {"command": estimator.INSTALL_HINT},
}

ITEM_MESSAGES = {
    "empty_cell": lambda: _(
        "Not enough answers: this item needs answers in target and comparison neighbourhoods, "
        "at baseline and after."
    ),
    "no_follow_up": lambda: _("No answers to this item after the baseline."),
    "no_baseline": lambda: _("No answers to this item at baseline."),
    "too_few_clusters": lambda: _("Answers from fewer than three neighbourhoods: no estimate is possible."),
    "singular": lambda: _("The answers do not vary enough for an estimate."),
    "suppressed": lambda: _("Hidden: fewer than %(n)s respondents in a cell.")
    % {"n": localized_digits(SMALL_CELL)},
}


@dataclass
class ItemRow:
    item: SurveyItem
    fit: estimator.DidFit | None = None
    status: str = "ok"  # ok | no_data | suppressed
    reason: str = ""

    @property
    def message(self) -> str:
        return ITEM_MESSAGES[self.reason]() if self.reason else ""

    def points(self, value: float | None) -> str:
        from mahalleh.evaluation.templatetags.evaluation import isolated
        from mahalleh.evaluation.templatetags.evaluation import localized_digits as digits

        if value is None:
            return "—"
        return isolated(digits(f"{value * 100:.1f}".replace("-", "−")))

    @property
    def sentence(self) -> str:
        if self.fit is None:
            return ""
        f = self.fit
        params = {
            "item": self.item.name,
            "points": self.points(abs(f.estimate)),
            "low": self.points(f.ci_low),
            "high": self.points(f.ci_high),
        }
        if f.estimate >= 0:
            text = (
                _(
                    "%(item)s rose %(points)s points more in target neighbourhoods than in comparison ones; "
                    "95%% CI %(low)s to %(high)s."
                )
                % params
            )
        else:
            text = (
                _(
                    "%(item)s fell %(points)s points more in target neighbourhoods than in comparison ones; "
                    "95%% CI %(low)s to %(high)s."
                )
                % params
            )
        if f.p_value >= 0.05:
            text += " " + _("The difference could be chance (the interval includes zero).")
        return text


@dataclass
class Evaluation:
    rounds: list[SurveyRound]
    rows: list[ItemRow] = field(default_factory=list)
    clusters: int = 0
    target_clusters: int = 0
    respondents: int = 0
    draws: int = estimator.DRAWS
    method: str = estimator.METHOD

    @property
    def few_clusters(self) -> bool:
        return self.clusters < estimator.MIN_CLUSTERS_WARNING


def _event_times(rounds: list[SurveyRound]) -> dict[int, int]:
    """Round id → rounds since the last baseline of its province (0 = the last baseline)."""
    out: dict[int, int] = {}
    by_province: dict[int, list[SurveyRound]] = {}
    for r in rounds:
        by_province.setdefault(r.province_id, []).append(r)
    for group in by_province.values():
        group.sort(key=lambda r: (r.held_on, r.pk))
        baselines = [i for i, r in enumerate(group) if r.kind == SurveyRound.Kind.BASELINE]
        if not baselines:
            continue
        ref = baselines[-1]
        for i, r in enumerate(group):
            if r.kind == SurveyRound.Kind.FOLLOW_UP and i < ref:
                continue  # a follow-up before the baseline is not part of the design
            out[r.pk] = i - ref
    return out


def _labels(rounds: list[SurveyRound], times: dict[int, int]) -> dict[int, str]:
    labels: dict[int, list[str]] = {}
    for r in rounds:
        if r.pk in times:
            labels.setdefault(times[r.pk], []).append(format_jalali(r.held_on, persian_digits=False))
    return {t: "، ".join(v) for t, v in labels.items()}


def _fingerprint(responses, province_key: str, draws: int, items: list[SurveyItem]) -> str:
    agg = responses.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    raw = f"{province_key}|{draws}|{agg['n']}|{agg['last']}|{agg['top']}|{','.join(i.code for i in items)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def evaluation_run(*, user, province=None, draws: int = estimator.DRAWS, seed: int = 12, use_cache=True):
    """The evaluation the user may see for a province (``None``: the nation). Raises
    :class:`EvaluationError` when no estimate can be made at all."""
    if not estimator.available():
        raise EvaluationError("missing_library", MESSAGES["missing_library"]())
    rounds = list(evaluation_rounds(user=user, province=province).order_by("held_on", "pk"))
    if not rounds:
        raise EvaluationError("no_rounds", MESSAGES["no_rounds"]())
    responses = evaluation_responses(user=user, province=province)
    answered = set(responses.values_list("round_id", flat=True).distinct())
    rounds = [r for r in rounds if r.pk in answered]
    if not any(r.kind == SurveyRound.Kind.BASELINE for r in rounds):
        raise EvaluationError("no_baseline", MESSAGES["no_baseline"]())
    times = _event_times(rounds)
    if not any(t > 0 for t in times.values()):
        raise EvaluationError("no_follow_up", MESSAGES["no_follow_up"]())
    items = survey_items()
    key = "evaluation:" + _fingerprint(responses, str(getattr(province, "pk", "nation")), draws, items)
    cached = cache.get(key) if use_cache else None
    if cached is None:
        cached = _compute(responses, rounds, times, items, draws=draws, seed=seed)
        if use_cache:
            cache.set(key, cached, CACHE_SECONDS)
    return _shown(cached, rounds=rounds, user=user, items=items)


def response_frame(responses, times: dict[int, int]):
    """One pandas row per answer, with the columns the outcomes need and the design columns."""
    import pandas as pd

    kinds = dict(Neighbourhood.objects.values_list("pk", "kind"))
    columns = ["round_id", "neighbourhood_id", "age", *SurveyResponse.ANSWER_FIELDS]
    rows = list(responses.filter(round_id__in=list(times)).values_list(*columns))
    frame = pd.DataFrame(rows, columns=columns)
    frame["treated"] = [int(kinds.get(n) == Neighbourhood.Kind.TARGET) for n in frame["neighbourhood_id"]]
    frame["event_time"] = frame["round_id"].map(times).astype(int)
    frame["cluster"] = frame["neighbourhood_id"].astype("int64")
    frame["period"] = frame["round_id"].astype("int64")
    return frame


def item_outcomes(frame, item: SurveyItem):
    """The item's 0/1 outcome per answer (None outside its population)."""
    from types import SimpleNamespace

    columns = ["age", "in_school", "works", "employment", "job_training", "insured", "harms"]
    return [
        item.outcome(SimpleNamespace(**dict(zip(columns, values, strict=True))))
        for values in frame[columns].itertuples(index=False, name=None)
    ]


def _compute(responses, rounds, times, items, *, draws: int, seed: int) -> dict:
    frame = response_frame(responses, times)
    if not frame["treated"].any():
        raise EvaluationError("no_target", MESSAGES["no_target"]())
    if frame["treated"].all():
        raise EvaluationError("no_comparison", MESSAGES["no_comparison"]())
    labels = _labels(rounds, times)
    out = {
        "clusters": int(frame["cluster"].nunique()),
        "target_clusters": int(frame.loc[frame["treated"] == 1, "cluster"].nunique()),
        "respondents": int(len(frame)),
        "rows": {},
    }
    for item in items:
        frame["y"] = item_outcomes(frame, item)
        part = frame[frame["y"].notna()][["y", "cluster", "period", "treated", "event_time"]]
        try:
            out["rows"][item.code] = ("ok", estimator.did(part, draws=draws, seed=seed, labels=labels))
        except estimator.EstimationError as exc:
            out["rows"][item.code] = ("no_data", exc.code)
    return out


def _shown(computed: dict, *, rounds, user, items) -> Evaluation:
    result = Evaluation(
        rounds=rounds,
        clusters=computed["clusters"],
        target_clusters=computed["target_clusters"],
        respondents=computed["respondents"],
    )
    hide_small = is_aggregate_only(user)
    for item in items:
        status, value = computed["rows"].get(item.code, ("no_data", "empty_cell"))
        if status != "ok":
            result.rows.append(ItemRow(item=item, status="no_data", reason=value))
            continue
        if hide_small and any(cell.n < SMALL_CELL for cell in value.table.values()):
            result.rows.append(ItemRow(item=item, status="suppressed", reason="suppressed"))
            continue
        result.rows.append(ItemRow(item=item, fit=value))
    return result
