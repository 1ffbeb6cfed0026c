package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/health"
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
	return nil
}

// generateRules writes the rule file mlre generates (SLO groups, then the
// built-in health rules). It runs at load time, so that a config whose SLOs
// cannot become rules is rejected before anything is applied.
func (c *Config) generateRules() error {
	rg, err := slo.Rules(c.SLOs)
	if err != nil {
		return err
	}
	hg, err := health.Groups(c.HealthRules)
	if err != nil {
		return fmt.Errorf("health_rules: %w", err)
	}
	rg.Groups = append(rg.Groups, hg...)
	cg, err := cost.Rules(c.Cost, c.Budgets, time.Now())
	if err != nil {
		return fmt.Errorf("budgets: %w", err)
	}
	rg.Groups = append(rg.Groups, cg...)
	c.GeneratedRules, err = slo.MarshalRules(rg)
	return err
}

// decodeCost reads `cost:` and `budgets:`. Budgets without a cost section
// use the cost defaults.
func decodeCost(v reflect.Value, cfg *Config) error {
	node := func(name string) ([]byte, bool, error) {
		n := v.FieldByName(name).Interface().(yaml.Node)
		if n.Kind == 0 || n.Tag == "!!null" {
			return nil, false, nil
		}
		b, err := yaml.Marshal(&n)
		return b, true, err
	}
	cb, hasCost, err := node("Cost")
	if err != nil {
		return err
	}
	bb, hasBudgets, err := node("Budgets")
	if err != nil {
		return err
	}
	if !hasCost && !hasBudgets {
		return nil
	}
	cc, err := cost.ParseConfig(cb)
	if err != nil {
		return err
	}
	cfg.Cost = cc
	if hasBudgets {
		if cfg.Budgets, err = cost.ParseBudgets(bb, cc); err != nil {
			return err
		}
	}
	return nil
}
