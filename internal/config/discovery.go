package config

// The service discovery mechanisms mlre.yaml accepts besides static_configs.
// Each registers its *_sd_configs key with Prometheus's config parser.
import (
	_ "github.com/prometheus/prometheus/discovery/dns"        // dns_sd_configs
	_ "github.com/prometheus/prometheus/discovery/file"       // file_sd_configs
	_ "github.com/prometheus/prometheus/discovery/http"       // http_sd_configs
	_ "github.com/prometheus/prometheus/discovery/kubernetes" // kubernetes_sd_configs
)
