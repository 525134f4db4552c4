"""Simulated survey data with a known effect, for the estimator's tests and `make bench`."""

from __future__ import annotations


def simulated_frame(
    *, seed: int, effect: float, clusters: int = 15, treated: int = 10, rounds: int = 3, per_cell: int = 20
):
    """A person-level 0/1 outcome in ``clusters`` neighbourhoods (the first ``treated`` are
    target) over ``rounds`` rounds (round 0 the baseline), respondents drawn afresh each round.

    P(y = 1) = 0.45 + neighbourhood effect + round effect + neighbourhood×round shock
    + ``effect`` × target × after-baseline, so the true difference in differences is ``effect``
    (a linear probability model; the shares stay well inside 0–1)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(clusters), rounds * per_cell)
    t = np.tile(np.repeat(np.arange(rounds), per_cell), clusters)
    hood = rng.normal(0, 0.06, clusters)
    period = np.cumsum(rng.normal(0.02, 0.02, rounds))
    shock = rng.normal(0, 0.03, (clusters, rounds))
    is_treated = (g < treated).astype(int)
    p = 0.45 + hood[g] + period[t] + shock[g, t] + effect * is_treated * (t > 0)
    y = (rng.random(g.size) < np.clip(p, 0, 1)).astype(float)
    return pd.DataFrame(
        {"y": y, "cluster": g + 100, "period": t + 1000, "treated": is_treated, "event_time": t}
    )
