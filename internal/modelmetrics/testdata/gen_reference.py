#!/usr/bin/env python3
"""Reference values for internal/modelmetrics.

Made with Debian 12's python3-sklearn 1.2.1, python3-scipy 1.10.1 and
python3-numpy 1.24.2 (`apt-get install python3-sklearn`):

    /usr/bin/python3 internal/modelmetrics/testdata/gen_reference.py > internal/modelmetrics/testdata/reference.json

Inputs come from numpy.random.default_rng(20261127) and are stored in the JSON,
so the Go tests need no random generator of their own. Sources of truth:

- classification: sklearn.metrics accuracy_score, precision_score,
  recall_score, f1_score (average="binary" with pos_label for the binary
  cases, average="macro" for the multiclass ones; zero_division left at its
  default "warn", which scores an undefined ratio as 0), roc_auc_score on
  (y == positive, score), log_loss(y == positive, score, labels=[False, True])
  with its default eps="auto" (clip to [finfo(float64).eps, 1 - eps]; 1.2.1 no
  longer clips at 1e-15).
- multiclass_proba (models that output a probability per class; the rows
  are stored in the model's class order, which need not be sorted, and
  handed to sklearn with the columns in sorted class order, as its
  LabelBinarizer expects): accuracy_score and precision_score, recall_score,
  f1_score with average="macro" (labels=None: over the classes seen as labels
  or predictions) on the argmax predictions (the first class in the model's
  order among equal probabilities, as np.argmax), log_loss(labels=classes)
  with eps="auto" (clip, then divide each row by its sum), and
  roc_auc_score(multi_class="ovr", average="macro", labels=classes), left out
  when sklearn raises because some class is never (or always) the label.
  This section comes last, so the random draws of the sections above are
  unchanged by it.
- regression: sklearn.metrics mean_absolute_error, mean_squared_error (rmse is
  its square root), mean_absolute_percentage_error (|y - yhat| / max(|y|, eps),
  eps = finfo(float64).eps, so a zero y gives a huge term), r2_score (its
  default force_finite=True).
- fairness: fairlearn is not installed; this re-implements, with numpy, the
  definitions in fairlearn.metrics (fairlearn/metrics/_fairness_metrics.py,
  _base_metrics.py and MetricFrame.difference/ratio with method
  "between_groups"):
    selection_rate(g)   = mean(y_pred == 1) over the rows of group g
    TPR(g), FPR(g)      = sklearn confusion_matrix(normalize="true") rows, so a
                          group with no positive (negative) labels has TPR (FPR)
                          0, not NaN (sklearn applies np.nan_to_num)
    demographic_parity_difference = max_g selection_rate - min_g selection_rate
    demographic_parity_ratio      = min_g selection_rate / max_g selection_rate
    equal_opportunity_difference  = max_g TPR - min_g TPR
    equalized_odds_difference     = max(TPR difference, FPR difference)
                                    (agg="worst_case", the default)
- cbpe: nannyml is not installed; this re-implements, with numpy, NannyML's
  confidence-based performance estimation for binary classifiers
  (nannyml/performance_estimation/confidence_based/metrics.py,
  nannyml/calibration.py). The model outputs a score s and predicts
  y_pred = s >= t (NannyML reads y_pred from the model's own column; the
  threshold is applied to the uncalibrated score). The calibrated probability
  is p = IsotonicRegression(out_of_bounds="clip").fit(ref_s, ref_y).predict(s)
  (NannyML's IsotonicCalibrator), or p = s when the case is uncalibrated. Then
    E[TP] = sum_{y_pred=1} p        E[FP] = sum_{y_pred=1} (1 - p)
    E[FN] = sum_{y_pred=0} p        E[TN] = sum_{y_pred=0} (1 - p)
    accuracy  = (E[TP] + E[TN]) / n
    precision = E[TP] / (E[TP] + E[FP])
    recall    = E[TP] / (E[TP] + E[FN])
    f1        = E[TP] / (E[TP] + (E[FP] + E[FN]) / 2)
    roc_auc   = NannyML's estimate_roc_auc: sort by the uncalibrated score
                (descending), tps = cumsum(p), fps = rank - tps, both rounded to
                5 decimals, sklearn.metrics.auc(fps / fps[-1], tps / tps[-1])
  The fitted calibrator's X_thresholds_ / y_thresholds_ and its predictions at
  test points (inside and outside the reference range) are recorded too.
"""
import json
import sys

