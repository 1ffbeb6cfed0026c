package dataset

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// parseFloat returns exactly what strconv.ParseFloat(string(b), 64) returns,
// value and error, without converting b to a string. Plain decimal numbers
// (the numbers in CSV files) take a fast path, parseDecimal; anything else,
// and the rare decimals the fast algorithms cannot decide, goes to strconv.
func parseFloat(b []byte) (float64, error) {
	if f, n, ok := parseDecimal(b); ok && n == len(b) {
		return f, nil
	}
	// strconv copies the string into the errors it returns.
	return strconv.ParseFloat(unsafeString(b), 64)
}

// parseDecimal parses the plain decimal number at the start of s: an
// optional sign, digits with at most one '.' among them, and an optional
// exponent ('e' or 'E', an optional sign and digits). It returns the value,
// the number of bytes it used and ok. When ok, f and n are what
// strconv.ParseFloat(string(s[:n]), 64) returns with a nil error: the value
// is correctly rounded, as strconv's is. ok is false when s does not start
// with such a number (a missing value, inf, nan, hex, underscores, an 'e'
// without exponent digits) and when the number is out of the fast
// algorithms' reach (subnormal, overflowing, or a rare halfway case); the
// caller then falls back to strconv.
//
// Numbers of up to 19 digits (leading zeros included), nearly all numbers
// in CSV files, take a short path: the digits go into a uint64 (eight at a
// time where they can), then to Clinger's exact fast path or the
// Eisel-Lemire algorithm (eisel_lemire.go, from Go's strconv), as strconv
// does. Longer ones go to parseLongDecimal.
func parseDecimal(s []byte) (f float64, n int, ok bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i++
	}
	start := i
	var man uint64
	for i < len(s) && s[i]-'0' <= 9 {
		man = man*10 + uint64(s[i]-'0')
		i++
	}
	digits := i - start
	exp := 0
	if i < len(s) && s[i] == '.' {
		i++
		frac := i
		for i+8 <= len(s) {
			v := binary.LittleEndian.Uint64(s[i:])
			x := nonDigits(v)
			if x != 0 {
				// The digits before the first non-digit: shifted to the
				// top, with zero bytes below that parseEight reads as
				// leading zeros.
				k := bits.TrailingZeros64(x) >> 3
				man = man*pow10u64[k&7] + parseEight(v<<(64-8*k))
				i += k
				goto fracDone
			}
			man = man*100000000 + parseEight(v)
			i += 8
		}
		for i < len(s) && s[i]-'0' <= 9 {
			man = man*10 + uint64(s[i]-'0')
			i++
		}
	fracDone:
		digits += i - frac
		exp = frac - i
	}
	if digits == 0 {
		return 0, 0, false
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		esign := 1
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				esign = -1
			}
			i++
		}
		if i >= len(s) || s[i]-'0' > 9 {
			return 0, 0, false // strconv: invalid syntax
		}
		e := 0
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			if e < 10000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		exp += e * esign
	}
	if digits > 19 {
		// man may have overflowed; leading zeros may make it fit.
		f, m, ok := parseLongDecimal(s)
		if !ok || m != i {
			return 0, 0, false
		}
		return f, i, true
	}
	if man == 0 {
		exp = 0
	}
	if f, ok := goAtof64Exact(man, exp, neg); ok {
		return f, i, true
	}
	if f, ok := goEiselLemire64(man, exp, neg); ok {
		return f, i, true
	}
	return 0, 0, false
}

