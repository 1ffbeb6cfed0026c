package demo

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// row is one simulated prediction: the features (protected attributes
// included), the model's output and the truth.
type row struct {
	features   map[string]any
	prediction any
	label      any
}

// modelSim is a simulated model that sends its predictions to mlre.
type modelSim struct {
	name    string
	version string
	// columns of the reference CSV: the features, then prediction, label.
	columns []string
	perSec  int
	draw    func(rng *rand.Rand, on map[string]bool) row
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func pick(rng *rand.Rand, values []string, weights []float64) string {
	u := rng.Float64()
	for i, w := range weights {
		if u < w {
			return values[i]
		}
		u -= w
	}
	return values[len(values)-1]
}

func hourOfDay(rng *rand.Rand) int {
	return min(23, max(0, int(math.Round(14+4*rng.NormFloat64()))))
}

func bernoulli(rng *rand.Rand, p float64) int {
	if rng.Float64() < p {
		return 1
	}
	return 0
}

// models are the demo's three models.
func models() []*modelSim {
	return []*modelSim{
		{name: "fraud", version: "v3", perSec: 20,
			columns: []string{"amount", "merchant_category", "hour", "card_present", "distance_km", "score", "is_fraud"},
			draw: func(rng *rand.Rand, on map[string]bool) row {
				amount := math.Exp(3.5 + 0.9*rng.NormFloat64())
				if on[FeatureDrift] {
					amount *= 5
				}
				amount = math.Round(amount*100) / 100
				cat := pick(rng, []string{"grocery", "restaurants", "fuel", "online", "travel", "electronics"}, []float64{0.3, 0.2, 0.15, 0.2, 0.05, 0.1})
				hour := hourOfDay(rng)
				present := rng.Float64() < 0.7
				dist := math.Round(rng.ExpFloat64()*8*10) / 10
				x := -4.2 + 0.6*math.Log(amount/33) + 0.02*dist
				if cat == "online" {
					x += 1.2
				}
				if cat == "travel" {
					x += 0.7
				}
				if !present {
					x += 0.8
				}
				if hour < 6 {
					x += 1
				}
				p := math.Round(sigmoid(x)*1e4) / 1e4
				return row{
					features:   map[string]any{"amount": amount, "merchant_category": cat, "hour": hour, "card_present": present, "distance_km": dist},
					prediction: p, label: bernoulli(rng, p),
				}
			}},
		{name: "recommender", version: "v12", perSec: 10,
			columns: []string{"user_tenure_days", "sessions_7d", "device", "hour", "predicted_minutes", "watched_minutes"},
			draw: func(rng *rand.Rand, _ map[string]bool) row {
				tenure := math.Round(rng.ExpFloat64() * 300)
				sessions := poisson(rng, 6)
				device := pick(rng, []string{"ios", "android", "web"}, []float64{0.4, 0.45, 0.15})
				hour := hourOfDay(rng)
				pred := 2 + 0.8*float64(sessions) + 0.002*tenure
				if device == "web" {
					pred += 3
				}
				pred = math.Round(pred*100) / 100
				watched := math.Round(max(0, pred+2*rng.NormFloat64())*100) / 100
				return row{
					features:   map[string]any{"user_tenure_days": tenure, "sessions_7d": sessions, "device": device, "hour": hour},
					prediction: pred, label: watched,
				}
			}},
		{name: "churn", version: "v7", perSec: 20,
			columns: []string{"tenure_months", "monthly_charges", "plan", "support_calls", "autopay", "region", "score", "churned"},
			draw: func(rng *rand.Rand, on map[string]bool) row {
				tenure := 1 + rng.IntN(72)
				charges := math.Round((20+100*rng.Float64())*100) / 100
				plan := pick(rng, []string{"basic", "pro", "enterprise"}, []float64{0.5, 0.35, 0.15})
				calls := poisson(rng, 1.5)
				autopay := rng.Float64() < 0.6
				region := pick(rng, []string{"eu", "us", "apac"}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3})
				x := 0.6 - 0.03*float64(tenure) + 0.012*charges + 0.35*float64(calls)
				if autopay {
					x -= 0.6
				}
				if plan == "enterprise" {
					x -= 0.5
				}
				p := sigmoid(x)
				truth := bernoulli(rng, p)
				if on[FairnessRegression] && region == "apac" {
					p *= 0.3 // a broken feature join for one region
				}
				p = math.Round(p*1e4) / 1e4
				return row{
					features: map[string]any{"tenure_months": tenure, "monthly_charges": charges, "plan": plan,
						"support_calls": calls, "autopay": autopay, "region": region},
					prediction: p, label: truth,
				}
			}},
	}
}

// writeReference writes n calm rows of the model as its reference CSV.
func (m *modelSim) writeReference(path string, rng *rand.Rand, n int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the %s reference: %w", m.name, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing the %s reference: %w", m.name, cerr)
		}
	}()
	w := csv.NewWriter(f)
	if err := w.Write(m.columns); err != nil {
		return err
	}
	nf := len(m.columns) - 2
	rec := make([]string, len(m.columns))
	for range n {
		r := m.draw(rng, nil)
		for i, c := range m.columns[:nf] {
			rec[i] = csvValue(r.features[c])
		}
		rec[nf], rec[nf+1] = csvValue(r.prediction), csvValue(r.label)
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// pendingLabel is a label to send once due.
type pendingLabel struct {
	due   time.Time
	id    string
	label any
}

// predictionBody is one prediction as the ingest API takes it.
type predictionBody struct {
	ID         string         `json:"id"`
	Version    string         `json:"version"`
	Features   map[string]any `json:"features"`
	Prediction any            `json:"prediction"`
}

type labelBody struct {
	ID    string `json:"id"`
	Label any    `json:"label"`
}
