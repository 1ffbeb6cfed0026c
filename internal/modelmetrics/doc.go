// Package modelmetrics computes model-quality metrics from mergeable state:
// classification (with labels; Multiclass for models that output a
// probability per class), regression, NannyML's confidence-based
// performance estimation (CBPE, before labels arrive) and Fairlearn's group
// fairness metrics.
//
// Streaming monitors Add each prediction to the state of its time bucket,
// Merge buckets into a window and compute metrics from the merged state. The
// state's size depends on the number of classes, groups and score bins, never
// on the number of predictions, and every state struct has exported fields so
// that encoding/json and encoding/gob can store it. The package is pure: no
// I/O, no globals, no clock. States are not safe for concurrent use.
//
// Each metric matches a reference implementation (scikit-learn 1.2.1, or the
// documented formulas of Fairlearn and NannyML) and is checked against values
// that testdata/gen_reference.py recorded in testdata/reference.json.
//
// Undefined metrics: metric maps leave out a metric that the reference leaves
// undefined (accuracy of no data, ROC AUC with one class, R² of fewer than two
// samples, CBPE precision with no predicted positives); precision, recall and
// F1 of Classification follow scikit-learn's default zero_division and are 0.
// FairnessMetrics uses NaN for what is undefined.
//
// Deviations from the references, all documented where they arise:
//   - ROC AUC (Classification, Multiclass and CBPE) is computed from scores binned into
//     NumBins equal-width bins on [0, 1], treating scores within a bin as tied.
//     The error is at most half the share of (positive, negative) pairs that
//     share a bin: within 3e-6 on the reference cases, none when scores are
//     multiples of 1/NumBins apart.
//   - Log loss clips probabilities to [eps, 1-eps] with eps the float64
//     machine epsilon, scikit-learn's default since 1.2 (1e-15 before).
//   - CBPE takes the model's prediction from its uncalibrated score (score >=
//     threshold), as NannyML reads it from the model's own y_pred column;
//     the calibrated probability only weighs it.
//   - CBPE's ROC AUC skips NannyML's rounding of the expected TP/FP counts to 5
//     decimals, and deciding whether to calibrate at all (NannyML's
//     needs_calibration, a cross-validated ECE comparison) is left to the
//     caller: pass a nil Calibrator for none.
//   - Fairness computes selection rates over all predictions and TPR/FPR over
//     the labelled ones; Fairlearn, which needs every label, sees only the
//     latter.
package modelmetrics
