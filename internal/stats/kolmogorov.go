package stats

// This file ports the one-sample Kolmogorov distributions scipy 1.10.1 uses
// for the two-sample KS test's p-values:
//
//   - KolmogorovSF is scipy.stats.kstwo.sf, the survival function of the
//     two-sided statistic D_n (scipy/stats/_ksstats.py, _kolmogn with
//     cdf=False, plus rv_continuous.sf's support handling).
//   - SmirnovSF is scipy.special.smirnov, the survival function of the
//     one-sided statistic D+_n (scipy/special/cephes/kolmogorov.c, _smirnov),
//     which evaluates the Smirnov/Birnbaum–Tingey sum in double-double
//     arithmetic (dd_real.h from the QD library).
//
// The ports keep scipy's branch points, constants and evaluation order, so
// results agree with scipy to a few units in the last place; where scipy
// takes the survival function as 1 - CDF (Pomeranz, Durbin, Pelz–Good) the
// libm/BLAS-level differences in the CDF are amplified by up to 1/SF, which
// is the largest error measured (about 2e-12 relative, see ks_test.go).
//
// Cost: SmirnovSF sums up to n terms for 10,000 < n <= 1,000,000 (about a
// second at n = 10**6, as in scipy); KolmogorovSF and the asymptotic
// KS2Samp p-value reach it when n*d² >= 2.2 with n > 140.
//
// Where numpy silently promotes to 80-bit long double (the rescaling steps
// of _kolmogn_DMTW and _kolmogn_Pomeranz multiply by np.longdouble
// constants), the port carries the value as a double-double instead, which
// is at least as precise. Integer powers use powInt, which is correctly
// rounded in practice like glibc's pow; Go's math.Pow loses up to ~m ulps
// for x**m and is not used.

import "math"

// Constants exactly as numpy computes them in scipy/stats/_ksstats.py.
const (
	ksSqrt2Pi   = 2.5066282746310002 // np.sqrt(2 * np.pi)
	ksLog2Pi    = 1.8378770664093453 // np.log(2 * np.pi)
	ksSqrt3     = 1.7320508075688772 // np.sqrt(3)
	ksPiSquared = 9.869604401089358  // np.pi ** 2
	ksPiFour    = 97.40909103400242  // np.pi ** 4
	ksPiSix     = 961.3891935753043  // np.pi ** 6
	ksMinLog    = -708               // _MIN_LOG
	ksE128      = 128                // _E128
)

var (
	ksEP128 = math.Ldexp(1, ksE128)  // _EP128
	ksEM128 = math.Ldexp(1, -ksE128) // _EM128
)

// ksStirlingCoeffs are B_{2j}/(2j)/(2j-1) for j=8..1 (_STIRLING_COEFFS).
var ksStirlingCoeffs = [...]float64{
	-0.029550653594771242, 0.00641025641025641, -0.0019175269175269176,
	0.0008417508417508417, -0.0005952380952380953, 0.0007936507936507937,
	-0.002777777777777778, 0.08333333333333333,
}

// KolmogorovSF returns Pr(D_n >= d) for the one-sample two-sided
// Kolmogorov–Smirnov statistic D_n = sup_x |F_n(x) - F(x)| of a sample of
// size n: scipy.stats.kstwo.sf(d, n) in scipy 1.10.1. It is 1 for
// d <= 0.5/n, 0 for d >= 1, and NaN for n < 1 or a NaN d.
//
// It follows Simard and L'Ecuyer (2011) as scipy does: Ruben–Gambino
// closed forms near the ends of the support, 2*SmirnovSF for d >= 0.5 or
// large n*d², Durbin's matrix method (Marsaglia–Tsang–Wang), Pomeranz's
// recursion, or the Pelz–Good expansion elsewhere.
func KolmogorovSF(n int, d float64) float64 {
	if n < 1 || math.IsNaN(d) {
		return math.NaN()
	}
	if d <= 0.5/float64(n) {
		return 1
	}
	if d >= 1 {
		return 0
	}
	return kolmognSF(n, d)
}

// ksClip clips p to [0, 1] (np.clip, which passes NaN through).
func ksClip(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}

