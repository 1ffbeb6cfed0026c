#!/usr/bin/python3
"""Reference values for the Kolmogorov-Smirnov port in ../ks.go and
../kolmogorov.go.

Run from the repository root with the interpreter that has the reference
scipy (Debian's python3-scipy 1.10.1 with numpy 1.24.2):

    /usr/bin/python3 internal/stats/testdata/gen_ks.py

It (re)writes internal/stats/testdata/ks_reference.json, which
ks_test.go reads (about a minute; the output is byte-for-byte the same on
every run). Randomness is numpy.random.default_rng(SEED + k) with
SEED = 20240601: k is the case index for the ks_2samp samples, k = 1000 for
the random part of the kstwo grid and k = 2000 for the smirnov grid. The
ks_2samp input arrays are stored in the JSON, rounded to 6 decimals (or
integers) so that they print short and parse back to the same doubles in
Go.

Sections of the JSON:

* ks_2samp: scipy.stats.ks_2samp(a, b) with the defaults
  (alternative='two-sided', method='auto'): statistic, pvalue, and
  whether the p-value is exact (both sizes <= 10000 and no "Exact
  calculation unsuccessful" warning, i.e. no fallback to the asymptotic
  distribution).
* kstwo_sf: scipy.stats.kstwo.sf(d, n) on a grid that reaches every branch
  of scipy.stats._ksstats._kolmogn (the branch is recorded as "branch").
* smirnov: scipy.special.smirnov(n, d) on a grid over n = 1 .. 10**7.
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import special, stats

SEED = 20240601
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ks_reference.json")


def rng(i):
    return np.random.default_rng(SEED + i)


def r6(x):
    """Round to 6 decimals (keeps the JSON small; values stay doubles)."""
    return np.round(np.asarray(x, dtype=np.float64), 6)


def ks_cases():
    """(name, a, b) pairs covering scipy's code paths."""
    cases = []

    def add(name, a, b):
        cases.append((name, np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))

    i = 0

    def g():
        nonlocal i
        i += 1
        return rng(i)

    # Equal sizes (exact: _compute_prob_outside_square).
    for n, shift in [(2, 0), (5, 0), (10, 0.5), (25, 0), (50, 0.3), (100, 0),
                     (100, 0.4), (500, 0.1), (1000, 0), (3000, 0.05)]:
        r = g()
        add(f"equal_{n}_shift{shift}", r6(r.standard_normal(n)), r6(r.standard_normal(n) + shift))
    # Unequal sizes, gcd 1 or small (exact: _compute_outer_prob_inside_method).
    for n1, n2, shift in [(2, 3, 0), (3, 7, 0), (7, 11, 0.5), (13, 29, 0), (100, 101, 0.2),
                          (250, 37, 0), (997, 1009, 0.1), (3001, 2999, 0),
                          (10000, 4321, 0)]:
        r = g()
        add(f"unequal_{n1}_{n2}_shift{shift}", r6(r.standard_normal(n1)),
            r6(r.standard_normal(n2) + shift))
    # Unequal sizes with a large gcd.
    for n1, n2, shift in [(60, 90, 0), (200, 300, 0.3), (1000, 1500, 0), (2500, 5000, 0.1),
                          (4000, 6000, 0), (400, 8000, 0.2)]:
        r = g()
        add(f"gcd_{n1}_{n2}_shift{shift}", r6(r.standard_normal(n1)),
            r6(r.standard_normal(n2) + shift))
    # Other shapes: heavy tails, uniform vs normal, scale change.
    r = g()
    add("cauchy_vs_normal_300_200", r6(r.standard_cauchy(300)), r6(r.standard_normal(200)))
    r = g()
    add("uniform_vs_normal_100_110", r6(r.uniform(size=100)), r6(r.standard_normal(110)))
    r = g()
    add("scale_1_vs_2_800_600", r6(r.standard_normal(800)), r6(2 * r.standard_normal(600)))
    # Asymptotic path: a size above 10000.
    for n1, n2, shift in [(12000, 9000, 0), (20000, 20000, 0.02), (10001, 500, 0),
                          (10500, 10, 0.5), (15000, 7, 0)]:
        r = g()
        add(f"asymp_{n1}_{n2}_shift{shift}", r6(r.standard_normal(n1)),
            r6(r.standard_normal(n2) + shift))
    # Heavy ties.
    r = g()
    add("ties_poisson_200_300", r.poisson(3, 200), r.poisson(3.2, 300))
    r = g()
    add("ties_poisson_equal_400", r.poisson(5, 400), r.poisson(5, 400))
    r = g()
    add("ties_binary_50_70", r.integers(0, 2, 50), r.integers(0, 2, 70))
    r = g()
    add("ties_int_10400_700", r.integers(0, 20, 10400), r.integers(0, 20, 700))
    r = g()
    add("ties_rounded_1000_900", np.round(r.standard_normal(1000), 1),
        np.round(r.standard_normal(900), 1))
    r = g()
    add("constant_vs_normal_40_60", np.full(40, 0.25), r6(r.standard_normal(60)))
    add("constant_same_30_20", np.full(30, 1.5), np.full(20, 1.5))
    add("constant_different_30_20", np.full(30, 1.5), np.full(20, 2.5))
    r = g()
    add("extremes_50_60", np.concatenate([[-1e300, 1e300], r6(r.standard_normal(48))]),
        np.concatenate([[1e300], r6(r.standard_normal(59))]))
    # Identical samples: statistic 0, p-value 1.
    for n in [1, 17, 1000, 2000]:
        r = g()
        x = r6(r.standard_normal(n))
        add(f"identical_{n}", x, r.permutation(x))
    # Fully separated samples: statistic 1, tiny p-values.
    for n1, n2 in [(3, 4), (10, 10), (30, 40), (100, 100), (171, 171), (500, 700),
                   (1000, 1000), (10001, 300)]:
        r = g()
        add(f"separated_{n1}_{n2}", r6(r.uniform(size=n1)), r6(r.uniform(size=n2) + 2))
    # Samples of size 1.
    for n1, n2 in [(1, 1), (1, 10), (1, 500), (20, 1), (1, 10001)]:
        r = g()
        add(f"single_{n1}_{n2}", r6(r.standard_normal(n1)), r6(r.standard_normal(n2)))
    # Interleaved equal samples: D = 1/n, where scipy's exact two-sided
    # probability for some n comes out as 1+ulp and it falls back to the
    # asymptotic distribution.
    for n in [2, 4, 5, 7, 13, 30, 60, 69, 100]:
        add(f"interleaved_{n}", np.arange(n) * 2.0, np.arange(n) * 2.0 + 1)
    # Shifted copies: large D with ties between the samples.
    r = g()
    x = r6(r.standard_normal(300))
    add("shifted_copy_300", x, x + 0.5)
    return cases


