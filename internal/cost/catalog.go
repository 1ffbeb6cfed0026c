// Package cost prices GPUs and turns their telemetry into spend: a built-in
// price catalog, the `cost:` and `budgets:` config, and the Prometheus rules
// that record spend by owner (allocated, used, idle), cost per unit of work,
// and dollar budgets that burn and alert like error budgets.
//
// The package is pure: it parses bytes and returns rules; it does no I/O.
package cost

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

//go:embed prices.yaml
var catalogYAML []byte

// Catalog is a price list: a default per GPU model, and per instance type.
type Catalog struct {
	Version       int             `yaml:"version"`
	GPUs          []GPUPrice      `yaml:"gpus"`
	InstanceTypes []InstancePrice `yaml:"instance_types"`
}

// GPUPrice is the on-demand price of one GPU of a model, by the name NVML
// reports (dcgm-exporter's modelName label).
type GPUPrice struct {
	ModelName              string  `yaml:"model_name"`
	DollarsPerGPUHour      float64 `yaml:"dollars_per_gpu_hour"`
	Provider               string  `yaml:"provider,omitempty"`
	InstanceType           string  `yaml:"instance_type,omitempty"`
	Region                 string  `yaml:"region,omitempty"`
	InstanceDollarsPerHour float64 `yaml:"instance_dollars_per_hour,omitempty"`
	GPUsPerInstance        int     `yaml:"gpus_per_instance,omitempty"`
	Source                 string  `yaml:"source,omitempty"`
	AsOf                   string  `yaml:"as_of,omitempty"`
	Note                   string  `yaml:"note,omitempty"`
}

// InstancePrice is the per-GPU price of a cloud instance type.
type InstancePrice struct {
	InstanceType           string  `yaml:"instance_type"`
	Provider               string  `yaml:"provider,omitempty"`
	GPUModelName           string  `yaml:"gpu_model_name,omitempty"`
	GPUsPerInstance        int     `yaml:"gpus_per_instance,omitempty"`
	InstanceDollarsPerHour float64 `yaml:"instance_dollars_per_hour,omitempty"`
	DollarsPerGPUHour      float64 `yaml:"dollars_per_gpu_hour"`
	Region                 string  `yaml:"region,omitempty"`
	Source                 string  `yaml:"source,omitempty"`
	AsOf                   string  `yaml:"as_of,omitempty"`
}

// BuiltinCatalog returns the catalog shipped in the binary (prices.yaml).
func BuiltinCatalog() *Catalog {
	c, err := ParseCatalog(catalogYAML)
	if err != nil {
		panic("cost: the built-in prices.yaml does not parse: " + err.Error())
	}
	return c
}

// ParseCatalog reads a catalog strictly: unknown keys, duplicate entries and
// prices that are not positive are errors.
func ParseCatalog(b []byte) (*Catalog, error) {
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("price catalog: %w", err)
	}
	seen := map[string]bool{}
	for i, g := range c.GPUs {
		if g.ModelName == "" || seen[g.ModelName] {
			return nil, fmt.Errorf("price catalog: gpus[%d]: model_name %q is empty or repeated", i, g.ModelName)
		}
		seen[g.ModelName] = true
		if !(g.DollarsPerGPUHour > 0) {
			return nil, fmt.Errorf("price catalog: gpus[%d] (%s): dollars_per_gpu_hour must be positive", i, g.ModelName)
		}
	}
	seen = map[string]bool{}
	for i, t := range c.InstanceTypes {
		if t.InstanceType == "" || seen[t.InstanceType] {
			return nil, fmt.Errorf("price catalog: instance_types[%d]: instance_type %q is empty or repeated", i, t.InstanceType)
		}
		seen[t.InstanceType] = true
		if !(t.DollarsPerGPUHour > 0) {
			return nil, fmt.Errorf("price catalog: instance_types[%d] (%s): dollars_per_gpu_hour must be positive", i, t.InstanceType)
		}
	}
	return &c, nil
}
