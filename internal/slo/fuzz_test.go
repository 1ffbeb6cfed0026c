package slo

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
)

// FuzzParseFile: any bytes either fail to parse with an error, or give SLOs
// whose generated rules Prometheus's own rule-file parser accepts.
func FuzzParseFile(f *testing.F) {
	for _, pat := range []string{"testdata/*.yml", "testdata/upstream/sloth/*.yml", "testdata/upstream/openslo/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("slos: [{name: a, service: b, objective: 99, sli: {raw: {error_ratio_query: 'x[{{.window}}]'}}}]"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// A parser must never hang: an input that takes seconds fails.
		tm := time.AfterFunc(5*time.Second, func() {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic(fmt.Sprintf("slow input %q\n%s", b, buf[:n]))
		})
		defer tm.Stop()
		slos, err := ParseFile(b, "fuzz.yml")
		if err != nil {
			return
		}
		out, err := RulesYAML(slos)
		if err != nil {
			t.Fatalf("parsed SLOs but could not generate rules: %v", err)
		}
		if _, errs := rulefmt.Parse(out, false, model.UTF8Validation, promParser, nil); len(errs) > 0 {
			t.Fatalf("generated rules do not parse: %v\n%s", errs, out)
		}
	})
}