def ks_section():
    out = []
    for name, a, b in ks_cases():
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            res = stats.ks_2samp(a, b)
        fallback = any("Exact calculation unsuccessful" in str(x.message) for x in w)
        exact = max(len(a), len(b)) <= 10000 and not fallback

        def tolist(x):
            if np.all(np.isfinite(x)) and np.all(x == np.round(x)) and np.all(np.abs(x) < 2**53):
                return [int(v) for v in x]
            return [float(v) for v in x]

        out.append({
            "name": name,
            "a": tolist(a),
            "b": tolist(b),
            "statistic": float(res.statistic),
            "pvalue": float(res.pvalue),
            "exact": bool(exact),
        })
    return out


def kolmogn_branch(n, x):
    """The branch scipy.stats._ksstats._kolmogn takes for the SF."""
    if x >= 1.0:
        return "x>=1"
    if x <= 0.5 / n:
        return "x<=0.5/n"
    t = n * x
    if t <= 1.0:
        return "ruben_gambino_low_n<=140" if n <= 140 else "ruben_gambino_low_stirling"
    if t >= n - 1:
        return "ruben_gambino_high"
    if x >= 0.5:
        return "x>=0.5_smirnov"
    nxsquared = t * x
    if n <= 140:
        if nxsquared <= 0.754693:
            return "n<=140_dmtw"
        if nxsquared <= 4:
            return "n<=140_pomeranz"
        return "n<=140_smirnov"
    if nxsquared >= 370.0:
        return "nx2>=370_zero"
    if nxsquared >= 2.2:
        return "nx2>=2.2_smirnov"
    if n <= 100000 and n * x**1.5 <= 1.4:
        return "n>140_dmtw"
    return "pelzgood_n>100000" if n > 100000 else "pelzgood"


def expensive_smirnov(n, d):
    """Whether smirnov(n, d) sums many terms (takes over ~0.05 s)."""
    return (10000 < n <= 1000000 and 1.0 / n < d < 1 - 1.0 / n
            and -2 * n * d * d >= -745.1332191019412)


def expensive_kstwo(n, d):
    return "smirnov" in kolmogn_branch(n, d) and expensive_smirnov(n, d)


