"""Difference-in-differences on person-level survey outcomes (DESIGN §8), through libraries.

The statistics are statsmodels' and wildboottest's; this module only lays out the data:

* **Point estimate and clustered SE**: statsmodels OLS of the outcome on treated×post with
  neighbourhood and round dummies (two-way fixed effects), CRV1 standard errors clustered by
  neighbourhood.
* **Inference**: wildboottest's wild cluster bootstrap (``WildboottestCL``) with Webb weights,
  clustered by neighbourhood, unrestricted (WCU, type 11). Its bootstrap-t distribution does not
  depend on the hypothesised value, so inverting its test is closed-form: the 95% interval is
  β̂ ± c·se where c is the bootstrap's 95th percentile of |t*|, and the p-value is the share of
  |t*| above |t|. Interval and p-value therefore always agree (0 is outside the interval exactly
  when p < 0.05). A restricted (WCR) interval would need one bootstrap per trial value, and
  wildboottest compiles its numba kernel on every run (~0.3–0.5 s), too slow for a page.
* **Event study**: statsmodels OLS with treated × event-time dummies (the last baseline round is
  the reference), clustered SEs with t(G−1) intervals.
* **2×2 table**: plain means of target/comparison × baseline/latest round.

Without the optional ``evaluation`` extra installed, :func:`available` is False and callers say
what to install instead of failing.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from dataclasses import dataclass, field

MIN_CLUSTERS_WARNING = 10
DRAWS = 999
WEIGHTS = "webb"
METHOD = "wild cluster bootstrap (WCU, Webb weights)"
INSTALL_HINT = "pip install 'mahalleh[evaluation]'"


def available() -> bool:
    try:
        import statsmodels.api  # noqa: F401
        import wildboottest.wildboottest  # noqa: F401
    except ImportError:
        return False
    return True


class EstimationError(Exception):
    """The data cannot support an estimate; ``code`` says why (see views/messages)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Cell:
    n: int
    mean: float | None


@dataclass
class EventPoint:
    event_time: int  # rounds relative to the last baseline (0 is the reference)
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    reference: bool = False


@dataclass
class DidFit:
    estimate: float
    se_clustered: float
    p_clustered: float
    ci_low: float
    ci_high: float
    p_value: float
    draws: int
    clusters: int
    treated_clusters: int
    n: int
    method: str = METHOD
    table: dict[str, Cell] = field(default_factory=dict)  # keys: target_base, target_latest, ...
    did_means: float | None = None
    event: list[EventPoint] = field(default_factory=list)

    @property
    def few_clusters(self) -> bool:
        return self.clusters < MIN_CLUSTERS_WARNING


def _design(frame, columns):
    """[const, columns…, neighbourhood dummies, round dummies] (first level of each dropped)."""
    import numpy as np
    import pandas as pd

    fe = pd.get_dummies(frame[["cluster", "period"]].astype("category"), drop_first=True, dtype=float)
    x = pd.concat([frame[columns].astype(float), fe], axis=1)
    x.insert(0, "const", 1.0)
    return x, np.asarray(frame["y"], dtype=float)


def two_by_two(frame) -> tuple[dict[str, Cell], float | None]:
    """Means of the outcome by group (target/comparison) in the last baseline and the latest round."""
    out: dict[str, Cell] = {}
    base = frame[frame["event_time"] == 0]
    latest = frame[frame["event_time"] == frame["event_time"].max()]
    for group, treated in (("target", 1), ("comparison", 0)):
        for when, part in (("base", base), ("latest", latest)):
            values = part.loc[part["treated"] == treated, "y"]
            out[f"{group}_{when}"] = Cell(
                n=int(values.size), mean=float(values.mean()) if values.size else None
            )
    means = [out[k].mean for k in ("target_latest", "target_base", "comparison_latest", "comparison_base")]
    if any(m is None for m in means):
        return out, None
    return out, (means[0] - means[1]) - (means[2] - means[3])


def twfe(frame):
    """The statsmodels fit of y on treated×post with neighbourhood and round fixed effects."""
    import statsmodels.api as sm

    x, y = _design(frame, ["treated_post"])
    groups = frame["cluster"].to_numpy()
    return sm.OLS(y, x).fit(method="qr", cov_type="cluster", cov_kwds={"groups": groups}, use_t=True), x, y