// kolmognSF is _kolmogn(n, x, cdf=False) for n >= 1.
func kolmognSF(n int, x float64) float64 {
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 { // Ruben–Gambino: 1/2n <= x <= 1/n
		if t <= 0.5 {
			return 1
		}
		var prob float64
		if n <= 140 {
			// np.prod(np.arange(1, n+1) * (1.0/n) * (2*t - 1)), a
			// sequential product.
			rn, f := 1.0/fn, 2*t-1
			prob = 1
			for i := 1; i <= n; i++ {
				prob *= float64(i) * rn * f
			}
		} else {
			prob = math.Exp(ksLogNFactorialDivNPowN(n) + float64(fn*math.Log(2*t-1)))
		}
		return ksClip(1 - prob)
	}
	if t >= fn-1 { // Ruben–Gambino
		return ksClip(2 * powInt(1-x, n))
	}
	if x >= 0.5 { // exact: 2 * smirnov
		return ksClip(2 * SmirnovSF(n, x))
	}
	nxsquared := t * x
	if n <= 140 {
		if nxsquared <= 0.754693 {
			return ksClip(ddSubdD(1, kolmognDMTW(n, x)).hi)
		}
		if nxsquared <= 4 {
			return ksClip(ddSubdD(1, kolmognPomeranz(n, x)).hi)
		}
		// Miller approximation of 2*smirnov.
		return ksClip(2 * SmirnovSF(n, x))
	}
	// The SF has its own cutoffs on nxsquared.
	if nxsquared >= 370 {
		return 0
	}
	if nxsquared >= 2.2 {
		return ksClip(2 * SmirnovSF(n, x))
	}
	// Compute the SF as 1 - CDF (nxsquared < 18 here, so the CDF is never
	// taken as 1).
	if n <= 100000 && fn*pow15(x) <= 1.4 {
		return ksClip(ddSubdD(1, kolmognDMTW(n, x)).hi)
	}
	return ksClip(1 - kolmognPelzGood(n, x))
}

// ksLogNFactorialDivNPowN is _log_nfactorial_div_n_pow_n: log(n!/n**n) by
// Stirling's series with n*log(n) removed up front.
func ksLogNFactorialDivNPowN(n int) float64 {
	fn := float64(n)
	rn := 1.0 / fn
	x := rn / fn
	y := 0.0 // np.polyval: y = y*x + c
	for _, c := range ksStirlingCoeffs {
		y = float64(y*x) + c
	}
	return math.Log(fn)/2 - fn + ksLog2Pi/2 + float64(rn*y)
}

// kolmognDMTW is _kolmogn_DMTW(n, d, cdf=True): Pr(D_n <= d) by Durbin's
// matrix algorithm as Marsaglia, Tsang and Wang (2003) evaluate it. The
// result is a double-double because scipy finishes the computation in long
// double once the running product has been rescaled.
func kolmognDMTW(n int, d float64) ddouble {
	if d >= 1 {
		return ddouble{1, 0}
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return ddouble{}
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	// v is the first column (and reversed last row) of H, w[j] = 1/j!.
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1.0 - powInt(h, j)
		w[j-1] = fac
		fac /= float64(j) // may underflow; harmless
		v[j-1] *= fac
	}
	tt := powInt(max(2*h-1.0, 0), m) - 2*powInt(h, m)
	v[m-1] = (1.0 + tt) * fac

	H := make([]float64, m*m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-(i-1)]
		}
	}
	for r := range m {
		H[r*m] = v[r]
	}
	for c := range m {
		H[(m-1)*m+c] = v[m-1-c]
	}

	// Hpwr = H**n with separate power-of-two exponents.
	Hpwr := make([]float64, m*m)
	for i := range m {
		Hpwr[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			ksMatMul(tmp, Hpwr, H, m)
			Hpwr, tmp = tmp, Hpwr
			expnt += hexpnt
		}
		ksMatMul(tmp, H, H, m)
		H, tmp = tmp, H
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > ksEP128 {
			for i := range H {
				H[i] /= ksEP128
			}
			hexpnt += ksE128
		}
	}

	// Multiply by n!/n**n. Once p is rescaled, numpy carries it as a long
	// double; a double-double stands in for that.
	p := Hpwr[(k-1)*m+k-1]
	var pd ddouble
	extended := false
	for i := 1; i <= n; i++ {
		if !extended {
			p = float64(i) * p / fn
			if math.Abs(p) < ksEM128 {
				pd = ddouble{p * ksEP128, 0}
				extended = true
				expnt -= ksE128
			}
			continue
		}
		pd = ddDivDd(ddMuldD(float64(i), pd), fn)
		if math.Abs(pd.hi) < ksEM128 {
			pd = ddLdexp(pd, ksE128)
			expnt -= ksE128
		}
	}
	if !extended {
		pd = ddouble{p, 0}
	}
	if expnt != 0 {
		pd = ddLdexp(pd, expnt)
	}
	return ddClip(pd)
}