def kstwo_section():
    pts = set()
    ns = [1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 20, 31, 50, 64, 99, 100, 128, 139, 140, 141,
          150, 200, 333, 500, 1000, 2000, 5000, 10000, 25000, 50000, 99999, 100000,
          100001, 200000, 500000, 1000000, 3000000]
    zs = [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.868, 0.9, 1.0, 1.1,
          1.2, 1.3, 1.4, 1.483, 1.5, 1.7, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 19.0, 20.0]
    for n in ns:
        for z in zs:
            d = z / math.sqrt(n)
            if 0 < d < 1:
                pts.add((n, d))
        for t in [0.3, 0.5, 0.5000001, 0.6, 0.75, 0.9, 0.999, 1.0, 1.0000001, 1.5, 2.0, 2.5]:
            d = t / n
            if 0 < d <= 1:
                pts.add((n, d))
        for d in [1 - 1.0 / n, 1 - 0.5 / n, 1 - 1.5 / n, (n - 1.0) / n, 0.5, 0.500001,
                  0.6, 0.75, 0.9, 0.99, 0.499, 0.45, 0.3, 0.25, 0.1, 0.05, 0.01, 1.0,
                  math.sqrt(0.754693 / n), math.sqrt(0.754694 / n), math.sqrt(4.0 / n),
                  math.sqrt(4.000001 / n), math.sqrt(2.2 / n), math.sqrt(2.19999 / n),
                  math.sqrt(370.0 / n), math.sqrt(369.99 / n), (1.4 / n) ** (2 / 3),
                  (1.4001 / n) ** (2 / 3)]:
            if 0 < d <= 1:
                pts.add((n, d))
    r = rng(1000)
    for _ in range(400):
        n = int(r.integers(1, 300))
        pts.add((n, float(r.uniform(0, 1))))
        pts.add((n, float(r.uniform(0, 2.5 / math.sqrt(n)))))
    for _ in range(100):
        n = int(r.integers(141, 20000))
        pts.add((n, float(r.uniform(0, 2.5 / math.sqrt(n)))))
    # smirnov(n, d) sums about n terms for 10000 < n <= 10**6 (a second
    # for n = 10**6, in scipy as in Go): keep only a few such points.
    pts = {(n, d) for n, d in pts if not expensive_kstwo(n, d)}
    for n, z in [(25000, 1.5), (50000, 5.0), (100000, 3.0), (200000, 2.0), (1000000, 1.6)]:
        pts.add((n, z / math.sqrt(n)))
    out = []
    for n, d in sorted(pts):
        out.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n)),
                    "branch": kolmogn_branch(n, d)})
    return out


def smirnov_section():
    pts = set()
    ns = [1, 2, 3, 4, 5, 8, 9, 10, 11, 20, 50, 100, 141, 500, 1000, 1012, 1013, 2000,
          5000, 10000, 100000, 1000000, 1000001, 2000000, 10000000]
    for n in ns:
        ds = [0.0, 1e-12, 1e-6, 0.5 / n, 1.0 / n, 1.0 / n + 1e-15, 1.0 / n - 1e-15,
              1.5 / n, 2.0 / n, 3.0 / n, 0.5 / math.sqrt(n), 1.0 / math.sqrt(n),
              2.0 / math.sqrt(n), 4.0 / math.sqrt(n), 10.0 / math.sqrt(n),
              19.3 / math.sqrt(n), 19.31 / math.sqrt(n), 1 - 1.0 / n, 1 - 0.5 / n,
              1 - 2.0 / n, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0]
        for z in np.linspace(0.05, 3.0, 25 if n < 2000 else 10):
            ds.append(float(z) / math.sqrt(n))
        for d in ds:
            if 0 <= d <= 1:
                pts.add((n, float(d)))
    r = rng(2000)
    for _ in range(300):
        n = int(r.integers(1, 3000))
        pts.add((n, float(r.uniform(0, 1))))
        pts.add((n, float(r.uniform(0, 3 / math.sqrt(n)))))
    # As in kstwo_section, few points that sum about n terms for large n.
    pts = {(n, d) for n, d in pts if not expensive_smirnov(n, d)}
    # (kstwo_section has n = 10**6.)
    for n, z in [(20000, 1.0), (100000, 0.5), (100000, 2.0), (100000, 4.0)]:
        pts.add((n, z / math.sqrt(n)))
    out = []
    for n, d in sorted(pts):
        out.append({"n": n, "d": d, "sf": float(special.smirnov(n, d))})
    return out


def main():
    doc = {
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "seed": SEED,
        "ks_2samp": ks_section(),
        "kstwo_sf": kstwo_section(),
        "smirnov": smirnov_section(),
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