import numpy as np
import scipy
import sklearn
from sklearn import metrics as skm
from sklearn.isotonic import IsotonicRegression

rng = np.random.default_rng(20261127)
out = {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__}


def fl(a):
    return [float(x) for x in a]


# ---------------------------------------------------------------- binary


def binary_case(name, y, score, threshold=0.5, pos="yes", neg="no"):
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    labels = np.where(y, pos, neg)
    pred = np.where(score >= threshold, pos, neg)
    expect = {
        "accuracy": skm.accuracy_score(labels, pred),
        "precision": skm.precision_score(labels, pred, pos_label=pos),
        "recall": skm.recall_score(labels, pred, pos_label=pos),
        "f1": skm.f1_score(labels, pred, pos_label=pos),
        "log_loss": skm.log_loss(y, score, labels=[False, True]),
    }
    if len(np.unique(y)) == 2:
        expect["roc_auc"] = skm.roc_auc_score(y, score)
    return {
        "name": name,
        "positive": pos,
        "labels": labels.tolist(),
        "predicted": pred.tolist(),
        "probs": fl(score),
        "expect": {k: float(v) for k, v in expect.items()},
    }


def logistic_scores(n, base_rate, sep):
    y = rng.random(n) < base_rate
    z = rng.normal(0, 1, n) + np.where(y, sep, 0.0) - sep / 2
    return y, 1 / (1 + np.exp(-z))


binary = []
y, s = logistic_scores(1000, 0.4, 2.0)
binary.append(binary_case("logistic 1000, 40% positive", y, s))
y, s = logistic_scores(2000, 0.05, 1.5)
binary.append(binary_case("imbalanced 2000, 5% positive, threshold 0.2", y, s, threshold=0.2))
y, s = logistic_scores(800, 0.5, 1.0)
binary.append(binary_case("scores rounded to 2 decimals (ties)", y, np.round(s, 2), pos="1", neg="0"))
y, s = logistic_scores(300, 0.5, 3.0)
s[:10] = 0.0
s[10:20] = 1.0
y[:5] = True  # confident and wrong: log loss clipping matters
y[10:15] = False
binary.append(binary_case("extreme probabilities 0 and 1", y, s))
y = rng.random(50) < 0.5
binary.append(binary_case("no predicted positives (zero_division)", y, rng.uniform(0, 0.4, 50)))
out["binary"] = binary

# ---------------------------------------------------------------- multiclass


def multiclass_case(name, labels, pred):
    labels = np.asarray(labels)
    pred = np.asarray(pred)
    expect = {
        "accuracy": skm.accuracy_score(labels, pred),
        "precision": skm.precision_score(labels, pred, average="macro"),
        "recall": skm.recall_score(labels, pred, average="macro"),
        "f1": skm.f1_score(labels, pred, average="macro"),
    }
    return {
        "name": name,
        "labels": labels.tolist(),
        "predicted": pred.tolist(),
        "expect": {k: float(v) for k, v in expect.items()},
    }


def noisy_predictions(labels, classes, p_correct):
    wrong = rng.choice(classes, len(labels))
    return np.where(rng.random(len(labels)) < p_correct, labels, wrong)


classes = np.array(["cat", "dog", "bird"])
lab = rng.choice(classes, 600, p=[0.5, 0.3, 0.2])
multiclass = [multiclass_case("3 classes 600", lab, noisy_predictions(lab, classes, 0.7))]
classes = np.array(["a", "b", "c", "d", "e"])
lab = rng.choice(classes[:4], 400)  # "e" is never a true label
pred = noisy_predictions(lab, classes, 0.6)
pred[pred == "d"] = "c"  # "d" is never predicted: precision 0 by zero_division
multiclass.append(multiclass_case("5 classes, one never true, one never predicted", lab, pred))
out["multiclass"] = multiclass

# ---------------------------------------------------------------- regression