// ksMatMul sets dst = a*b for m×m row-major matrices.
func ksMatMul(dst, a, b []float64, m int) {
	for i := range m {
		row := a[i*m : (i+1)*m]
		out := dst[i*m : (i+1)*m]
		clear(out)
		for l, ail := range row {
			if ail == 0 {
				continue
			}
			bl := b[l*m : (l+1)*m]
			for j, blj := range bl {
				out[j] += float64(ail * blj)
			}
		}
	}
}

// ksPomeranzJ1J2 is _pomeranz_compute_j1j2: the endpoints of row i.
func ksPomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 { // i is odd
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmognPomeranz is _kolmogn_Pomeranz(n, x, cdf=True): Pr(D_n <= x) by
// Pomeranz's (1974) recursion. Like kolmognDMTW it returns a double-double
// where scipy switches to long double.
func kolmognPomeranz(n int, x float64) ddouble {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll) // fractional part of t
	g := min(f, 1.0-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1) // maximum number of powers needed
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	gOverN, twoGOverN, oneMinusTwoGOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		fm := float64(m)
		gpower[m] = gpower[m-1] * gOverN / fm
		twogpower[m] = twogpower[m-1] * twoGOverN / fm
		onem2gpower[m] = onem2gpower[m-1] * oneMinusTwoGOverN / fm
	}

	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	expnt := 0
	conv := make([]float64, 2*npwrs)

	j1, j2 := ksPomeranzJ1J2(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		clear(V1)
		j1, j2 = ksPomeranzJ1J2(i, n, ll, ceilf, roundf)
		pwrs := onem2gpower
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		// conv = np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]), with
		// numpy's slice clipping.
		lo := k1 - V0s
		a := V0[lo:min(lo+ln2, npwrs)]
		b := pwrs[:min(ln2, npwrs)]
		c := conv[:len(a)+len(b)-1]
		clear(c)
		for p, ap := range a {
			if ap == 0 {
				continue
			}
			for q, bq := range b {
				c[p+q] += float64(ap * bq)
			}
		}
		convStart := j1 - k1 // first index to use from conv
		convLen := j2 - j1 + 1
		copy(V1[:convLen], c[convStart:convStart+convLen])
		// Scale to avoid underflow.
		if mx := ksMaxFloat(V1); mx > 0 && mx < ksEM128 {
			for idx := range V1 {
				V1[idx] *= ksEP128
			}
			expnt -= ksE128
		}
		V1s = V0s + j1 - k1
	}

	// Multiply by n!; numpy switches to long double at the first rescale.
	ans := V1[n-V1s]
	var ad ddouble
	extended := false
	for m := 1; m <= n; m++ {
		fm := float64(m)
		if !extended {
			if math.Abs(ans) > ksEP128 {
				ad = ddouble{ans * ksEM128, 0}
				extended = true
				expnt += ksE128
				ad = ddMulDd(ad, fm)
				continue
			}
			ans *= fm
			continue
		}
		if math.Abs(ad.hi) > ksEP128 {
			ad = ddLdexp(ad, -ksE128)
			expnt += ksE128
		}
		ad = ddMulDd(ad, fm)
	}
	if !extended {
		ad = ddouble{ans, 0}
	}
	if expnt != 0 {
		ad = ddLdexp(ad, expnt)
	}
	return ddClip(ad)
}

