package cost

import (
	"testing"
	"time"
)

// FuzzParseConfig feeds arbitrary text to the cost and budget parsers: they
// must return a config or an error, never panic, and a config they accept
// must become rules that parse as PromQL.
func FuzzParseConfig(f *testing.F) {
	f.Add("owner_labels: [team]\nprices: {gpus: [{model_name: X, dollars_per_gpu_hour: 1}]}", "- {name: a, amount: 10, scope: '{team=\"x\"}'}")
	f.Add("price_source: opencost\ndiscounts: [{selector: '{spot=\"1\"}', percent: 50}]", "- {name: b, amount: 1, period: {calendar: week, timezone: Asia/Tokyo}}")
	f.Add("label_map: {team: label_team}\ninstance_type_label: it\nprices: {instance_types: [{instance_type: p5, dollars_per_gpu_hour: 2}], nodes: [{selector: '{pool=\"a\"}', dollars_per_gpu_hour: 1}]}", "- {name: c, amount: 5, period: 7d, spend: used}")
	f.Add("interval: 15s", "")
	f.Fuzz(func(t *testing.T, costText, budgetsText string) {
		c, err := ParseConfig([]byte(costText))
		if err != nil {
			return
		}
		bs, err := ParseBudgets([]byte(budgetsText), c)
		if err != nil {
			return
		}
		if _, err := Rules(c, bs, time.Unix(0, 0)); err != nil {
			t.Fatalf("an accepted config makes rules that do not parse: %v", err)
		}
	})
}