def _event_study(frame, labels: dict[int, str]) -> list[EventPoint]:
    import numpy as np
    import statsmodels.api as sm

    times = sorted(t for t in frame["event_time"].unique() if t != 0)
    if not times:
        return []
    frame = frame.copy()
    names = []
    for t in times:
        name = f"ev_{'m' if t < 0 else 'p'}{abs(t)}"
        frame[name] = ((frame["event_time"] == t) & (frame["treated"] == 1)).astype(float)
        names.append(name)
    x, y = _design(frame, names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.OLS(y, x).fit(
            method="qr", cov_type="cluster", cov_kwds={"groups": frame["cluster"].to_numpy()}, use_t=True
        )
        ci = fit.conf_int(alpha=0.05)
    points = [EventPoint(0, labels.get(0, ""), 0.0, 0.0, 0.0, reference=True)]
    for t, name in zip(times, names, strict=True):
        estimate = float(fit.params[name])
        low, high = float(ci.loc[name, 0]), float(ci.loc[name, 1])
        if not (np.isfinite(low) and np.isfinite(high)):  # no spread to measure: a point, no whisker
            low = high = estimate
        points.append(EventPoint(t, labels.get(t, ""), estimate, low, high))
    return sorted(points, key=lambda p: p.event_time)


# wildboottest defines its numba kernel inside the method, so numba compiles it again on every
# run: 0.3 s on an idle machine, 3 s on a busy one, against ~0.1 s for running the same loop in
# the interpreter at 15 clusters and 999 draws. The loop costs draws × clusters², so small
# problems (a province) run interpreted and large ones (the nation) pay for the compile.
INTERPRETED_LIMIT = 1_000_000
_NUMBA_LOCK = threading.Lock()


@contextlib.contextmanager
def _kernel(*, interpreted: bool):
    """numba's documented DISABLE_JIT switch, read by @njit when it decorates (per run here)."""
    if not interpreted:
        yield
        return
    from numba.core import config

    with _NUMBA_LOCK:
        before = config.DISABLE_JIT
        config.DISABLE_JIT = True
        try:
            yield
        finally:
            config.DISABLE_JIT = before


def wild_bootstrap(x, y, clusters, *, column: str, draws: int, seed: int, bootstrap_type: str = "11"):
    """(p-value, 95% CI half-width factor c, se) from wildboottest's WCU wild cluster bootstrap."""
    import numpy as np
    from wildboottest.wildboottest import WildboottestCL

    r = np.zeros(x.shape[1])
    r[list(x.columns).index(column)] = 1.0
    clusters_n = len(np.unique(clusters))
    with warnings.catch_warnings(), _kernel(interpreted=draws * clusters_n**2 <= INTERPRETED_LIMIT):
        warnings.simplefilter("ignore")
        boot = WildboottestCL(X=x.to_numpy(), Y=y, cluster=clusters, R=r, B=draws, seed=seed, parallel=False)
        boot.get_scores(bootstrap_type=bootstrap_type, impose_null=False)
        boot.get_weights(weights_type=WEIGHTS)
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
        boot.get_pvalue(pval_type="two-tailed")
    se = float(np.sqrt(boot.ssc * r @ boot.vcov @ r))
    t_boot = np.abs(np.asarray(boot.t_boot, dtype=float).ravel())
    critical = float(np.quantile(t_boot, 0.95))
    return float(np.asarray(boot.pvalue).ravel()[0]), critical, se


def did(
    frame,
    *,
    draws: int = DRAWS,
    seed: int = 12,
    labels: dict[int, str] | None = None,
    event_study: bool = True,
    bootstrap_type: str = "11",
) -> DidFit:
    """Estimate one outcome. ``frame`` (pandas) has one row per respondent and round with columns
    ``y`` (0/1 or numeric), ``cluster`` (neighbourhood, integer codes), ``period`` (round, integer
    codes), ``treated`` (1 in target neighbourhoods), ``event_time`` (rounds since the last
    baseline: ≤ 0 before, > 0 after)."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these matrices are small (N × ~20), and on a busy 2-core server a
    # multi-threaded QR of them was 5× slower than a single-threaded one (measured).
    with threadpool_limits(limits=1, user_api="blas"):
        return _did(
            frame,
            draws=draws,
            seed=seed,
            labels=labels,
            event_study=event_study,
            bootstrap_type=bootstrap_type,
        )


def _did(frame, *, draws, seed, labels, event_study, bootstrap_type) -> DidFit:
    import numpy as np

    frame = frame.reset_index(drop=True)
    frame["cluster"] = frame["cluster"].astype("int64")
    frame["post"] = (frame["event_time"] > 0).astype(int)
    frame["treated_post"] = frame["treated"] * frame["post"]
    if not frame["post"].any():
        raise EstimationError("no_follow_up")
    if frame["post"].all():
        raise EstimationError("no_baseline")
    cells = frame.groupby(["treated", "post"]).size()
    if len(cells) < 4:
        raise EstimationError("empty_cell")
    clusters = int(frame["cluster"].nunique())
    if clusters < 3:
        raise EstimationError("too_few_clusters")
    if frame["y"].nunique() < 2:
        raise EstimationError("singular")  # everyone answered alike: nothing to estimate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit, x, y = twfe(frame)
        se_clustered, p_clustered = float(fit.bse["treated_post"]), float(fit.pvalues["treated_post"])
    estimate = float(fit.params["treated_post"])
    p_value, critical, se = wild_bootstrap(
        x,
        y,
        frame["cluster"].to_numpy(),
        column="treated_post",
        draws=draws,
        seed=seed,
        bootstrap_type=bootstrap_type,
    )
    table, did_means = two_by_two(frame)
    return (
        DidFit(
            estimate=estimate,
            se_clustered=se_clustered,
            p_clustered=p_clustered,
            ci_low=estimate - critical * se,
            ci_high=estimate + critical * se,
            p_value=p_value,
            draws=draws,
            clusters=clusters,
            treated_clusters=int(frame.loc[frame["treated"] == 1, "cluster"].nunique()),
            n=int(len(frame)),
            table=table,
            did_means=did_means,
            event=_event_study(frame, labels or {}) if event_study else [],
        )
        if np.isfinite(estimate)
        else _raise("singular")
    )


def _raise(code):
    raise EstimationError(code)