// parseLongDecimal is parseDecimal for any number of digits: it keeps the
// first 19 significant digits and notes whether a later one is not 0; such
// a truncated mantissa is accepted only when it and the one above it round
// to the same float64, as strconv does.
func parseLongDecimal(s []byte) (f float64, n int, ok bool) {
	i := 0
	neg := false
	if len(s) > 0 {
		switch s[0] {
		case '-':
			neg = true
			i++
		case '+':
			i++
		}
	}
	var man uint64
	nd := 0     // significant digits seen (leading zeros are not significant)
	ndMant := 0 // digits in man, at most 19
	trunc := false
	digits := false

	// Integer part: leading zeros, then significant digits, one at a time
	// (there are few, usually).
	for i < len(s) && s[i] == '0' {
		i++
		digits = true
	}
	start := i
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		if ndMant < 19 {
			man = man*10 + uint64(d)
			ndMant++
		} else if d != 0 {
			trunc = true
		}
	}
	nd = i - start
	digits = digits || nd > 0
	dp := nd // significant digits before the decimal point

	if i < len(s) && s[i] == '.' {
		i++
		if nd == 0 {
			// 0.000123: zeros after the point are not significant yet.
			for i < len(s) && s[i] == '0' {
				i++
				dp--
				digits = true
			}
		}
		start := i
		i, man, ndMant, trunc = readDigits(s, i, man, ndMant, trunc)
		nd += i - start
		digits = digits || i > start
	}
	if !digits {
		return 0, 0, false
	}

	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		esign := 1
		if i < len(s) {
			switch s[i] {
			case '+':
				i++
			case '-':
				i++
				esign = -1
			}
		}
		if i >= len(s) || s[i]-'0' > 9 {
			return 0, 0, false // strconv: invalid syntax
		}
		e := 0
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			if e < 10000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		dp += e * esign
	}

	exp := 0
	if man != 0 {
		exp = dp - ndMant
	}
	if !trunc {
		if f, ok := goAtof64Exact(man, exp, neg); ok {
			return f, i, true
		}
	}
	f, ok = goEiselLemire64(man, exp, neg)
	if !ok {
		return 0, 0, false
	}
	if trunc {
		// The digits after the 19th were dropped: the exact value lies
		// between man and man+1 (times 10^exp). Both must round alike.
		if up, ok := goEiselLemire64(man+1, exp, neg); !ok || up != f {
			return 0, 0, false
		}
	}
	return f, i, true
}

// readDigits reads the decimal digits of s from i on, adding them to man
// while it holds fewer than 19 digits and setting trunc when a later digit
// that is not 0 is dropped. It returns where the digits end and the new
// man, ndMant and trunc.
func readDigits(s []byte, i int, man uint64, ndMant int, trunc bool) (int, uint64, int, bool) {
	// Eight bytes at a time: the digits among them up to the first
	// non-digit, while they fit in man.
	for i+8 <= len(s) {
		v := binary.LittleEndian.Uint64(s[i:])
		x := nonDigits(v)
		if x == 0 {
			if ndMant > 19-8 {
				break
			}
			man = man*100000000 + parseEight(v)
			ndMant += 8
			i += 8
			continue
		}
		k := bits.TrailingZeros64(x) >> 3
		if k == 0 {
			return i, man, ndMant, trunc
		}
		if ndMant+k > 19 {
			break
		}
		// Shifting the k digits to the top leaves zero bytes below them,
		// which parseEight reads as leading zeros.
		return i + k, man*pow10u64[k&7] + parseEight(v<<(64-8*k)), ndMant + k, trunc
	}
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		if ndMant < 19 {
			man = man*10 + uint64(d)
			ndMant++
		} else if d != 0 {
			trunc = true
		}
	}
	return i, man, ndMant, trunc
}

var pow10u64 = [8]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000}

// nonDigits returns v (eight bytes loaded little-endian) with the bytes that
// are ASCII digits zeroed and some bits set in the first byte that is not.
// Each digit byte has high nibble 3 and does not carry into it when 6 is
// added. A byte above 0xF9 carries into the next byte, so bytes after the
// first non-digit may read wrongly; callers only look for the first.
func nonDigits(v uint64) uint64 {
	return ((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) ^ 0x3333333333333333
}

// parseEight returns the value of eight ASCII digits loaded little-endian
// (the first digit in the low byte), combining pairs, then quads, then the
// two halves with multiplications.
func parseEight(v uint64) uint64 {
	v &= 0x0F0F0F0F0F0F0F0F
	v = (v * (10<<8 + 1)) >> 8 // pairs: 10*d0 + d1 in the even bytes
	v &= 0x00FF00FF00FF00FF
	v = (v * (100<<16 + 1)) >> 16 // quads in the even 16-bit words
	v &= 0x0000FFFF0000FFFF
	return (v * (10000<<32 + 1)) >> 32 // all eight in the low 32 bits
}