func ksMaxFloat(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// kolmognPelzGood is _kolmogn_PelzGood(n, x, cdf=True): the Pelz–Good
// (1976) approximation to Pr(D_n <= x), x in (0, 1).
func kolmognPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	z := math.Sqrt(float64(n)) * x
	zsquared, zthree, zfour, zsix := powInt(z, 2), powInt(z, 3), powInt(z, 4), powInt(z, 6)

	qlog := -ksPiSquared / 8 / zsquared
	if qlog < ksMinLog { // z ~ 0.041743441416853426
		return 0
	}
	q := math.Exp(qlog)

	// Coefficients of the terms in the sums for K1, K2 and K3.
	k1a := -zsquared
	k1b := ksPiSquared / 4

	k2a := 6*zsix + 2*zfour
	k2b := (2*zfour - 5*zsquared) * ksPiSquared / 4
	k2c := ksPiFour * (1 - 2*zsquared) / 16

	k3d := ksPiSix * (5 - 30*zsquared) / 64
	k3c := ksPiFour * (-60*zsquared + 212*zfour) / 16
	k3b := ksPiSquared * (135*zfour - 96*zsix) / 4
	k3a := -30*zsix - 90*powInt(z, 8)

	// Horner scheme for sum c_i q^(i^2) over the odd integers.
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := 2*k - 1
		msquared := float64(m * m)
		mfour := float64(m * m * m * m)
		msix := float64(m * m * m * m * m * m)
		qpower := powInt(q, 8*k)
		coeffs := [4]float64{
			1.0,
			k1a + float64(k1b*msquared),
			k2a + float64(k2b*msquared) + float64(k2c*mfour),
			k3a + float64(k3b*msquared) + float64(k3c*mfour) + float64(k3d*msix),
		}
		for i := range K {
			K[i] *= qpower
			K[i] += coeffs[i]
		}
	}
	div := [4]float64{z, 6 * zfour, 72 * powInt(z, 7), 6480 * powInt(z, 10)}
	for i := range K {
		K[i] *= q
		K[i] *= ksSqrt2Pi
		K[i] /= div[i] // z**10 > 0 as z > 0.04
	}

	// The other sums over all integers k:
	// K_2: (pi^2 k^2) q^(k^2), K_3: (3pi^2 k^2 z^2 - pi^4 k^4) q^(k^2).
	q = math.Exp(-ksPiSquared / 2 / zsquared)
	sqrt3z := ksSqrt3 * z
	t2 := make([]float64, maxk)
	t3 := make([]float64, maxk)
	for i := range maxk {
		k := maxk - i // np.arange(maxk, 0, -1)
		ksquared := float64(k * k)
		kspi := math.Pi * float64(k)
		qpwr := powInt(q, k*k)
		t2[i] = ksquared * qpwr
		t3[i] = (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwr
	}
	k2extra := ksNumpySum(t2)
	k2extra *= ksPiSquared * ksSqrt2Pi / (-36 * zthree)
	K[2] += k2extra
	k3extra := ksNumpySum(t3)
	k3extra *= ksPiSquared * ksSqrt2Pi / (216 * zsix)
	K[3] += k3extra

	fn := float64(n)
	K[1] /= math.Sqrt(fn) // np.power(n, [0, 0.5, 1, 1.5])
	K[2] /= fn
	K[3] /= pow15(fn)
	return K[0] + K[1] + K[2] + K[3]
}

// ksNumpySum is np.sum of a float64 vector: numpy's pairwise summation.
func ksNumpySum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range r {
				r[k] += a[i+k]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return ksNumpySum(a[:n2]) + ksNumpySum(a[n2:])
	}
}

// SmirnovSF returns Pr(D+_n >= d) for the one-sided one-sample
// Kolmogorov–Smirnov statistic D+_n = sup_x (F_n(x) - F(x)) of a sample of
// size n: scipy.special.smirnov(n, d) in scipy 1.10.1. It is NaN for n < 1
// and for d outside [0, 1] or NaN.
//
// For n <= 1,000,000 it sums the Smirnov (Birnbaum–Tingey) series, the
// lower or the upper one as scipy chooses, term by term in double-double
// arithmetic with the binomial coefficients carried as a mantissa and a
// separate exponent; for larger n it uses exp(-(6nd+1)²/18n).
func SmirnovSF(n int, d float64) float64 {
	if math.IsNaN(d) {
		return math.NaN()
	}
	return smirnovSF(n, d)
}

// Configuration of cephes' _smirnov.
const (
	smirnovMaxComputeN = 1000000
	smUpperMaxTerms    = 3
	smUpperSumMinN     = 10
	smMinLog           = -7.451332191019412076235e2 // cephes MINLOG, log(2**-1075)
	smMaxExponent      = 960
	dblEpsilon         = 0x1p-52
)

