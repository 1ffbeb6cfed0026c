package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/monitor"
)

func newProfileCmd() *cobra.Command {
	var cfgPath, model, refPath, predType, predCol, labelCol, positive, output string
	var exclude, classes []string
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Save a reference profile, so serve need not read the reference data again",
		Long: `Read a model's reference data (CSV, Parquet or JSONL) and save its profile: per feature the
counts, range, moments, a quantile sketch and a histogram on the bins live
data will be compared on, the predictions' profile, and the calibration of
the predictions by the labels (for estimated performance). The file is small
whatever the data's size; point a model's reference.profile at it.

Either take everything from a model in the config:

  mlre profile --config mlre.yaml --model churn -o churn.mlreprofile

or describe the data with flags (features are the columns other than the
prediction, label and --exclude columns, typed as they read):

  mlre profile --reference ref.csv --prediction-type probability \
    --prediction-column score --label-column churned --exclude region -o ref.mlreprofile

Exits 1 when the data cannot be read or profiled (the message names file,
row and column) and 2 on a wrong command line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				return usageErr("profile needs -o FILE")
			}
			var path string
			var o monitor.ReferenceOptions
			switch {
			case cfgPath != "" && refPath != "":
				return usageErr("give --config with --model, or --reference, not both")
			case cfgPath != "":
				if model == "" {
					return usageErr("--config needs --model NAME")
				}
				c, err := config.LoadFile(cfgPath)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				var mc *monitor.Config
				var names []string
				for i := range c.Models {
					names = append(names, c.Models[i].Name)
					if c.Models[i].Name == model {
						mc = &c.Models[i]
					}
				}
				if mc == nil {
					return usageErr("--model %q is not in %s (models: %s)", model, cfgPath, strings.Join(names, ", "))
				}
				if mc.Reference.File == "" {
					return usageErr("model %s has no reference.file to profile", model)
				}
				path = mc.Reference.File
				o = monitor.ReferenceOptions{Features: mc.Features, Prediction: mc.Prediction,
					PredictionColumn: mc.Reference.PredictionColumn, LabelColumn: mc.Reference.LabelColumn, Exclude: mc.ProtectedAttributes}
			case refPath != "":
				path = refPath
				switch predType {
				case "", monitor.Probability, monitor.Class, monitor.Regression:
				default:
					return usageErr("--prediction-type %q: use probability, class or regression", predType)
				}
				if len(classes) > 0 && predType != monitor.Probability {
					return usageErr("--classes goes with --prediction-type probability (a multiclass model's probabilities)")
				}
				th := 0.5
				o = monitor.ReferenceOptions{Prediction: monitor.PredictionConfig{Type: predType, PositiveClass: positive, Threshold: &th, Classes: classes},
					PredictionColumn: predCol, LabelColumn: labelCol, Exclude: exclude}
			default:
				return usageErr("profile needs --config FILE --model NAME, or --reference FILE")
			}
			ref, err := monitor.BuildReference(path, o)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			var buf bytes.Buffer
			if _, err := ref.WriteTo(&buf); err != nil {
				return err
			}
			if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			names := make([]string, len(ref.Features))
			for i, f := range ref.Features {
				names[i] = f.Name + " (" + f.Type + ")"
			}
			pred := "no predictions"
			if ref.Prediction != "" {
				pred = ref.Prediction + " predictions"
				if ref.Calibrator != nil {
					pred += ", calibrated by the labels"
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "profiled %d rows of %s: %d features [%s], %s; wrote %s (%d bytes)\n",
				ref.Rows, path, len(ref.Features), strings.Join(names, ", "), pred, output, buf.Len())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfgPath, "config", "", "mlre.yaml holding the model")
	f.StringVar(&model, "model", "", "the model (with --config)")
	f.StringVar(&refPath, "reference", "", "reference data: CSV, Parquet or JSONL, by extension (instead of --config)")
	f.StringVar(&predType, "prediction-type", "", "with --reference: probability, class or regression (empty: profile no predictions)")
	f.StringVar(&predCol, "prediction-column", "", `with --reference: the predictions' column (default "prediction" when present)`)
	f.StringVar(&labelCol, "label-column", "", `with --reference: the labels' column (default "label" when present)`)
	f.StringVar(&positive, "positive-class", "1", "with --reference: a binary model's positive class")
	f.StringSliceVar(&classes, "classes", nil, "with --reference and --prediction-type probability: a multiclass model's classes (the prediction column then holds the predicted class)")
	f.StringSliceVar(&exclude, "exclude", nil, "with --reference: columns that are not features (e.g. protected attributes)")
	f.StringVarP(&output, "output", "o", "", "where to write the profile")
	return cmd
}
