"""The quotable answer of estimate_bits: its three regimes, their thresholds, the unbounded
interval, the calibration it reads, and the one JSON convention.

Samples come from known laws (a scaled noncentral chi-square, a two-weight generalized
chi-square), whose exact bits are the truth.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from ibcomplexity._json import jsonable, number
from ibcomplexity.distributions import GeneralizedChiSquare
from ibcomplexity.distributions.noncentral_chi2 import ncx2_log_cdf
from ibcomplexity.estimate import estimate_bits, estimate_bits_at
from ibcomplexity.estimate.calibration import CALIBRATION_FILE, calibration, resolvable_bits
from ibcomplexity.estimate.loss_fit import _choose, _Models

ROOT = Path(__file__).resolve().parents[2]
K, NC, SCALE = 30.0, 10.0, 0.01


def truth(eps):
    return -float(ncx2_log_cdf(eps, K, NC, SCALE)) / math.log(2.0)


def sample(seed, size):
    return stats.ncx2.rvs(K, NC, scale=SCALE, size=size, random_state=seed)


def test_the_shipped_calibration_is_complete_and_measured():
    cal = calibration()
    assert cal.empirical_min_count >= 2 and cal.min_extrapolation_samples >= 20
    assert cal.widen_low >= 0 and cal.widen_high >= 0 and cal.confidence == 0.95
    assert "python experiments/sampled_coverage.py" in cal.source
    # the calibration grid is not the validation grid
    cal_tasks = {t["name"] for t in cal.calibration["tasks"]}
    val_tasks = {t["name"] for t in cal.validation["tasks"]}
    assert cal_tasks and val_tasks and not cal_tasks & val_tasks
    assert cal.validation["min_coverage_finite"] >= 0.90
    assert resolvable_bits(1000) == pytest.approx(math.log2(1000 / cal.empirical_min_count))
    assert "experiments/sampled_coverage.py" in cal.coverage_summary()


def test_the_empirical_threshold_is_the_measured_one():
    """c_min is the smallest count whose empirical headline is within 1% (exact binomial
    computation of the experiment), not a chosen number."""
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        import sampled_coverage
    finally:
        sys.path.pop(0)
    assert sampled_coverage.empirical_threshold() == calibration().empirical_min_count
    bias = sampled_coverage.boundary_bias(calibration().empirical_min_count)
    for s in ("10000", "100000", "1000000"):
        assert abs(bias[s]["expected"]) <= 0.01
        # choosing the regime by the observed count would select lucky samples: biased low
        assert bias[s]["observed"] < -abs(bias[s]["expected"])


def test_empirical_regime_quotes_the_count_and_its_exact_interval():
    x = sample(0, 5000)
    eps = float(stats.ncx2.ppf(0.01, K, NC, scale=SCALE))  # ~50 expected below
    est = estimate_bits(x, eps, bootstrap=40, seed=0)
    assert est.regime == "empirical" and est.message.startswith("empirical")
    c = est.count_below
    assert est.bits == pytest.approx(-math.log2(c / 5000))
    ci = stats.binomtest(c, 5000).proportion_ci(confidence_level=0.95, method="exact")
    assert est.ci_bits[0] == pytest.approx(-math.log2(ci.high), rel=1e-9)
    assert est.ci_bits[1] == pytest.approx(-math.log2(ci.low), rel=1e-9)
    assert est.ci_bits[0] <= truth(eps) <= est.ci_bits[1]
    assert est.extrapolation is None and est.lower_bound_bits is None


def test_extrapolated_regime_widens_the_models_interval_with_the_distance():
    x = sample(1, 3000)
    eps = [float(stats.ncx2.ppf(p, K, NC, scale=SCALE)) for p in (1e-5, 1e-9)]
    near, far = estimate_bits_at(x, eps, bootstrap=100, seed=1)
    cal = calibration()
    for est, e in ((near, eps[0]), (far, eps[1])):
        assert est.regime == "extrapolated" and est.count_below == 0
        lo, hi = est.ci_bits
        assert lo <= est.bits <= hi and math.isfinite(hi)
        assert est.bits == pytest.approx(math.sqrt(est.fit_bits * est.cumulant_bits), rel=1e-12)
        g = math.log(est.bits / est.resolvable_bits)
        assert est.extrapolation == pytest.approx(max(g, 0.0))
        m_lo, m_hi = est.models_ci_bits
        w_lo, w_hi = cal.widened(m_lo, m_hi, est.extrapolation)
        assert hi == pytest.approx(w_hi) and lo == pytest.approx(
            max(w_lo, est.empirical_ci_bits[0])
        )
        assert lo <= truth(e) <= hi
    assert far.extrapolation > near.extrapolation > 0
    # relative width grows with the distance extrapolated
    assert far.ci_bits[1] / far.ci_bits[0] > near.ci_bits[1] / near.ci_bits[0]


def test_lower_bound_regime_below_the_calibrated_sample_size():
    n = calibration().min_extrapolation_samples - 1
    x = sample(2, max(n, 20))
    eps = float(stats.ncx2.ppf(1e-6, K, NC, scale=SCALE))
    est = estimate_bits(x, eps, bootstrap=30)
    assert est.regime == "lower-bound" and est.bits is None and est.nats is None
    assert est.ci_bits[1] == math.inf and est.lower_bound_bits == est.ci_bits[0]
    assert est.ci_bits[0] == est.empirical_ci_bits[0]  # only the count's bound: no calibration
    assert est.ci_bits[0] <= truth(eps)
    assert "fewer than the" in est.message and "calibrated" in est.message
    d = est.as_dict()
    assert d["bits"] is None and d["ci_bits"][1] == "inf" and number(d["ci_bits"][1]) == math.inf
    json.dumps(d, allow_nan=False)  # strict JSON


def test_unbounded_models_give_a_lower_bound_not_a_number():
    """A model with no mass at the target makes the models' interval unbounded above: the answer
    is then a lower bound, never an extrapolated number with an infinite end."""
    m = _Models(40.0, (35.0, 46.0), 60.0, (50.0, math.inf), (35.0, math.inf))
    cal = calibration()
    n = 10_000
    emp = (math.log2(n / 3.7), math.inf)
    regime, bits, ci, g = _choose(m, 0, n, 1e-3, None, emp, cal, notes := [])
    assert regime == "lower-bound" and bits is None and ci[1] == math.inf
    assert ci[0] >= emp[0] and "unbounded above" in notes[0]


def test_models_that_contradict_the_count_are_overruled():
    cal = calibration()
    n = 10_000
    m = _Models(30.0, (28.0, 32.0), 31.0, (29.0, 33.0), (28.0, 33.0))  # expect ~1e-5 below
    # 40 losses below where the models expect none: the count decides (empirical)
    ci40 = (7.5, 8.7)
    regime, bits, ci, _ = _choose(m, 40, n, 1e-3, math.log2(n / 40), ci40, cal, notes := [])
    assert regime == "empirical" and ci == ci40 and "disagree" in notes[0]
    # 2 below: too few for a value, and the models are refuted: only the count's bound
    ci2 = (11.0, 15.0)
    regime, bits, ci, _ = _choose(m, 2, n, 1e-3, math.log2(n / 2), ci2, cal, notes := [])
    assert regime == "lower-bound" and ci == (11.0, math.inf) and "disagree" in notes[0]


def test_regime_is_chosen_by_the_expected_count():
    """Near the threshold, the same observed count gives empirical or extrapolated depending on
    what the models expect, not on the count itself."""
    cal = calibration()
    n, c_min = 10_000, cal.empirical_min_count
    expect = lambda mu: math.log2(n / mu)  # noqa: E731
    above = _Models(expect(2 * c_min), None, expect(2 * c_min), None, (9.0, 10.0))
    below = _Models(expect(c_min / 2), (9.5, 12.0), expect(c_min / 2), (9.5, 12.0), (9.5, 12.0))
    c = c_min  # the same count in both cases, consistent with either expectation
    emp = (9.0, 11.0)
    assert _choose(above, c, n, 1e-3, 10.0, emp, cal, [])[0] == "empirical"
    assert _choose(below, c, n, 1e-3, 10.0, emp, cal, [])[0] == "extrapolated"


def test_estimate_bits_at_equals_one_target_at_a_time():
    x = sample(3, 2000)
    eps = [0.2, 0.15, 0.1]
    many = estimate_bits_at(x, eps, bootstrap=30, seed=5)
    for e, est in zip(eps, many, strict=True):
        one = estimate_bits(x, e, bootstrap=30, seed=5)
        assert one.as_dict() == est.as_dict()


def test_the_experiment_reproduces_estimate_bits():
    """The coverage experiment applies the library's rule offline to recorded model intervals;
    that is exactly what estimate_bits quotes."""
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        import sampled_coverage
    finally:
        sys.path.pop(0)
    law = GeneralizedChiSquare([0.002, 0.01], [50.0, 10.0])
    rng = np.random.default_rng(4)
    x = 0.002 * rng.chisquare(50.0, 3000) + 0.01 * rng.chisquare(10.0, 3000)
    sd = math.sqrt(law.variance)
    targets = [law.mean - z * sd for z in (1, 2.5, 3.5)]
    for t, est in zip(targets, estimate_bits_at(x, targets, bootstrap=50, seed=2), strict=True):
        rec = dict(
            fit_bits=est.fit_bits,
            fit_ci=est.fit_ci_bits,
            cumulant_bits=est.cumulant_bits,
            cumulant_ci=est.cumulant_ci_bits,
            models_ci=est.models_ci_bits,
            count=est.count_below,
            S=est.num_samples,
            target=t,
            empirical_bits=est.empirical_bits,
            empirical_ci=est.empirical_ci_bits,
        )
        regime, bits, ci = sampled_coverage.apply_rule(rec, calibration())
        assert (regime, bits, ci) == (est.regime, est.bits, est.ci_bits)


def test_json_has_one_convention_for_infinity():
    assert jsonable({"a": math.inf, "b": -math.inf, "c": math.nan, "d": (1.0, np.float32(2))}) == {
        "a": "inf",
        "b": "-inf",
        "c": None,
        "d": [1.0, 2.0],
    }
    assert number("inf") == math.inf and number(None) is None and number(3) == 3.0
    with pytest.raises(ValueError):
        number("Infinity")
    assert json.loads(CALIBRATION_FILE.read_text())["source"]