// smirnovSF is the sf of cephes' _smirnov(n, x).
func smirnovSF(n int, x float64) float64 {
	if !(n > 0 && x >= 0.0 && x <= 1.0) {
		return math.NaN()
	}
	if n == 1 {
		return 1 - x
	}
	if x == 0.0 {
		return 1.0
	}
	if x == 1.0 {
		return 0.0
	}

	alpha, nxfl := smModNX(n, x)
	n1mxfl := n - nxfl
	if alpha != 0 {
		n1mxfl--
	}
	n1mxceil := n - nxfl
	// If alpha is 0, the last term is in neither sum.
	if alpha == 0 {
		n1mxfl--
		n1mxceil++
	}

	// Special case: x <= 1/n.
	if nxfl == 0 || (nxfl == 1 && alpha == 0) {
		t := smPow2(1, x, n-1)
		return 1 - x*t
	}
	// Special case: x is so big the sf underflows.
	if float64(-2*n)*x*x < smMinLog {
		return 0
	}
	// Special case: x >= 1 - 1/n.
	if nxfl >= n-1 {
		return smPow2(1, -x, n)
	}
	// Special case: n is too big to sum; p ~ e^(-(6nx+1)^2 / 18n).
	if n > smirnovMaxComputeN {
		b := float64(6*n)*x + 1.0
		logp := -(b * b) / 18.0 / float64(n)
		return math.Exp(logp)
	}

	// Use the upper sum if n is large enough, x small enough, and the
	// number of terms small enough (it alternates in sign).
	nUpperTerms := n - n1mxceil + 1
	useUpper := nUpperTerms <= 1 && x < 0.5
	useUpper = useUpper || (n >= smUpperSumMinN && nUpperTerms <= smUpperMaxTerms &&
		x <= 0.5/math.Sqrt(float64(n)))

	start, step, nTerms := 0, 1, n1mxfl+1
	vmid := n / 2
	cman, cexpt := ddouble{1, 0}, 0
	var aj, ajSum ddouble
	if useUpper {
		start, step = n, -1
		nTerms = n - n1mxceil + 1
		aj = smPow4D(1, x, 1, 0, n-1)
	} else {
		t2 := smPow4D(1, -x, 1, 0, n)
		aj = ddDivDd(t2, x)
	}
	ajSum = ddAdd(ajSum, aj)
	cman, cexpt = smUpdateBinomial(cman, cexpt, n, 0)

	for j := 1; j < nTerms; j++ {
		v := start + j*step
		aj = smComputeAv(n, x, v, cman, cexpt)
		if ddIsFinite(aj) && aj.hi != 0 {
			ajSum = ddAdd(ajSum, aj)
		}
		// Safe to terminate early?
		if aj.hi != 0 {
			if float64(4*(nTerms-j))*math.Abs(aj.hi) < dblEpsilon*ajSum.hi && j != nTerms-1 {
				break
			}
		} else if j > vmid {
			break
		}
		cman, cexpt = smUpdateBinomial(cman, cexpt, n, j)
	}
	prob := ddMuldD(x, ajSum).hi
	sf := prob
	if step < 0 {
		sf = 1 - prob
	}
	return ksClip(sf)
}

// smModNX computes floor(n*x) and the remainder n*x - floor(n*x) exactly;
// a remainder that rounds to 1 is carried into the floor (modNX).
func smModNX(n int, x float64) (alpha float64, nxfloor int) {
	nxD := ddMuldd(float64(n), x)
	nxfloorD := ddFloor(nxD)
	alpha = ddSub(nxD, nxfloorD).hi
	nxfloor = int(nxfloorD.hi)
	if alpha == 1 {
		nxfloor++
		alpha = 0
	}
	return alpha, nxfloor
}

// smUpdateBinomial multiplies the binomial coefficient cman*2**cexpt by
// (n-j)/(j+1).
func smUpdateBinomial(cman ddouble, cexpt, n, j int) (ddouble, int) {
	rat := ddDivdd(float64(n-j), float64(j)+1.0)
	man2, expt := ddFrexp(ddMul(cman, rat))
	return man2, cexpt + expt
}

// smPowD is pow_D: a**m for a double-double a, accurate to a bit more than
// a double.
func smPowD(a ddouble, m int) ddouble {
	if m <= 0 {
		if m == 0 {
			return ddouble{1, 0}
		}
		return ddInv(smPowD(a, -m))
	}
	if a.hi == 0 {
		return ddouble{}
	}
	ans := powInt(a.hi, m)
	r := a.lo / a.hi
	fm := float64(m)
	adj := fm * r
	if math.Abs(adj) > 1e-8 {
		if math.Abs(adj) < 1e-4 {
			// First two terms of the Taylor series of (1+r)^m.
			adj += float64(fm*r) * (float64(m-1) / 2.0 * r)
		} else {
			adj = math.Expm1(fm * math.Log1p(r))
		}
	}
	return ddAdddd(ans, ans*adj)
}