def regression_case(name, y, yhat):
    y = np.asarray(y, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    expect = {
        "mae": skm.mean_absolute_error(y, yhat),
        "rmse": np.sqrt(skm.mean_squared_error(y, yhat)),
        "mape": skm.mean_absolute_percentage_error(y, yhat),
        "r2": skm.r2_score(y, yhat),
    }
    return {"name": name, "y": fl(y), "yhat": fl(yhat), "expect": {k: float(v) for k, v in expect.items()}}


regression = []
y = rng.normal(10, 3, 500)
regression.append(regression_case("normal 500", y, y + rng.normal(0, 1, 500)))
y = rng.integers(0, 5, 300).astype(float)  # about a fifth are zero
regression.append(regression_case("integers with zeros (MAPE)", y, y + rng.normal(0, 0.5, 300)))
y = 1e6 + rng.normal(0, 2, 400)
regression.append(regression_case("large offset 1e6 (R2 stability)", y, y + rng.normal(0, 0.5, 400)))
y = rng.uniform(-5, 5, 100)
regression.append(regression_case("perfect predictions", y, y.copy()))
regression.append(regression_case("constant y (R2 force_finite)", np.full(40, 3.0), rng.normal(3, 1, 40)))
out["regression"] = regression

# ---------------------------------------------------------------- fairness


def fairness_case(name, groups, y, pred):
    groups = np.asarray(groups)
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    per = {}
    for g in np.unique(groups):
        m = groups == g
        cm = skm.confusion_matrix(y[m], pred[m], labels=[False, True], normalize="true")
        per[str(g)] = {
            "count": int(m.sum()),
            "selection_rate": float(np.mean(pred[m])),
            "tpr": float(cm[1, 1]),
            "fpr": float(cm[0, 1]),
        }
    sr = np.array([v["selection_rate"] for v in per.values()])
    tpr = np.array([v["tpr"] for v in per.values()])
    fpr = np.array([v["fpr"] for v in per.values()])
    expect = {
        "demographic_parity_difference": float(sr.max() - sr.min()),
        "demographic_parity_ratio": float(sr.min() / sr.max()),
        "equal_opportunity_difference": float(tpr.max() - tpr.min()),
        "equalized_odds_difference": float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min())),
    }
    return {
        "name": name,
        "groups": groups.tolist(),
        "labels": y.tolist(),
        "predicted": pred.tolist(),
        "by_group": per,
        "expect": expect,
    }


fairness = []
g = rng.choice(["a", "b", "c"], 900, p=[0.5, 0.3, 0.2])
y = rng.random(900) < np.select([g == "a", g == "b"], [0.5, 0.4], 0.3)
shift = np.select([g == "a", g == "b"], [0.0, -0.1], -0.25)
pred = rng.random(900) < np.where(y, 0.8, 0.2) + shift
fairness.append(fairness_case("3 groups, unequal rates", g, y, pred))
g = rng.choice(["x", "y", "z"], 300)
y = (rng.random(300) < 0.5) & (g != "z")  # group z has no positive labels: TPR 0
pred = rng.random(300) < 0.4
fairness.append(fairness_case("group without positive labels", g, y, pred))
out["fairness"] = fairness

# ---------------------------------------------------------------- cbpe


def estimate_roc_auc(calibrated, uncalibrated):
    # nannyml.performance_estimation.confidence_based.metrics.estimate_roc_auc
    order = np.argsort(uncalibrated)[::-1]
    p = calibrated[order]
    tps = np.cumsum(p)
    fps = 1 + np.arange(len(p)) - tps
    tps = np.round(np.r_[0, tps], 5)
    fps = np.round(np.r_[0, fps], 5)
    return skm.auc(fps / fps[-1], tps / tps[-1])


def cbpe_case(name, ref_s, ref_y, s, threshold, calibrate):
    ref_s = np.asarray(ref_s, dtype=float)
    ref_y = np.asarray(ref_y, dtype=bool)
    s = np.asarray(s, dtype=float)
    case = {"name": name, "threshold": threshold, "calibrate": calibrate, "probs": fl(s)}
    if calibrate:
        iso = IsotonicRegression(out_of_bounds="clip").fit(ref_s, ref_y.astype(float))
        p = iso.predict(s)
        points = np.r_[np.linspace(-0.5, 1.5, 41), ref_s[:50], iso.X_thresholds_]
        case.update(
            ref_probs=fl(ref_s),
            ref_labels=ref_y.tolist(),
            x_thresholds=fl(iso.X_thresholds_),
            y_thresholds=fl(iso.y_thresholds_),
            points=fl(points),
            calibrated=fl(iso.predict(points)),
        )
    else:
        p = s
    yp = s >= threshold
    tp, fp = p[yp].sum(), (1 - p[yp]).sum()
    fn, tn = p[~yp].sum(), (1 - p[~yp]).sum()
    case["expect"] = {
        "accuracy": float((tp + tn) / len(s)),
        "precision": float(tp / (tp + fp)),
        "recall": float(tp / (tp + fn)),
        "f1": float(tp / (tp + 0.5 * (fp + fn))),
        "roc_auc": float(estimate_roc_auc(p, s)),
    }
    return case


