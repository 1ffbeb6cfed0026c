package config

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// ValidateFiles checks the files a config points to, which parsing the config
// alone does not: every rule file parses and scrape_config_files load. It runs
// before a config is applied, so a bad file never leaves a half-applied config.
func ValidateFiles(c *Config) error {
	pc := c.Prometheus
	if _, err := pc.GetScrapeConfigs(); err != nil {
		return fmt.Errorf("%w: scrape_config_files: %w", ErrInvalid, err)
	}
	p := parser.NewParser(parser.Options{})
	for _, pat := range pc.RuleFiles {
		files, err := filepath.Glob(pat)
		if err != nil {
			return fmt.Errorf("%w: rule_files: bad pattern %q: %w", ErrInvalid, pat, err)
		}
		for _, f := range files {
			if _, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, p, nil); len(errs) > 0 {
				return fmt.Errorf("%w: rule_files: %s: %w", ErrInvalid, f, errors.Join(errs...))
			}
		}
	}
	return nil
}
