package dataset

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// checkParseFloat fails t unless parseFloat(s) returns what
// strconv.ParseFloat(s, 64) returns: the same bits (NaN for NaN) and the
// same error text; and unless parseDecimal's prefix, when it claims one, is
// what strconv reads for that prefix.
func checkParseFloat(t *testing.T, s string) {
	t.Helper()
	want, werr := strconv.ParseFloat(s, 64)
	got, gerr := parseFloat([]byte(s))
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("parseFloat(%q): error %v, strconv: %v", s, gerr, werr)
	}
	if !sameFloat(got, want) {
		t.Fatalf("parseFloat(%q) = %v (%#x), strconv: %v (%#x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if f, n, ok := parseDecimal([]byte(s)); ok {
		want, err := strconv.ParseFloat(s[:n], 64)
		if err != nil || !sameFloat(f, want) {
			t.Fatalf("parseDecimal(%q) = %v, %d bytes; strconv on %q: %v, %v", s, f, n, s[:n], want, err)
		}
	}
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

func TestParseFloatEdgeCases(t *testing.T) {
	for _, s := range []string{
		// Plain decimals, signs, leading and trailing zeros.
		"0", "-0", "+0", "0.0", "-0.0", "00", "000.000", "1", "-1", "+1", "1.", ".5", "-.5", "+.5", "0.5", "00.5",
		"0.000123", "-0.000000000000000000000000000001", "123.456000000", "100000000000000000000000",
		"1234567890", "0.1", "0.2", "0.3", "1.7976931348623157", "3.141592653589793",
		// 17, 18, 19, 20 and more significant digits (strconv keeps 19).
		"0.345584192064786", "-0.46672978493183237", "1.6905623474542464", "0.011738414185264445",
		"12345678901234567", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"9999999999999999999", "18446744073709551615", "18446744073709551616", "99999999999999999999999",
		"1.00000000000000000000000000000000000001", "0.99999999999999999999999999999",
		"9007199254740993", "9007199254740992.5", "9007199254740993.0000000000000000000000001",
		"2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324",
		"0.1000000000000000055511151231257827021181583404541015625",
		"0.1000000000000000055511151231257827021181583404541015624",
		"0.1000000000000000055511151231257827021181583404541015626",
		// Exponents: limits, overflow, underflow, subnormals.
		"1e0", "1E0", "1e+5", "1e-5", "1.2345e-05", "-1.2345E+05", "1e22", "1e23", "1e-22", "1e-23",
		"1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309",
		"1e-307", "2.2250738585072014e-308", "1e-310", "5e-324", "3e-324", "2e-324", "1e-324", "1e-400",
		"0e500", "0e-500", "1e10000", "1e-10000", "1e99999999999", "123456789e-300", "0.000001e-318",
		"4503599627370496.5", "4503599627370497.5", "1.5e300", "8.988465674311579e307",
		// Not numbers, or not plain decimals: strconv decides.
		"", " ", " 1", "1 ", "+", "-", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "1ee5", "1e5.5", "1.2.3",
		"--1", "+-1", "1,5", "1_000", "0x10", "0x1p-2", "0X1P+2", "0x_1p0", "0x1.8p1", "1p5",
		"inf", "Inf", "+inf", "-Inf", "INF", "infinity", "-Infinity", "infinit", "nan", "NaN", "-nan", "+NaN", "NAN",
		"NA", "N/A", "#N/A", "-1.#IND", "1.#QNAN", "null", "None", "<NA>", "1\x00", "\u0661", "１",
	} {
		checkParseFloat(t, s)
	}
}

// TestParseFloatRandom compares with strconv on random float64 values
// written the ways CSV writers write them: shortest (Python's repr), with
// 15 to 25 significant digits, fixed-point and with exponents.
func TestParseFloatRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for range n {
		var v float64
		switch rng.IntN(4) {
		case 0:
			v = rng.NormFloat64()
		case 1:
			v = math.Exp(rng.NormFloat64() * 20)
		case 2:
			v = math.Float64frombits(rng.Uint64()) // any bits, subnormals, inf and NaN included
		default:
			v = float64(rng.Int64N(1e12)) / 1000
		}
		for _, s := range []string{
			strconv.FormatFloat(v, 'g', -1, 64),
			strconv.FormatFloat(v, 'e', 14+rng.IntN(12), 64),
			strconv.FormatFloat(v, 'f', rng.IntN(20), 64),
			strconv.FormatFloat(v, 'g', 17, 64),
		} {
			checkParseFloat(t, s)
		}
	}
}

// FuzzParseFloat checks parseFloat against strconv.ParseFloat on arbitrary
// text, and on random float64 bits written with random formats and
// precisions (arbitrary text is rarely a number).
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"0.345584192064786", "-1.2345e-05", "1e308", "5e-324", "1234567890123456789012", "0x1p-2", "inf", "1_0", ".", "1e"} {
		f.Add(s, uint64(0), byte(0), int8(-1))
	}
	f.Add("", math.Float64bits(0.1), byte('g'), int8(-1))
	f.Add("", math.Float64bits(2.2250738585072014e-308), byte('e'), int8(20))
	f.Fuzz(func(t *testing.T, s string, bits uint64, format byte, prec int8) {
		checkParseFloat(t, s)
		v := math.Float64frombits(bits)
		fmts := "efgEG"
		fmtc := fmts[int(format)%len(fmts)]
		p := int(prec) % 30
		if p < -1 {
			p = -p
		}
		num := strconv.FormatFloat(v, fmtc, p, 64)
		checkParseFloat(t, num)
		checkParseFloat(t, num+strings.Repeat("0", int(format)%7)) // trailing zeros
		checkParseFloat(t, "-"+strings.TrimPrefix(num, "-"))
	})
}

var parseInputs = func() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, 4096)
	for i := range out {
		// As the bench data: Python's repr of normal, lognormal and uniform values.
		var v float64
		switch i % 3 {
		case 0:
			v = rng.NormFloat64()
		case 1:
			v = math.Exp(0.5 * rng.NormFloat64())
		default:
			v = rng.Float64()
		}
		out[i] = []byte(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return out
}()

// BenchmarkParseFloat compares parseFloat with strconv.ParseFloat on the
// numbers of the drift benchmark's CSV files (17-digit decimals).
func BenchmarkParseFloat(b *testing.B) {
	b.Run("strconv", func(b *testing.B) {
		var sink float64
		for i := 0; b.Loop(); i++ {
			v, err := strconv.ParseFloat(unsafeString(parseInputs[i%len(parseInputs)]), 64)
			if err != nil {
				b.Fatal(err)
			}
			sink += v
		}
		_ = sink
	})
	b.Run("parseFloat", func(b *testing.B) {
		var sink float64
		for i := 0; b.Loop(); i++ {
			v, err := parseFloat(parseInputs[i%len(parseInputs)])
			if err != nil {
				b.Fatal(err)
			}
			sink += v
		}
		_ = sink
	})
}