// smPow2 is pow2: (a+b)**m rounded to a double.
func smPow2(a, b float64, m int) float64 {
	return smPowD(ddAdddd(a, b), m).hi
}

// smPow2ScaledD is pow2Scaled_D: a**m as a significand in [0.5, 1) and a
// power-of-two exponent.
func smPow2ScaledD(a ddouble, m int) (ddouble, int) {
	if m <= 0 {
		if m == 0 {
			return ddouble{1, 0}, 0
		}
		ans, aE1 := smPow2ScaledD(a, -m)
		ans, aE2 := ddFrexp(ddInv(ans))
		return ans, -aE1 + aE2
	}
	y, yE := ddFrexp(a)
	if m == 1 {
		return y, yE
	}
	// y**maxExpt must stay >= 2**-960.
	maxExpt := smMaxExponent
	fm := float64(m)
	if fm*(y.hi-1)/y.hi < -smMaxExponent*math.Ln2 {
		lg2y := math.Log(y.hi) / math.Ln2
		lgAns := fm * lg2y
		if lgAns <= -smMaxExponent {
			maxExpt = int(smNextPowerOf2(-smMaxExponent/lg2y+1) / 2)
		}
	}
	if m <= maxExpt {
		ans, ansE := ddFrexp(smPowD(y, m))
		return ans, ansE + m*yE
	}
	q, r := m/maxExpt, m%maxExpt
	// y**m = (y**maxExpt)**q * y**r
	y2r, y2rE := smPow2ScaledD(y, r)
	y2m, y2mE := smPow2ScaledD(y, maxExpt)
	y2mq, y2mqE := smPow2ScaledD(y2m, q)
	ans, ansE := ddFrexp(ddMul(y2r, y2mq))
	y2mqE += y2mE * q
	ansE += y2mqE + y2rE
	ansE += m * yE
	return ans, ansE
}

// smNextPowerOf2 is cephes' nextPowerOf2 (which, despite its name, rounds
// x to an integer-valued double when it can).
func smNextPowerOf2(x float64) float64 {
	q := math.Ldexp(x, 1-53)
	L := math.Abs(q + x)
	if L == 0 {
		return math.Abs(x)
	}
	if Lint := int(L); float64(Lint) == L {
		L = float64(Lint)
	}
	return L
}

// smPow4D is pow4_D: ((a+b)/(c+d))**m.
func smPow4D(a, b, c, d float64, m int) ddouble {
	if m <= 0 {
		if m == 0 {
			return ddouble{1, 0}
		}
		return smPow4D(c, d, a, b, -m)
	}
	A := ddAdddd(a, b)
	C := ddAdddd(c, d)
	if A.hi == 0 {
		if C.hi == 0 {
			return ddouble{math.NaN(), math.NaN()}
		}
		return ddouble{}
	}
	if C.hi == 0 {
		if A.hi < 0 {
			return ddouble{math.Inf(-1), 0}
		}
		return ddouble{math.Inf(1), 0}
	}
	return smPowD(ddDiv(A, C), m)
}

// smComputeAv is computeAv: one term of the sum,
// A_v(n, x) = Binomial(n, v) * (1-x-v/n)**(n-v) * (x+v/n)**(v-1).
func smComputeAv(n int, x float64, v int, cman ddouble, cexpt int) ddouble {
	t2x := ddSubDd(ddDivdd(float64(n-v), float64(n)), x) // 1 - x - v/n
	t2, t2E := smPow2ScaledD(t2x, n-v)
	t1x := ddAddDd(ddDivdd(float64(v), float64(n)), x) // x + v/n
	t1, t1E := smPow2ScaledD(t1x, v-1)
	ans := ddMul(t1, t2)
	ans = ddMul(ans, cman)
	return ddLdexp(ans, cexpt+t1E+t2E)
}

