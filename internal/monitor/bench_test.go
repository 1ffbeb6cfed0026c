package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchModel is a 20-feature model (16 numerical, 4 categorical) with a
// 5,000-row reference.
func benchModel(b *testing.B) (Config, []string) {
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(1, 1))
	var names []string
	var sb strings.Builder
	for i := 0; i < 16; i++ {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	for i := 0; i < 4; i++ {
		names = append(names, fmt.Sprintf("c%d", i))
	}
	sb.WriteString(strings.Join(names, ",") + ",prediction,label\n")
	for row := 0; row < 5000; row++ {
		for i := 0; i < 16; i++ {
			fmt.Fprintf(&sb, "%.4f,", r.NormFloat64())
		}
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&sb, "v%d,", r.IntN(8))
		}
		fmt.Fprintf(&sb, "%.4f,%d\n", r.Float64(), r.IntN(2))
	}
	ref := filepath.Join(dir, "ref.csv")
	if err := os.WriteFile(ref, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cs, err := ParseConfigs([]byte(fmt.Sprintf("[{name: bench, prediction: {type: probability}, reference: {file: %q}}]", ref)), "")
	if err != nil {
		b.Fatal(err)
	}
	return cs[0], names
}

// BenchmarkIngestPredictions measures a 1,000-row NDJSON batch of 20
// features through validation, the write-ahead log and the profiles.
func BenchmarkIngestPredictions(b *testing.B) {
	cfg, names := benchModel(b)
	m, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.ApplyConfig([]Config{cfg}); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	const rows = 1000
	batches := make([][]byte, 64)
	id := 0
	for k := range batches {
		var buf bytes.Buffer
		for i := 0; i < rows; i++ {
			f := map[string]any{}
			for j, n := range names {
				if j < 16 {
					f[n] = r.NormFloat64()
				} else {
					f[n] = fmt.Sprintf("v%d", r.IntN(8))
				}
			}
			j, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("@@%d", id), "features": f, "prediction": r.Float64()})
			id++
			buf.Write(j)
			buf.WriteByte('\n')
		}
		batches[k] = buf.Bytes()
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		// Fresh ids every pass over the batches: a re-sent id is a
		// duplicate and would skip most of the work.
		b.StopTimer()
		body := bytes.ReplaceAll(batches[i%len(batches)], []byte("@@"), fmt.Appendf(nil, "%d-", i/len(batches)))
		b.StartTimer()
		res, err := m.IngestPredictions("bench", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if res.Duplicates != 0 {
			b.Fatalf("%d duplicates: the benchmark must send fresh ids", res.Duplicates)
		}
	}
	b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "rows/s")
	b.SetBytes(int64(len(batches[0])))
}

func BenchmarkParsePredictions(b *testing.B) {
	cfg, names := benchModel(b)
	md, err := NewModel(cfg)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	var buf bytes.Buffer
	for i := 0; i < 1000; i++ {
		f := map[string]any{}
		for j, n := range names {
			if j < 16 {
				f[n] = r.NormFloat64()
			} else {
				f[n] = fmt.Sprintf("v%d", r.IntN(8))
			}
		}
		j, _ := json.Marshal(map[string]any{"id": fmt.Sprint(i), "features": f, "prediction": r.Float64()})
		buf.Write(j)
		buf.WriteByte('\n')
	}
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParsePredictions(bytes.NewReader(buf.Bytes()), md.schema, now, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}
