package ui

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// funcs are the templates' formatting helpers. Those taking a pointer
// write "–" for nil (no data).
var funcs = template.FuncMap{
	"pct":      func(v float64) string { return formatUnit(v, "ratio") },
	"pctp":     func(v *float64) string { return ptr(v, "ratio") },
	"num":      func(v float64) string { return formatNum(v) },
	"nump":     func(v *float64) string { return ptr(v, "") },
	"unit":     formatUnit,
	"unitp":    ptr,
	"secs":     func(v float64) string { return formatDuration(v) },
	"secsp":    func(v *float64) string { return ptr(v, "seconds") },
	"money":    func(v float64, cur string) string { return formatMoney(v, cur) },
	"moneyp":   func(v *float64, cur string) string { return moneyp(v, cur) },
	"ago":      ago,
	"agop":     func(t *time.Time, now time.Time) string { return agop(t, now) },
	"until":    until,
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"clamp01":  func(v *float64) float64 { return clamp01(v) },
	"width":    func(v *float64) string { return strconv.FormatFloat(clamp01(v)*100, 'f', 1, 64) },
	"join":     strings.Join,
	"lower":    strings.ToLower,
	"pathseg":  pathSegment,
	"inc":      func(i int) int { return i + 1 },
	"nonempty": func(s []string) bool { return len(s) > 0 },
	"dict":     dict,
	"deref": func(v *float64) float64 {
		if v == nil {
			return math.NaN()
		}
		return *v
	},
}

// dict makes a map from key, value pairs, to pass several values to a
// template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func ptr(v *float64, unit string) string {
	if v == nil {
		return "–"
	}
	return formatUnit(*v, unit)
}

func moneyp(v *float64, cur string) string {
	if v == nil {
		return "–"
	}
	return formatMoney(*v, cur)
}

func clamp01(v *float64) float64 {
	if v == nil || math.IsNaN(*v) {
		return 0
	}
	return math.Max(0, math.Min(1, *v))
}

// formatUnit writes v in its unit, briefly.
func formatUnit(v float64, unit string) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	if math.IsInf(v, 0) {
		if v > 0 {
			return "+Inf"
		}
		return "-Inf"
	}
	switch unit {
	case "ratio":
		return formatPercent(v * 100)
	case "percent":
		return formatPercent(v)
	case "seconds":
		return formatDuration(v)
	case "dollars":
		return formatMoney(v, "USD")
	case "bytes":
		return formatBytes(v)
	case "mib":
		return formatBytes(v * (1 << 20))
	case "celsius":
		return strconv.FormatFloat(v, 'f', 0, 64) + " °C"
	case "watts":
		return strconv.FormatFloat(v, 'f', 0, 64) + " W"
	case "x":
		return formatNum(v) + "×"
	}
	return formatNum(v)
}

func formatPercent(p float64) string {
	switch a := math.Abs(p); {
	case a == 0:
		return "0%"
	case a >= 99 && a < 100:
		// Never round 99.95% up to 100% next to a 99.9% objective: as
		// many decimals (up to 4) as it takes to stay under 100.
		for d := 1; d <= 4; d++ {
			s := strconv.FormatFloat(a, 'f', d, 64)
			if v, _ := strconv.ParseFloat(s, 64); v < 100 {
				return sign(p) + s + "%"
			}
		}
		return sign(p) + strconv.FormatFloat(math.Floor(a*1e4)/1e4, 'f', 4, 64) + "%"
	case a >= 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	case a >= 0.1:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'g', 2, 64) + "%"
	}
}

func sign(v float64) string {
	if v < 0 {
		return "-"
	}
	return ""
}

// formatNum writes a number with at most 4 significant digits, with k/M/G
// for large ones.
func formatNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', 2, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func formatMoney(v float64, cur string) string {
	sym := cur + " "
	if cur == "" || cur == "USD" {
		sym = "$"
	}
	neg := ""
	if v < 0 {
		neg, v = "−", -v
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return neg + sym + b.String() + "." + frac
}

func formatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// formatDuration writes seconds as the two largest units: 3d 4h, 5m 10s.
func formatDuration(s float64) string {
	if s < 0 {
		return "−" + formatDuration(-s)
	}
	if s < 1 {
		if s == 0 {
			return "0s"
		}
		return strconv.FormatFloat(s*1000, 'f', 0, 64) + "ms"
	}
	if s < 10 {
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	}
	d := time.Duration(s * float64(time.Second))
	type part struct {
		n    int64
		unit string
	}
	days := int64(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	parts := []part{{days, "d"}, {int64(d / time.Hour), "h"}, {int64(d/time.Minute) % 60, "m"}, {int64(d/time.Second) % 60, "s"}}
	var out []string
	for _, p := range parts {
		if p.n == 0 && len(out) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%d%s", p.n, p.unit))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 2 && strings.HasPrefix(out[1], "0") {
		out = out[:1]
	}
	return strings.Join(out, " ")
}

func ago(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "–"
	}
	d := now.Sub(t).Seconds()
	if d < 1 {
		return "just now"
	}
	return formatDuration(d) + " ago"
}

func agop(t *time.Time, now time.Time) string {
	if t == nil {
		return "–"
	}
	return ago(*t, now)
}

func until(t *time.Time, now time.Time) string {
	if t == nil {
		return "–"
	}
	d := t.Sub(now).Seconds()
	if d <= 0 {
		return "now"
	}
	return "in " + formatDuration(d)
}

// pathSegment escapes a name for one URL path segment.
func pathSegment(s string) string { return url.PathEscape(s) }

// parseDuration reads a Prometheus duration (1h, 7d).
func parseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}