// powInt returns x**m like C's pow(x, m) with an integer exponent: it
// raises the significand of x by binary powering in double-double
// arithmetic (relative error about m*1e-32 before the final rounding), so
// the result is the correctly rounded power except in astronomically rare
// near-halfway cases — as glibc's pow is. Special operands go to math.Pow,
// whose special cases follow C99 pow.
func powInt(x float64, m int) float64 {
	switch {
	case m == 0:
		return 1
	case m == 1:
		return x
	case m == 2:
		return x * x
	case x == 0 || math.IsInf(x, 0) || math.IsNaN(x):
		return math.Pow(x, float64(m))
	}
	neg := m < 0
	if neg {
		m = -m
	}
	// x = frac * 2**e; raise frac (|frac| in [0.5, 1)) by binary powering,
	// keeping each double-double at least 2**-300 in magnitude by moving
	// powers of two into rexp and bexp.
	frac, e := ksFrexp(x)
	result, rexp := ddouble{1, 0}, 0
	base, bexp := ddouble{frac, 0}, 0
	for k := m; ; {
		if k&1 == 1 {
			result = ddMul(result, base)
			rexp += bexp
			if math.Abs(result.hi) < 0x1p-300 {
				result = ddouble{result.hi * 0x1p300, result.lo * 0x1p300}
				rexp -= 300
			}
		}
		k >>= 1
		if k == 0 {
			break
		}
		base = ddMul(base, base)
		bexp *= 2
		if math.Abs(base.hi) < 0x1p-300 {
			base = ddouble{base.hi * 0x1p300, base.lo * 0x1p300}
			bexp -= 300
		}
	}
	if neg {
		result = ddInv(result)
		rexp = -rexp
		e = -e
	}
	// Out-of-range exponents saturate in math.Ldexp. A subnormal result
	// is rounded twice (to 53 bits, then to the subnormal grid), which can
	// be one subnormal ulp off; no caller depends on that.
	return ksLdexp(result.hi, rexp+m*e)
}

// ksLdexp is math.Ldexp (x * 2**e, correctly rounded), faster for the
// common exponents.
func ksLdexp(x float64, e int) float64 {
	if e >= -1022 && e <= 1023 {
		return x * math.Float64frombits(uint64(e+1023)<<52)
	}
	return math.Ldexp(x, e)
}

// ksFrexp is math.Frexp, faster for normal numbers.
func ksFrexp(x float64) (float64, int) {
	b := math.Float64bits(x)
	ex := int(b>>52) & 0x7ff
	if ex == 0 || ex == 0x7ff {
		return math.Frexp(x)
	}
	return math.Float64frombits(b&^(0x7ff<<52) | 1022<<52), ex - 1022
}

// pow15 returns x**1.5 for x >= 0 rounded like C's pow(x, 1.5).
func pow15(x float64) float64 {
	if x <= 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return math.Pow(x, 1.5)
	}
	s := math.Sqrt(x)
	sl := math.FMA(-s, s, x) / (2 * s) // sqrt(x) = s + sl to ~106 bits
	return ddMuldD(x, ddouble{s, sl}).hi
}

// ddouble is a double-double number hi+lo with |lo| <= ulp(hi)/2, ported
// from the QD library's dd_real as vendored in scipy/special/cephes
// (dd_idefs.h, dd_real_idefs.h). Products are written float64(a*b) where a
// fused multiply-add would change the result.
type ddouble struct{ hi, lo float64 }

// ddTwoSum returns fl(a+b) and its rounding error.
func ddTwoSum(a, b float64) (s, e float64) {
	s = a + b
	c := s - a
	d := b - c
	e = (a - (s - c)) + d
	return s, e
}

// ddQuickTwoSum returns fl(a+b) and its rounding error, for |a| >= |b|.
func ddQuickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

// ddTwoProd returns fl(a*b) and its rounding error (exact by FMA, as the
// Dekker split is in the C code).
func ddTwoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

func ddIsFinite(a ddouble) bool { return !math.IsInf(a.hi, 0) && !math.IsNaN(a.hi) }

// ddAdddd is dd_add_d_d.
func ddAdddd(a, b float64) ddouble {
	s, e := ddTwoSum(a, b)
	return ddouble{s, e}
}

// ddMuldd is dd_mul_d_d.
func ddMuldd(a, b float64) ddouble {
	p, e := ddTwoProd(a, b)
	return ddouble{p, e}
}

// ddAdd is dd_add (dd_ieee_add).
func ddAdd(a, b ddouble) ddouble {
	s1, s2 := ddTwoSum(a.hi, b.hi)
	t1, t2 := ddTwoSum(a.lo, b.lo)
	s2 += t1
	s1, s2 = ddQuickTwoSum(s1, s2)
	s2 += t2
	s1, s2 = ddQuickTwoSum(s1, s2)
	return ddouble{s1, s2}
}

