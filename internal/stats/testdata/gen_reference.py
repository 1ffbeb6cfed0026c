#!/usr/bin/env python3
"""Reference values for internal/stats (everything but KS, see gen_ks.py).

Made with Debian 12's python3-scipy 1.10.1 and python3-numpy 1.24.2:

    /usr/bin/python3 internal/stats/testdata/gen_reference.py > internal/stats/testdata/reference.json

Samples come from numpy.random.default_rng(20261126) and are stored in the JSON,
so the Go tests need no random generator of their own. Sources of truth:
- wasserstein: scipy.stats.wasserstein_distance
- jensenshannon: scipy.spatial.distance.jensenshannon (natural log)
- hellinger: no scipy function; numpy formula sqrt(sum((sqrt(p)-sqrt(q))**2))/sqrt(2)
  on p, q normalised to sum 1
- psi: Evidently's formula in numpy: proportions, empty bins filled as its
  get_binned_data(feel_zeroes=True) does, sum((r - c) * log(r / c))
- jensenshannon_base2: scipy.spatial.distance.jensenshannon(p, q, 2), as Evidently calls it
- chisquare: scipy.stats.chisquare(observed, expected)
- chi2_sf: scipy.stats.chi2.sf
- ztest: Evidently's two-proportion z statistic; p = 2 * scipy.stats.norm.sf(|z|)
- histogram: numpy.histogram_bin_edges and numpy.histogram
- std: numpy.std (ddof=0)
- bh: Benjamini-Hochberg adjusted p-values by the step-up formula in numpy
  (scipy 1.10 has no function for it; statsmodels' fdr_bh computes the same)
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance

rng = np.random.default_rng(20261126)
out = {"scipy": __import__("scipy").__version__, "numpy": np.__version__}


def samples():
    yield "normal 200 vs 300 shifted", rng.normal(0, 1, 200), rng.normal(0.3, 1.2, 300)
    yield "lognormal 1000 vs 1000", rng.lognormal(0, 0.5, 1000), rng.lognormal(0.1, 0.5, 1000)
    yield "integers with ties", rng.integers(0, 5, 500).astype(float), rng.integers(0, 6, 400).astype(float)
    yield "identical", np.arange(50, dtype=float), np.arange(50, dtype=float)
    yield "one each", np.array([1.0]), np.array([4.5])
    yield "constant vs constant", np.full(10, 2.0), np.full(7, 2.0)
    yield "disjoint", rng.uniform(0, 1, 100), rng.uniform(5, 6, 80)
    yield "larger", rng.normal(0, 1, 5000), rng.standard_t(5, 4000)


def counts():
    yield "small", np.array([10, 20, 30, 40.0]), np.array([15, 15, 30, 40.0])
    yield "with zeros", np.array([0, 5, 10, 0, 85.0]), np.array([3, 0, 12, 5, 80.0])
    yield "identical", np.array([1, 2, 3.0]), np.array([1, 2, 3.0])
    yield "disjoint", np.array([10, 0.0]), np.array([0, 10.0])
    yield "many bins", rng.integers(0, 1000, 40).astype(float), rng.integers(0, 1000, 40).astype(float)
    yield "unequal totals", np.array([1, 1, 1.0]), np.array([100, 300, 50.0])
    yield "tiny shares", np.array([1, 0, 2000000.0]), np.array([0, 5, 1000000.0])


def feel_zeroes(x):
    # Evidently's get_binned_data(..., feel_zeroes=True)
    x = x.copy()
    m = min(x[x != 0])
    np.place(x, x == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return x


def psi(r, c):
    r = feel_zeroes(r / r.sum())
    c = feel_zeroes(c / c.sum())
    return float(np.sum((r - c) * np.log(r / c)))


def hellinger(p, q):
    p = p / p.sum()
    q = q / q.sum()
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2))


pairs = list(samples())
# Sample pairs are stored once; the other sections refer to them by index.
out["samples"] = [{"name": n, "u": u.tolist(), "v": v.tolist()} for n, u, v in pairs]
out["wasserstein"] = [float(stats.wasserstein_distance(u, v)) for _, u, v in pairs]
out["std"] = [float(np.std(u)) for _, u, _ in pairs]
out["distributions"] = [
    {
        "name": n, "p": p.tolist(), "q": q.tolist(),
        "jensenshannon": float(distance.jensenshannon(p, q)),
        "jensenshannon_base2": float(distance.jensenshannon(p, q, 2)),
        "hellinger": hellinger(p, q),
        "psi": psi(p, q),
    }
    for n, p, q in counts()
]

chi = []
for n, obs, ref in counts():
    exp = ref / ref.sum() * obs.sum()
    if np.any(exp == 0):
        continue  # scipy gives inf; the caller drops empty reference categories
    r = stats.chisquare(obs, exp)
    chi.append({"name": n, "observed": obs.tolist(), "expected": exp.tolist(),
                "statistic": float(r.statistic), "p_value": float(r.pvalue)})
out["chisquare"] = chi
out["chi2_sf"] = [
    {"x": x, "df": df, "want": float(stats.chi2.sf(x, df))}
    for df in [1, 2, 3, 7, 10, 39, 100, 1000]
    for x in [0.001, 0.5, 1, 3.84, 10, 50, 200, 1500]
]

zt = []
for k1, n1, k2, n2 in [(50, 100, 50, 100), (30, 100, 50, 100), (1, 1000, 40, 1000),
                       (990, 1000, 900, 1000), (5, 10, 9, 10), (500000, 1000000, 499000, 1000000),
                       (0, 100, 30, 100)]:
    p1, p2 = k1 / n1, k2 / n2
    P = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    zt.append({"k1": k1, "n1": n1, "k2": k2, "n2": n2, "z": float(z), "p_value": float(2 * stats.norm.sf(abs(z)))})
out["ztest"] = zt

hist = []
for i, (n, u, v) in enumerate(pairs):
    both = np.concatenate([u, v])
    for bins in ["sturges", 10, 30]:
        edges = np.histogram_bin_edges(both, bins=bins)
        hist.append({"sample": i, "bins": bins,
                     "edges": edges.tolist(),
                     "u_counts": np.histogram(u, edges)[0].astype(float).tolist(),
                     "v_counts": np.histogram(v, edges)[0].astype(float).tolist()})
out["histogram"] = hist

def bh(ps):
    ps = np.asarray(ps, dtype=float)
    m = len(ps)
    o = np.argsort(ps, kind="stable")
    q = ps[o] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(q[::-1])[::-1]
    r = np.empty(m)
    r[o] = np.minimum(q, 1)
    return r.tolist()


bh_cases = [[0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04, 0.9], [0.05], [1.0, 1.0], rng.random(30).tolist(),
            (rng.random(20) ** 4).tolist()]
out["bh"] = [{"p": list(map(float, c)), "want": bh(c)} for c in bh_cases]

json.dump(out, sys.stdout, separators=(",", ":"))