cbpe = []
# The model's score s is miscalibrated: the true P(y=1 | s) is s**2.
ref_s = rng.beta(2, 2, 5000)
ref_y = rng.random(5000) < ref_s**2
cur_s = rng.beta(3, 2, 2000)  # covariate shift towards higher scores
cbpe.append(cbpe_case("isotonic, true probability s^2, shifted analysis", ref_s, ref_y, cur_s, 0.5, True))
# Scores rounded to 2 decimals in [0.1, 0.9]: ties in the reference (averaged
# before PAV) and analysis scores outside the reference range (clipped).
ref_s = np.round(rng.uniform(0.1, 0.9, 3000), 2)
ref_y = rng.random(3000) < 1 / (1 + np.exp(-8 * (ref_s - 0.6)))
cur_s = rng.uniform(0, 1, 1500)
cbpe.append(cbpe_case("isotonic with ties, clipped analysis scores, threshold 0.6", ref_s, ref_y, cur_s, 0.6, True))
cbpe.append(cbpe_case("uncalibrated, threshold 0.3", [], [], rng.beta(2, 5, 1000), 0.3, False))
out["cbpe"] = cbpe

# ---------------------------------------------------------------- multiclass with probabilities


def multiclass_proba_case(name, classes, labels, probs):
    classes = np.asarray(classes)
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype=float)
    pred = classes[np.argmax(probs, axis=1)]
    order = np.argsort(classes)
    sorted_classes, sorted_probs = classes[order], probs[:, order]
    expect = {
        "accuracy": skm.accuracy_score(labels, pred),
        "precision": skm.precision_score(labels, pred, average="macro"),
        "recall": skm.recall_score(labels, pred, average="macro"),
        "f1": skm.f1_score(labels, pred, average="macro"),
        "log_loss": skm.log_loss(labels, sorted_probs, labels=sorted_classes),
    }
    try:
        expect["roc_auc"] = skm.roc_auc_score(
            labels, sorted_probs, multi_class="ovr", average="macro", labels=sorted_classes
        )
    except ValueError:
        pass  # a class that is never (or always) the label: undefined
    return {
        "name": name,
        "classes": classes.tolist(),
        "labels": labels.tolist(),
        "predicted": pred.tolist(),
        "probs": [fl(row) for row in probs],
        "expect": {k: float(v) for k, v in expect.items()},
    }


def softmax_rows(labels, classes, sep):
    logits = rng.normal(0, 1, (len(labels), len(classes))) + sep * (labels[:, None] == classes[None, :])
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


multiclass_proba = []
classes = np.array(["cat", "dog", "bird"])
lab = rng.choice(classes, 900, p=[0.5, 0.3, 0.2])
multiclass_proba.append(
    multiclass_proba_case("3 classes 900, softmax scores, classes not in sorted order", classes, lab, softmax_rows(lab, classes, 1.5))
)
classes = np.array(["d", "a", "c", "b"])
lab = rng.choice(classes, 600)
alpha = np.where(lab[:, None] == classes[None, :], 4.0, 1.0)
counts = np.array([rng.multinomial(20, rng.dirichlet(a)) for a in alpha])
multiclass_proba.append(
    multiclass_proba_case("4 classes 600, probabilities in twentieths (ties, 0 and 1)", classes, lab, counts / 20)
)
classes = np.array(["x", "y", "z"])
lab = rng.choice(classes[:2], 200)  # "z" is never the label: ROC AUC undefined
multiclass_proba.append(
    multiclass_proba_case("a class never the label: no roc_auc", classes, lab, softmax_rows(lab, classes, 1.0))
)
out["multiclass_proba"] = multiclass_proba

json.dump(out, sys.stdout, separators=(",", ":"))
