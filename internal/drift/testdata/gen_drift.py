#!/usr/bin/env python3
"""Reference results for internal/drift: Evidently's per-column drift logic.

Evidently is not installable here, so this script re-implements, line for line,
what its stattests do (evidently/calculations/stattests: registry.py
_get_default_stattest, utils.py get_binned_data, ks_stattest, chisquare_stattest,
z_stattest, wasserstein_distance_norm, psi, jensenshannon (base 2),
hellinger_distance) with pandas and scipy. Made with Debian 12's python3-scipy
1.10.1, python3-numpy 1.24.2 and python3-pandas 1.5.3:

    /usr/bin/python3 internal/drift/testdata/gen_drift.py > internal/drift/testdata/drift_reference.json

Columns come from numpy.random.default_rng(7) and are stored in the JSON.
The z-test p-value is 2 * norm.sf(|z|) (Evidently writes 2 * (1 - norm.cdf(|z|)),
which is the same number down to about 1e-16).
"""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

rng = np.random.default_rng(7)


def default_method(ref, cur, ftype):
    n_values = pd.concat([ref, cur]).nunique()
    if ref.shape[0] <= 1000:
        if ftype == "num" and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if ftype == "num" and n_values > 5:
        return "wasserstein"
    return "jensenshannon"


def binned(ref, cur, ftype, feel_zeroes):
    if ftype == "num" and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur], axis=0).values, bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.dropna().unique()) | set(cur.dropna().unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        rp = np.array([rd[k] / len(ref) for k in keys])
        cp = np.array([cd[k] / len(cur) for k in keys])
    if feel_zeroes:
        for a in (rp, cp):
            m = min(a[a != 0])
            np.place(a, a == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def score(ref, cur, ftype, method):
    if method == "ks":
        return float(stats.ks_2samp(ref, cur)[1])
    if method == "wasserstein":
        return float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001))
    if method == "chisquare":
        keys = list(set(ref.dropna().unique()) | set(cur.dropna().unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        k = cur.shape[0] / ref.shape[0]
        return float(stats.chisquare([cd[x] for x in keys], [rd[x] * k for x in keys])[1])
    if method == "z":
        if ref.nunique() == 1 and cur.nunique() == 1 and ref.unique()[0] == cur.unique()[0]:
            return 1.0
        first = sorted(set(ref.unique()) | set(cur.unique()))[0]
        r = ref.apply(lambda x: 0 if x == first else 1)
        c = cur.apply(lambda x: 0 if x == first else 1)
        n1, n2 = len(r), len(c)
        p1, p2 = r.sum() / n1, c.sum() / n2
        P = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
        return float(2 * stats.norm.sf(abs(z)))
    if method == "psi":
        rp, cp = binned(ref, cur, ftype, True)
        return float(np.sum((rp - cp) * np.log(rp / cp)))
    if method == "jensenshannon":
        rp, cp = binned(ref, cur, ftype, False)
        return float(distance.jensenshannon(rp, cp, 2))
    if method == "hellinger":
        keys = list(set(ref.unique()) | set(cur.unique()))
        if ftype == "cat":
            r = ref.value_counts() / len(ref)
            c = cur.value_counts() / len(cur)
            bc = sum(np.sqrt(r.get(k, 0) * c.get(k, 0)) for k in keys)
        else:
            bins = np.histogram_bin_edges(keys, bins="sturges")
            h1 = np.histogram(ref.values, bins=bins, density=True)[0]
            h2 = np.histogram(cur.values, bins=bins, density=True)[0]
            w = (max(keys) - min(keys)) / len(h1)
            bc = sum(np.sqrt(h1[i] * h2[i]) * w for i in range(len(h1)))
        return float(np.sqrt(1 - np.clip(bc, 0, 1)))
    raise ValueError(method)


P_VALUE = {"ks", "chisquare", "z"}
THRESH = {"ks": 0.05, "chisquare": 0.05, "z": 0.05, "wasserstein": 0.1, "psi": 0.1, "jensenshannon": 0.1, "hellinger": 0.1}


def columns():
    for n_ref, n_cur in [(300, 400), (5000, 3000)]:
        for shift in [0.0, 0.25]:
            tag = f"{n_ref}x{n_cur} shift {shift}"
            yield f"normal {tag}", "num", rng.normal(0, 1, n_ref), rng.normal(shift, 1, n_cur)
            yield f"lognormal {tag}", "num", rng.lognormal(0, 0.5, n_ref), rng.lognormal(shift, 0.5, n_cur)
            yield f"few values {tag}", "num", rng.integers(0, 4, n_ref).astype(float), (rng.integers(0, 4, n_cur) + (rng.random(n_cur) < shift)).astype(float)
            yield f"binary {tag}", "num", (rng.random(n_ref) < 0.3).astype(float), (rng.random(n_cur) < 0.3 + shift).astype(float)
            yield f"twelve values {tag}", "num", rng.integers(0, 12, n_ref).astype(float), (rng.integers(0, 12, n_cur) + np.round(shift * 4)).astype(float)
            p = np.arange(1, 9, dtype=float)[::-1]
            p /= p.sum()
            q = p[::-1] if shift else p
            levels = np.array([f"v{i}" for i in range(8)])
            yield f"categories {tag}", "cat", levels[rng.choice(8, n_ref, p=p)], levels[rng.choice(8, n_cur, p=q * 0.5 + p * 0.5)]
            yield f"two categories {tag}", "cat", np.where(rng.random(n_ref) < 0.5, "yes", "no"), np.where(rng.random(n_cur) < 0.5 + shift / 2, "yes", "no")
    yield "new category in current", "cat", np.array(["a"] * 50 + ["b"] * 50), np.array(["a"] * 40 + ["b"] * 40 + ["c"] * 20)
    yield "constant equal", "cat", np.array(["x"] * 30), np.array(["x"] * 20)


out = {"scipy": __import__("scipy").__version__, "pandas": pd.__version__, "columns": []}
for name, ftype, r, c in columns():
    ref, cur = pd.Series(r), pd.Series(c)
    col = {"name": name, "type": ftype, "default_method": default_method(ref, cur, ftype), "results": {}}
    if ftype == "num":
        col["ref"], col["cur"] = [float(x) for x in r], [float(x) for x in c]
    else:
        col["ref_cat"], col["cur_cat"] = [str(x) for x in r], [str(x) for x in c]
    methods = ["chisquare", "z", "psi", "jensenshannon", "hellinger"] + (["ks", "wasserstein"] if ftype == "num" else [])
    for m in methods:
        if m == "z" and pd.concat([ref, cur]).nunique() > 2:
            continue
        s = score(ref, cur, ftype, m)
        if not np.isfinite(s):
            continue
        drift = (s <= THRESH[m]) if m == "ks" else (s < THRESH[m]) if m in P_VALUE else (s >= THRESH[m])
        col["results"][m] = {"score": s, "drift": bool(drift)}
    out["columns"].append(col)
json.dump(out, sys.stdout, separators=(",", ":"))