// ddSub is dd_sub.
func ddSub(a, b ddouble) ddouble { return ddAdd(a, ddouble{-b.hi, -b.lo}) }

// ddAddDd is dd_add_dd_d.
func ddAddDd(a ddouble, b float64) ddouble {
	s1, s2 := ddTwoSum(a.hi, b)
	s2 += a.lo
	s1, s2 = ddQuickTwoSum(s1, s2)
	return ddouble{s1, s2}
}

// ddSubDd is dd_sub_dd_d.
func ddSubDd(a ddouble, b float64) ddouble {
	s1, s2 := ddTwoSum(a.hi, -b)
	s2 += a.lo
	s1, s2 = ddQuickTwoSum(s1, s2)
	return ddouble{s1, s2}
}

// ddSubdD is dd_sub_d_dd.
func ddSubdD(a float64, b ddouble) ddouble {
	s1, s2 := ddTwoSum(a, -b.hi)
	s2 -= b.lo
	s1, s2 = ddQuickTwoSum(s1, s2)
	return ddouble{s1, s2}
}

// ddMul is dd_mul.
func ddMul(a, b ddouble) ddouble {
	p1, p2 := ddTwoProd(a.hi, b.hi)
	p2 += float64(a.hi*b.lo) + float64(a.lo*b.hi)
	p1, p2 = ddQuickTwoSum(p1, p2)
	return ddouble{p1, p2}
}

// ddMulDd is dd_mul_dd_d.
func ddMulDd(a ddouble, b float64) ddouble {
	p1, e1 := ddTwoProd(a.hi, b)
	p2, e2 := ddTwoProd(a.lo, b)
	p1, e1 = ddQuickTwoSum(p1, e2+p2+e1)
	return ddouble{p1, e1}
}

// ddMuldD is dd_mul_d_dd.
func ddMuldD(a float64, b ddouble) ddouble {
	p1, e1 := ddTwoProd(a, b.hi)
	p2, e2 := ddTwoProd(a, b.lo)
	p1, e1 = ddQuickTwoSum(p1, e2+p2+e1)
	return ddouble{p1, e1}
}

// ddDiv is dd_div (dd_accurate_div).
func ddDiv(a, b ddouble) ddouble {
	q1 := a.hi / b.hi // approximate quotient
	r := ddSub(a, ddMulDd(b, q1))
	q2 := r.hi / b.hi
	r = ddSub(r, ddMulDd(b, q2))
	q3 := r.hi / b.hi
	q1, q2 = ddQuickTwoSum(q1, q2)
	return ddAddDd(ddouble{q1, q2}, q3)
}

// ddDivdd is dd_div_d_d.
func ddDivdd(a, b float64) ddouble { return ddDiv(ddouble{a, 0}, ddouble{b, 0}) }

// ddDivDd is dd_div_dd_d.
func ddDivDd(a ddouble, b float64) ddouble { return ddDiv(a, ddouble{b, 0}) }

// ddInv is dd_inv.
func ddInv(a ddouble) ddouble { return ddDiv(ddouble{1, 0}, a) }

// ddFloor is dd_floor.
func ddFloor(a ddouble) ddouble {
	hi := math.Floor(a.hi)
	lo := 0.0
	if hi == a.hi { // the high word is an integer already
		lo = math.Floor(a.lo)
		hi, lo = ddQuickTwoSum(hi, lo)
	}
	return ddouble{hi, lo}
}

// ddLdexp is dd_ldexp: a * 2**expt.
func ddLdexp(a ddouble, expt int) ddouble {
	return ddouble{ksLdexp(a.hi, expt), ksLdexp(a.lo, expt)}
}

// ddFrexp is dd_frexp: b and e with a = b*2**e, 0.5 <= |b.hi| < 1 (or
// |b.hi| == 1 with b.lo of the opposite sign).
func ddFrexp(a ddouble) (ddouble, int) {
	man, exponent := ksFrexp(a.hi)
	b1 := ksLdexp(a.lo, -exponent)
	if math.Abs(man) == 0.5 && man*b1 < 0 {
		man *= 2
		b1 *= 2
		exponent--
	}
	return ddouble{man, b1}, exponent
}

// ddClip clips a to [0, 1] like np.clip on the long double it stands for.
func ddClip(a ddouble) ddouble {
	if a.hi < 0 {
		return ddouble{}
	}
	if a.hi > 1 || (a.hi == 1 && a.lo > 0) {
		return ddouble{1, 0}
	}
	return a
}
