package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"

	"github.com/mlre-dev/mlre/internal/config"
)

// RequestReload asks for a config reload without waiting. Requests that
// arrive while one is pending collapse into one (main calls it on SIGHUP).
func (a *App) RequestReload() {
	select {
	case a.reloadReq <- struct{}{}:
	default:
	}
}

func (a *App) reloadLoop() error {
	for {
		select {
		case <-a.ctx.Done():
			return nil
		case <-a.reloadReq:
			_ = a.Reload()
		}
	}
}

// Reload loads the config file again and applies it. An invalid config is
// rejected as a whole, logged and counted in mlre_config_last_reload_successful,
// and the config in force keeps running.
func (a *App) Reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	err := a.reload()
	a.setReloadResult(err == nil)
	if err != nil {
		a.logger.Error("config reload failed; keeping the previous config", "file", a.opts.ConfigFile, "err", err)
		return err
	}
	a.logger.Info("config reloaded", "file", a.opts.ConfigFile)
	return nil
}

func (a *App) reload() error {
	if a.opts.ConfigFile == "" {
		// Nothing to re-read: the default config is built in.
		return nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	old := a.Config()
	if cfg.Server.Listen != old.Server.Listen {
		return fmt.Errorf("server.listen changed from %s to %s; that takes a restart", old.Server.Listen, cfg.Server.Listen)
	}
	if cfg.Storage.Path != old.Storage.Path {
		return fmt.Errorf("storage.path changed from %s to %s; that takes a restart", old.Storage.Path, cfg.Storage.Path)
	}
	return a.apply(cfg)
}

// apply pushes cfg into every component, in Prometheus's order: storage,
// then scrape and notify before their discovery managers, then rules.
func (a *App) apply(cfg *config.Config) error {
	pc := cfg.Prometheus
	if err := config.ValidateFiles(cfg); err != nil {
		return err
	}
	// The models' references are read first: a model that cannot load
	// rejects the whole config before anything else changes.
	if err := a.monitor.ApplyConfig(cfg.Models); err != nil {
		return err
	}
	steps := []struct {
		name string
		f    func(*promconfig.Config) error
	}{
		{"storage", a.db.ApplyConfig},
		{"remote_write", a.remote.ApplyConfig},
		{"scrape", a.scrape.ApplyConfig},
		{"scrape discovery", func(c *promconfig.Config) error {
			scs, err := c.GetScrapeConfigs()
			if err != nil {
				return err
			}
			m := make(map[string]discovery.Configs, len(scs))
			for _, sc := range scs {
				m[sc.JobName] = sc.ServiceDiscoveryConfigs
			}
			return a.discS.ApplyConfig(m)
		}},
		{"notifier", a.notify.ApplyConfig},
		{"notifier discovery", func(c *promconfig.Config) error {
			m := map[string]discovery.Configs{}
			for k, v := range c.AlertingConfig.AlertmanagerConfigs.ToMap() {
				m[k] = v.ServiceDiscoveryConfigs
			}
			if err := a.discN.ApplyConfig(m); err != nil {
				return err
			}
			if len(m) > 0 {
				a.notifyDiscovery.Do(func() {
					a.notifyRunning.Store(true)
					a.goRun("discovery notify", a.discN.Run)
				})
			}
			return nil
		}},
		{"rules", func(c *promconfig.Config) error {
			var files []string
			for _, pat := range c.RuleFiles {
				fs, err := filepath.Glob(pat)
				if err != nil {
					return err
				}
				files = append(files, fs...)
			}
			a.ruleLoader.generated.Store(&cfg.GeneratedRules)
			files = append(files, GeneratedRules)
			return a.rules.Update(time.Duration(c.GlobalConfig.EvaluationInterval), files,
				c.GlobalConfig.ExternalLabels, a.externalURL().String(), nil)
		}},
	}
	var errs []error
	for _, s := range steps {
		if err := s.f(pc); err != nil {
			errs = append(errs, fmt.Errorf("applying %s config: %w", s.name, err))
		}
	}
	if err := a.dispatcher.ApplyConfig(cfg.Notifications, a.externalURL()); err != nil {
		errs = append(errs, err)
	}
	a.authn.Update(cfg.Server.Auth)
	if err := a.collectors.apply(cfg); err != nil {
		errs = append(errs, err)
	}
	a.cfgMu.Lock()
	a.cfg = cfg
	a.cfgMu.Unlock()
	return errors.Join(errs...)
}

func (a *App) setReloadResult(ok bool) {
	a.lastReloadOK.Store(ok)
	if ok {
		a.reloadOK.Set(1)
		now := time.Now()
		a.reloadOKTime.Set(float64(now.Unix()))
		a.lastReloadTime.Store(now.Unix())
	} else {
		a.reloadOK.Set(0)
	}
}
