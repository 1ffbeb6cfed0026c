package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/mlre-dev/mlre/internal/slo"
)

// loadSLOs reads `slos:` from the config itself (b) and every file that
// `slo_files:` matches, in any format the slo package reads (native, Sloth,
// OpenSLO). Errors name the file, the SLO and the field.
func (c *Config) loadSLOs(b []byte, dir string) error {
	own, err := slo.ParseNative(b, "slos")
	if err != nil {
		return err
	}
	all := own
	where := map[string]string{}
	for _, s := range own {
		where[s.ID()] = "slos"
	}
	for i, pat := range c.SLOFiles {
		if dir != "" && !filepath.IsAbs(pat) {
			pat = filepath.Join(dir, pat)
		}
		c.SLOFiles[i] = pat
		files, err := filepath.Glob(pat)
		if err != nil {
			return fmt.Errorf("slo_files: bad pattern %q: %w", pat, err)
		}
		sort.Strings(files)
		for _, f := range files {
			fb, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("slo_files: %w", err)
			}
			slos, err := slo.ParseFile(fb, f)
			if err != nil {
				return fmt.Errorf("slo_files: %s: %w", f, err)
			}
			for _, s := range slos {
				if prev, ok := where[s.ID()]; ok {
					return fmt.Errorf("slo_files: %s: SLO %s is already defined in %s; service and name together must be unique", f, s.ID(), prev)
				}
				where[s.ID()] = f
			}
			all = append(all, slos...)
		}
	}
	c.SLOs = all
	// Generate the rules now, so that a config whose SLOs cannot become
	// rules is rejected before anything is applied.
	c.SLORules, err = slo.RulesYAML(all)
	return err
}
