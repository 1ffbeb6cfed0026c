package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/report"
)

// compareWithProfile is mlre drift with a reference profile saved by mlre
// profile: the current file is read with the profile's feature types and
// compared as mlre serve compares a window with its reference.
func compareWithProfile(cmd *cobra.Command, refPath, curPath, schemaPath string, opts report.Options) (*report.Report, error) {
	if schemaPath != "" {
		return nil, usageErr("--schema does not go with a reference profile: the profile fixes each feature's type (mlre profile chose them, or the model's config did)")
	}
	ref, err := monitor.ReadReference(refPath)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("--reference: %w", err)}
	}
	features := make([]string, len(ref.Features))
	types := map[string]dataset.Type{}
	for i, f := range ref.Features {
		features[i] = f.Name
		types[f.Name] = dataset.Categorical
		if f.Type == monitor.Numerical {
			types[f.Name] = dataset.Numerical
		}
	}
	ro := dataset.Options{Types: types}
	show := isTerminal(cmd.ErrOrStderr())
	if cmd.Flags().Changed("progress") {
		show, _ = cmd.Flags().GetBool("progress")
	}
	stopProgress := func() {}
	if show {
		p := report.NewProgress(cmd.ErrOrStderr(), 200*time.Millisecond)
		ro.Progress = p.File("current", fileSize(curPath))
		opts.Progress = p.Columns
		p.Start()
		stopProgress = p.Stop
	}
	defer stopProgress()
	cur, err := dataset.ReadFile(curPath, ro)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	rep, err := report.CompareProfile(ref.Profile, refPath, features, cur, opts)
	stopProgress()
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if len(rep.IgnoredColumns) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: %s has no feature %s; not compared\n", refPath, strings.Join(rep.IgnoredColumns, ", "))
	}
	return rep, nil
}
