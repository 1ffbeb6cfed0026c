package modelmetrics

import (
	"math"
	"testing"
)

// benchScores is a deterministic spread of scores over [0, 1).
func benchScores() []float64 {
	s := make([]float64, 4096)
	x := 0.5
	for i := range s {
		x = math.Mod(x*3.7+0.123, 1)
		s[i] = x
	}
	return s
}

func BenchmarkClassificationAdd(b *testing.B) {
	scores := benchScores()
	labels := []string{"no", "yes"}
	var c Classification
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := scores[i%len(scores)]
		c.Add(labels[i%2], labels[(i/3)%2], p, "yes")
	}
}

func BenchmarkClassificationAddMulticlass(b *testing.B) {
	classes := []string{"cat", "dog", "bird", "fish", "horse"}
	var c Classification
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Add(classes[i%5], classes[(i/2)%5], math.NaN(), "")
	}
}

func BenchmarkRegressionAdd(b *testing.B) {
	scores := benchScores()
	var r Regression
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		y := scores[i%len(scores)]
		r.Add(y, y+0.1)
	}
}

func BenchmarkCBPEAdd(b *testing.B) {
	scores := benchScores()
	ref := make([]bool, len(scores))
	for i, p := range scores {
		ref[i] = p*p > scores[(i*7)%len(scores)]
	}
	cal, err := FitCalibrator(scores, ref)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("calibrator with %d knots", len(cal.X))
	var e CBPE
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Add(scores[i%len(scores)], 0.5, cal)
	}
}

func BenchmarkFairnessAdd(b *testing.B) {
	groups := []string{"a", "b", "c"}
	yes := true
	var f Fairness
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var label *bool
		if i%4 == 0 {
			label = &yes
		}
		f.Add(groups[i%3], i%2 == 0, label)
	}
}

func BenchmarkFitCalibrator(b *testing.B) {
	scores := benchScores()
	labels := make([]bool, len(scores))
	for i, p := range scores {
		labels[i] = p > scores[(i*11)%len(scores)]
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitCalibrator(scores, labels); err != nil {
			b.Fatal(err)
		}
	}
}
