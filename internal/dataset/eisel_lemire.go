// The code in this file is copied, with small changes, from the Go standard
// library (Go 1.26.8, src/internal/strconv: atofeisel.go, atof.go, math.go
// and pow10tab.go): the Eisel-Lemire algorithm, the exact float64 fast path
// and the table of 128-bit powers of ten they use. The changes: the float32
// variant and unused helpers are left out, names are prefixed with "go", and
// float64frombits is math.Float64frombits. Its licence:
//
// Copyright 2009 The Go Authors.
//
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are
// met:
//
//    * Redistributions of source code must retain the above copyright
// notice, this list of conditions and the following disclaimer.
//    * Redistributions in binary form must reproduce the above
// copyright notice, this list of conditions and the following disclaimer
// in the documentation and/or other materials provided with the
// distribution.
//    * Neither the name of Google LLC nor the names of its
// contributors may be used to endorse or promote products derived from
// this software without specific prior written permission.
//
// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
// "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
// LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
// A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
// OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
// SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
// LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
// DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
// THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
// (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
// OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

package dataset

import (
	"math"
	"math/bits"
)

const (
	goFloat64MantBits = 52
	goFloat64Bias     = -1023
)

// goEiselLemire64 is strconv's eiselLemire64: man * 10^exp10 (negated when
// neg) correctly rounded, or ok false when the algorithm cannot decide (the
// caller must then use a slower exact method). It fails for results that
// are subnormal, zero after rounding, or infinite.
func goEiselLemire64(man uint64, exp10 int, neg bool) (f float64, ok bool) {
	// The terse comments in this function body refer to sections of the
	// https://nigeltao.github.io/blog/2020/eisel-lemire.html blog post.

	// Exp10 Range.
	if man == 0 {
		if neg {
			f = math.Float64frombits(0x8000000000000000) // Negative zero.
		}
		return f, true
	}
	pow, exp2, ok := goPow10(exp10)
	if !ok {
		return 0, false
	}

	// Normalization.
	clz := bits.LeadingZeros64(man)
	man <<= uint(clz)
	retExp2 := uint64(exp2+63-goFloat64Bias) - uint64(clz)

	// Multiplication.
	xHi, xLo := bits.Mul64(man, pow.Hi)

	// Wider Approximation.
	if xHi&0x1FF == 0x1FF && xLo+man < man {
		yHi, yLo := bits.Mul64(man, pow.Lo)
		mergedHi, mergedLo := xHi, xLo+yHi
		if mergedLo < xLo {
			mergedHi++
		}
		if mergedHi&0x1FF == 0x1FF && mergedLo+1 == 0 && yLo+man < man {
			return 0, false
		}
		xHi, xLo = mergedHi, mergedLo
	}

	// Shifting to 54 Bits.
	msb := xHi >> 63
	retMantissa := xHi >> (msb + 9)
	retExp2 -= 1 ^ msb

	// Half-way Ambiguity.
	if xLo == 0 && xHi&0x1FF == 0 && retMantissa&3 == 1 {
		return 0, false
	}

	// From 54 to 53 Bits.
	retMantissa += retMantissa & 1
	retMantissa >>= 1
	if retMantissa>>53 > 0 {
		retMantissa >>= 1
		retExp2 += 1
	}
	// retExp2 is a uint64. Zero or underflow means that we're in subnormal
	// float64 space. 0x7FF or above means that we're in Inf/NaN float64 space.
	//
	// The if block is equivalent to (but has fewer branches than):
	//   if retExp2 <= 0 || retExp2 >= 0x7FF { etc }
	if retExp2-1 >= 0x7FF-1 {
		return 0, false
	}
	retBits := retExp2<<goFloat64MantBits | retMantissa&(1<<goFloat64MantBits-1)
	if neg {
		retBits |= 0x8000000000000000
	}
	return math.Float64frombits(retBits), true
}

var goFloat64Pow10 = []float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22,
}

// goAtof64Exact is strconv's atof64exact: mantissa * 10^exp (negated when
// neg) computed exactly in float64 arithmetic when both the mantissa and the
// power of ten are exact float64 values (Clinger's fast path).
func goAtof64Exact(mantissa uint64, exp int, neg bool) (f float64, ok bool) {
	if mantissa>>goFloat64MantBits != 0 {
		return
	}
	f = float64(mantissa)
	if neg {
		f = -f
	}
	switch {
	case exp == 0:
		// an integer.
		return f, true
	// Exact integers are <= 10^15.
	// Exact powers of ten are <= 10^22.
	case exp > 0 && exp <= 15+22: // int * 10^k
		// If exponent is big but number of digits is not,
		// can move a few zeros into the integer part.
		if exp > 22 {
			f *= goFloat64Pow10[exp-22]
			exp = 22
		}
		if f > 1e15 || f < -1e15 {
			// the exponent was really too large.
			return
		}
		return f * goFloat64Pow10[exp], true
	case exp < 0 && exp >= -22: // int / 10^k
		return f / goFloat64Pow10[-exp], true
	}
	return
}

// goUint128 is a 128-bit unsigned integer.
type goUint128 struct {
	Hi uint64
	Lo uint64
}

// goPow10 returns the 128-bit mantissa and binary exponent of 10**e.
// That is, 10^e = mant/2^128 * 2**exp.
// If e is out of range, goPow10 returns ok=false.
func goPow10(e int) (mant goUint128, exp int, ok bool) {
	if e < goPow10Min || e > goPow10Max {
		return
	}
	return goPow10Tab[e-goPow10Min], 1 + goMulLog2_10(e), true
}

// goMulLog2_10 returns math.Floor(x * log(10)/log(2)) for an integer x in
// the range -500 <= x && x <= +500.
func goMulLog2_10(x int) int {
	// log(10)/log(2) ≈ 3.32192809489 ≈ 108853 / 2^15
	return (x * 108853) >> 15
}

const (
	goPow10Min = -348
	goPow10Max = 347
)

// goPow10Tab holds 128-bit mantissas of powers of 10.
// The values are scaled so the high bit is always set; there is no "implicit leading 1 bit".
var goPow10Tab = [...]goUint128{
	{0xfa8fd5a0081c0288, 0x1732c869cd60e453}, // 1e-348 * 2**1284
	{0x9c99e58405118195, 0x0e7fbd42205c8eb4}, // 1e-347 * 2**1280
	{0xc3c05ee50655e1fa, 0x521fac92a873b261}, // 1e-346 * 2**1277
	{0xf4b0769e47eb5a78, 0xe6a797b752909ef9}, // 1e-345 * 2**1274
	{0x98ee4a22ecf3188b, 0x9028bed2939a635c}, // 1e-344 * 2**1270
	{0xbf29dcaba82fdeae, 0x7432ee873880fc33}, // 1e-343 * 2**1267
	{0xeef453d6923bd65a, 0x113faa2906a13b3f}, // 1e-342 * 2**1264
	{0x9558b4661b6565f8, 0x4ac7ca59a424c507}, // 1e-341 * 2**1260
	{0xbaaee17fa23ebf76, 0x5d79bcf00d2df649}, // 1e-340 * 2**1257
	{0xe95a99df8ace6f53, 0xf4d82c2c107973dc}, // 1e-339 * 2**1254
	{0x91d8a02bb6c10594, 0x79071b9b8a4be869}, // 1e-338 * 2**1250
	{0xb64ec836a47146f9, 0x9748e2826cdee284}, // 1e-337 * 2**1247
	{0xe3e27a444d8d98b7, 0xfd1b1b2308169b25}, // 1e-336 * 2**1244
	{0x8e6d8c6ab0787f72, 0xfe30f0f5e50e20f7}, // 1e-335 * 2**1240
	{0xb208ef855c969f4f, 0xbdbd2d335e51a935}, // 1e-334 * 2**1237
	{0xde8b2b66b3bc4723, 0xad2c788035e61382}, // 1e-333 * 2**1234
	{0x8b16fb203055ac76, 0x4c3bcb5021afcc31}, // 1e-332 * 2**1230
	{0xaddcb9e83c6b1793, 0xdf4abe242a1bbf3d}, // 1e-331 * 2**1227
	{0xd953e8624b85dd78, 0xd71d6dad34a2af0d}, // 1e-330 * 2**1224
	{0x87d4713d6f33aa6b, 0x8672648c40e5ad68}, // 1e-329 * 2**1220
	{0xa9c98d8ccb009506, 0x680efdaf511f18c2}, // 1e-328 * 2**1217
	{0xd43bf0effdc0ba48, 0x0212bd1b2566def2}, // 1e-327 * 2**1214
	{0x84a57695fe98746d, 0x014bb630f7604b57}, // 1e-326 * 2**1210
	{0xa5ced43b7e3e9188, 0x419ea3bd35385e2d}, // 1e-325 * 2**1207
	{0xcf42894a5dce35ea, 0x52064cac828675b9}, // 1e-324 * 2**1204
	{0x818995ce7aa0e1b2, 0x7343efebd1940993}, // 1e-323 * 2**1200
	{0xa1ebfb4219491a1f, 0x1014ebe6c5f90bf8}, // 1e-322 * 2**1197
	{0xca66fa129f9b60a6, 0xd41a26e077774ef6}, // 1e-321 * 2**1194
	{0xfd00b897478238d0, 0x8920b098955522b4}, // 1e-320 * 2**1191
	{0x9e20735e8cb16382, 0x55b46e5f5d5535b0}, // 1e-319 * 2**1187
	{0xc5a890362fddbc62, 0xeb2189f734aa831d}, // 1e-318 * 2**1184
	{0xf712b443bbd52b7b, 0xa5e9ec7501d523e4}, // 1e-317 * 2**1181
	{0x9a6bb0aa55653b2d, 0x47b233c92125366e}, // 1e-316 * 2**1177
	{0xc1069cd4eabe89f8, 0x999ec0bb696e840a}, // 1e-315 * 2**1174
	{0xf148440a256e2c76, 0xc00670ea43ca250d}, // 1e-314 * 2**1171
	{0x96cd2a865764dbca, 0x380406926a5e5728}, // 1e-313 * 2**1167
	{0xbc807527ed3e12bc, 0xc605083704f5ecf2}, // 1e-312 * 2**1164
	{0xeba09271e88d976b, 0xf7864a44c633682e}, // 1e-311 * 2**1161
	{0x93445b8731587ea3, 0x7ab3ee6afbe0211d}, // 1e-310 * 2**1157
	{0xb8157268fdae9e4c, 0x5960ea05bad82964}, // 1e-309 * 2**1154
	{0xe61acf033d1a45df, 0x6fb92487298e33bd}, // 1e-308 * 2**1151
	{0x8fd0c16206306bab, 0xa5d3b6d479f8e056}, // 1e-307 * 2**1147
	{0xb3c4f1ba87bc8696, 0x8f48a4899877186c}, // 1e-306 * 2**1144
	{0xe0b62e2929aba83c, 0x331acdabfe94de87}, // 1e-305 * 2**1141
	{0x8c71dcd9ba0b4925, 0x9ff0c08b7f1d0b14}, // 1e-304 * 2**1137
	{0xaf8e5410288e1b6f, 0x07ecf0ae5ee44dd9}, // 1e-303 * 2**1134
	{0xdb71e91432b1a24a, 0xc9e82cd9f69d6150}, // 1e-302 * 2**1131
	{0x892731ac9faf056e, 0xbe311c083a225cd2}, // 1e-301 * 2**1127
	{0xab70fe17c79ac6ca, 0x6dbd630a48aaf406}, // 1e-300 * 2**1124
	{0xd64d3d9db981787d, 0x092cbbccdad5b108}, // 1e-299 * 2**1121
	{0x85f0468293f0eb4e, 0x25bbf56008c58ea5}, // 1e-298 * 2**1117
	{0xa76c582338ed2621, 0xaf2af2b80af6f24e}, // 1e-297 * 2**1114
	{0xd1476e2c07286faa, 0x1af5af660db4aee1}, // 1e-296 * 2**1111
	{0x82cca4db847945ca, 0x50d98d9fc890ed4d}, // 1e-295 * 2**1107
	{0xa37fce126597973c, 0xe50ff107bab528a0}, // 1e-294 * 2**1104
	{0xcc5fc196fefd7d0c, 0x1e53ed49a96272c8}, // 1e-293 * 2**1101
	{0xff77b1fcbebcdc4f, 0x25e8e89c13bb0f7a}, // 1e-292 * 2**1098
	{0x9faacf3df73609b1, 0x77b191618c54e9ac}, // 1e-291 * 2**1094
	{0xc795830d75038c1d, 0xd59df5b9ef6a2417}, // 1e-290 * 2**1091
	{0xf97ae3d0d2446f25, 0x4b0573286b44ad1d}, // 1e-289 * 2**1088
	{0x9becce62836ac577, 0x4ee367f9430aec32}, // 1e-288 * 2**1084
	{0xc2e801fb244576d5, 0x229c41f793cda73f}, // 1e-287 * 2**1081
	{0xf3a20279ed56d48a, 0x6b43527578c1110f}, // 1e-286 * 2**1078
	{0x9845418c345644d6, 0x830a13896b78aaa9}, // 1e-285 * 2**1074
	{0xbe5691ef416bd60c, 0x23cc986bc656d553}, // 1e-284 * 2**1071
	{0xedec366b11c6cb8f, 0x2cbfbe86b7ec8aa8}, // 1e-283 * 2**1068
	{0x94b3a202eb1c3f39, 0x7bf7d71432f3d6a9}, // 1e-282 * 2**1064
	{0xb9e08a83a5e34f07, 0xdaf5ccd93fb0cc53}, // 1e-281 * 2**1061
	{0xe858ad248f5c22c9, 0xd1b3400f8f9cff68}, // 1e-280 * 2**1058
	{0x91376c36d99995be, 0x23100809b9c21fa1}, // 1e-279 * 2**1054
	{0xb58547448ffffb2d, 0xabd40a0c2832a78a}, // 1e-278 * 2**1051
	{0xe2e69915b3fff9f9, 0x16c90c8f323f516c}, // 1e-277 * 2**1048
	{0x8dd01fad907ffc3b, 0xae3da7d97f6792e3}, // 1e-276 * 2**1044
	{0xb1442798f49ffb4a, 0x99cd11cfdf41779c}, // 1e-275 * 2**1041
	{0xdd95317f31c7fa1d, 0x40405643d711d583}, // 1e-274 * 2**1038
	{0x8a7d3eef7f1cfc52, 0x482835ea666b2572}, // 1e-273 * 2**1034
	{0xad1c8eab5ee43b66, 0xda3243650005eecf}, // 1e-272 * 2**1031
	{0xd863b256369d4a40, 0x90bed43e40076a82}, // 1e-271 * 2**1028
	{0x873e4f75e2224e68, 0x5a7744a6e804a291}, // 1e-270 * 2**1024
	{0xa90de3535aaae202, 0x711515d0a205cb36}, // 1e-269 * 2**1021
	{0xd3515c2831559a83, 0x0d5a5b44ca873e03}, // 1e-268 * 2**1018
	{0x8412d9991ed58091, 0xe858790afe9486c2}, // 1e-267 * 2**1014
	{0xa5178fff668ae0b6, 0x626e974dbe39a872}, // 1e-266 * 2**1011
	{0xce5d73ff402d98e3, 0xfb0a3d212dc8128f}, // 1e-265 * 2**1008
	{0x80fa687f881c7f8e, 0x7ce66634bc9d0b99}, // 1e-264 * 2**1004
	{0xa139029f6a239f72, 0x1c1fffc1ebc44e80}, // 1e-263 * 2**1001
	{0xc987434744ac874e, 0xa327ffb266b56220}, // 1e-262 * 2**998
	{0xfbe9141915d7a922, 0x4bf1ff9f0062baa8}, // 1e-261 * 2**995
	{0x9d71ac8fada6c9b5, 0x6f773fc3603db4a9}, // 1e-260 * 2**991
	{0xc4ce17b399107c22, 0xcb550fb4384d21d3}, // 1e-259 * 2**988
	{0xf6019da07f549b2b, 0x7e2a53a146606a48}, // 1e-258 * 2**985
	{0x99c102844f94e0fb, 0x2eda7444cbfc426d}, // 1e-257 * 2**981
	{0xc0314325637a1939, 0xfa911155fefb5308}, // 1e-256 * 2**978
	{0xf03d93eebc589f88, 0x793555ab7eba27ca}, // 1e-255 * 2**975
	{0x96267c7535b763b5, 0x4bc1558b2f3458de}, // 1e-254 * 2**971
	{0xbbb01b9283253ca2, 0x9eb1aaedfb016f16}, // 1e-253 * 2**968
	{0xea9c227723ee8bcb, 0x465e15a979c1cadc}, // 1e-252 * 2**965
	{0x92a1958a7675175f, 0x0bfacd89ec191ec9}, // 1e-251 * 2**961
	{0xb749faed14125d36, 0xcef980ec671f667b}, // 1e-250 * 2**958
	{0xe51c79a85916f484, 0x82b7e12780e7401a}, // 1e-249 * 2**955
	{0x8f31cc0937ae58d2, 0xd1b2ecb8b0908810}, // 1e-248 * 2**951
	{0xb2fe3f0b8599ef07, 0x861fa7e6dcb4aa15}, // 1e-247 * 2**948
	{0xdfbdcece67006ac9, 0x67a791e093e1d49a}, // 1e-246 * 2**945
	{0x8bd6a141006042bd, 0xe0c8bb2c5c6d24e0}, // 1e-245 * 2**941
	{0xaecc49914078536d, 0x58fae9f773886e18}, // 1e-244 * 2**938
	{0xda7f5bf590966848, 0xaf39a475506a899e}, // 1e-243 * 2**935
	{0x888f99797a5e012d, 0x6d8406c952429603}, // 1e-242 * 2**931
	{0xaab37fd7d8f58178, 0xc8e5087ba6d33b83}, // 1e-241 * 2**928
	{0xd5605fcdcf32e1d6, 0xfb1e4a9a90880a64}, // 1e-240 * 2**925
	{0x855c3be0a17fcd26, 0x5cf2eea09a55067f}, // 1e-239 * 2**921
	{0xa6b34ad8c9dfc06f, 0xf42faa48c0ea481e}, // 1e-238 * 2**918
	{0xd0601d8efc57b08b, 0xf13b94daf124da26}, // 1e-237 * 2**915
	{0x823c12795db6ce57, 0x76c53d08d6b70858}, // 1e-236 * 2**911
	{0xa2cb1717b52481ed, 0x54768c4b0c64ca6e}, // 1e-235 * 2**908
	{0xcb7ddcdda26da268, 0xa9942f5dcf7dfd09}, // 1e-234 * 2**905
	{0xfe5d54150b090b02, 0xd3f93b35435d7c4c}, // 1e-233 * 2**902
	{0x9efa548d26e5a6e1, 0xc47bc5014a1a6daf}, // 1e-232 * 2**898
	{0xc6b8e9b0709f109a, 0x359ab6419ca1091b}, // 1e-231 * 2**895
	{0xf867241c8cc6d4c0, 0xc30163d203c94b62}, // 1e-230 * 2**892
	{0x9b407691d7fc44f8, 0x79e0de63425dcf1d}, // 1e-229 * 2**888
	{0xc21094364dfb5636, 0x985915fc12f542e4}, // 1e-228 * 2**885
	{0xf294b943e17a2bc4, 0x3e6f5b7b17b2939d}, // 1e-227 * 2**882
	{0x979cf3ca6cec5b5a, 0xa705992ceecf9c42}, // 1e-226 * 2**878
	{0xbd8430bd08277231, 0x50c6ff782a838353}, // 1e-225 * 2**875
	{0xece53cec4a314ebd, 0xa4f8bf5635246428}, // 1e-224 * 2**872
	{0x940f4613ae5ed136, 0x871b7795e136be99}, // 1e-223 * 2**868
	{0xb913179899f68584, 0x28e2557b59846e3f}, // 1e-222 * 2**865
	{0xe757dd7ec07426e5, 0x331aeada2fe589cf}, // 1e-221 * 2**862
	{0x9096ea6f3848984f, 0x3ff0d2c85def7621}, // 1e-220 * 2**858
	{0xb4bca50b065abe63, 0x0fed077a756b53a9}, // 1e-219 * 2**855
	{0xe1ebce4dc7f16dfb, 0xd3e8495912c62894}, // 1e-218 * 2**852
	{0x8d3360f09cf6e4bd, 0x64712dd7abbbd95c}, // 1e-217 * 2**848
	{0xb080392cc4349dec, 0xbd8d794d96aacfb3}, // 1e-216 * 2**845
	{0xdca04777f541c567, 0xecf0d7a0fc5583a0}, // 1e-215 * 2**842
	{0x89e42caaf9491b60, 0xf41686c49db57244}, // 1e-214 * 2**838
	{0xac5d37d5b79b6239, 0x311c2875c522ced5}, // 1e-213 * 2**835
	{0xd77485cb25823ac7, 0x7d633293366b828b}, // 1e-212 * 2**832
	{0x86a8d39ef77164bc, 0xae5dff9c02033197}, // 1e-211 * 2**828
	{0xa8530886b54dbdeb, 0xd9f57f830283fdfc}, // 1e-210 * 2**825
	{0xd267caa862a12d66, 0xd072df63c324fd7b}, // 1e-209 * 2**822
	{0x8380dea93da4bc60, 0x4247cb9e59f71e6d}, // 1e-208 * 2**818
	{0xa46116538d0deb78, 0x52d9be85f074e608}, // 1e-207 * 2**815
	{0xcd795be870516656, 0x67902e276c921f8b}, // 1e-206 * 2**812
	{0x806bd9714632dff6, 0x00ba1cd8a3db53b6}, // 1e-205 * 2**808
	{0xa086cfcd97bf97f3, 0x80e8a40eccd228a4}, // 1e-204 * 2**805
	{0xc8a883c0fdaf7df0, 0x6122cd128006b2cd}, // 1e-203 * 2**802
	{0xfad2a4b13d1b5d6c, 0x796b805720085f81}, // 1e-202 * 2**799
	{0x9cc3a6eec6311a63, 0xcbe3303674053bb0}, // 1e-201 * 2**795
	{0xc3f490aa77bd60fc, 0xbedbfc4411068a9c}, // 1e-200 * 2**792
	{0xf4f1b4d515acb93b, 0xee92fb5515482d44}, // 1e-199 * 2**789
	{0x991711052d8bf3c5, 0x751bdd152d4d1c4a}, // 1e-198 * 2**785
	{0xbf5cd54678eef0b6, 0xd262d45a78a0635d}, // 1e-197 * 2**782
	{0xef340a98172aace4, 0x86fb897116c87c34}, // 1e-196 * 2**779
	{0x9580869f0e7aac0e, 0xd45d35e6ae3d4da0}, // 1e-195 * 2**775
	{0xbae0a846d2195712, 0x8974836059cca109}, // 1e-194 * 2**772
	{0xe998d258869facd7, 0x2bd1a438703fc94b}, // 1e-193 * 2**769
	{0x91ff83775423cc06, 0x7b6306a34627ddcf}, // 1e-192 * 2**765
	{0xb67f6455292cbf08, 0x1a3bc84c17b1d542}, // 1e-191 * 2**762
	{0xe41f3d6a7377eeca, 0x20caba5f1d9e4a93}, // 1e-190 * 2**759
	{0x8e938662882af53e, 0x547eb47b7282ee9c}, // 1e-189 * 2**755
	{0xb23867fb2a35b28d, 0xe99e619a4f23aa43}, // 1e-188 * 2**752
	{0xdec681f9f4c31f31, 0x6405fa00e2ec94d4}, // 1e-187 * 2**749
	{0x8b3c113c38f9f37e, 0xde83bc408dd3dd04}, // 1e-186 * 2**745
	{0xae0b158b4738705e, 0x9624ab50b148d445}, // 1e-185 * 2**742
	{0xd98ddaee19068c76, 0x3badd624dd9b0957}, // 1e-184 * 2**739
	{0x87f8a8d4cfa417c9, 0xe54ca5d70a80e5d6}, // 1e-183 * 2**735
	{0xa9f6d30a038d1dbc, 0x5e9fcf4ccd211f4c}, // 1e-182 * 2**732
	{0xd47487cc8470652b, 0x7647c3200069671f}, // 1e-181 * 2**729
	{0x84c8d4dfd2c63f3b, 0x29ecd9f40041e073}, // 1e-180 * 2**725
	{0xa5fb0a17c777cf09, 0xf468107100525890}, // 1e-179 * 2**722
	{0xcf79cc9db955c2cc, 0x7182148d4066eeb4}, // 1e-178 * 2**719
	{0x81ac1fe293d599bf, 0xc6f14cd848405530}, // 1e-177 * 2**715
	{0xa21727db38cb002f, 0xb8ada00e5a506a7c}, // 1e-176 * 2**712
	{0xca9cf1d206fdc03b, 0xa6d90811f0e4851c}, // 1e-175 * 2**709
	{0xfd442e4688bd304a, 0x908f4a166d1da663}, // 1e-174 * 2**706
	{0x9e4a9cec15763e2e, 0x9a598e4e043287fe}, // 1e-173 * 2**702
	{0xc5dd44271ad3cdba, 0x40eff1e1853f29fd}, // 1e-172 * 2**699
	{0xf7549530e188c128, 0xd12bee59e68ef47c}, // 1e-171 * 2**696
	{0x9a94dd3e8cf578b9, 0x82bb74f8301958ce}, // 1e-170 * 2**692
	{0xc13a148e3032d6e7, 0xe36a52363c1faf01}, // 1e-169 * 2**689
	{0xf18899b1bc3f8ca1, 0xdc44e6c3cb279ac1}, // 1e-168 * 2**686
	{0x96f5600f15a7b7e5, 0x29ab103a5ef8c0b9}, // 1e-167 * 2**682
	{0xbcb2b812db11a5de, 0x7415d448f6b6f0e7}, // 1e-166 * 2**679
	{0xebdf661791d60f56, 0x111b495b3464ad21}, // 1e-165 * 2**676
	{0x936b9fcebb25c995, 0xcab10dd900beec34}, // 1e-164 * 2**672
	{0xb84687c269ef3bfb, 0x3d5d514f40eea742}, // 1e-163 * 2**669
	{0xe65829b3046b0afa, 0x0cb4a5a3112a5112}, // 1e-162 * 2**666
	{0x8ff71a0fe2c2e6dc, 0x47f0e785eaba72ab}, // 1e-161 * 2**662
	{0xb3f4e093db73a093, 0x59ed216765690f56}, // 1e-160 * 2**659
	{0xe0f218b8d25088b8, 0x306869c13ec3532c}, // 1e-159 * 2**656
	{0x8c974f7383725573, 0x1e414218c73a13fb}, // 1e-158 * 2**652
	{0xafbd2350644eeacf, 0xe5d1929ef90898fa}, // 1e-157 * 2**649
	{0xdbac6c247d62a583, 0xdf45f746b74abf39}, // 1e-156 * 2**646
	{0x894bc396ce5da772, 0x6b8bba8c328eb783}, // 1e-155 * 2**642
	{0xab9eb47c81f5114f, 0x066ea92f3f326564}, // 1e-154 * 2**639
	{0xd686619ba27255a2, 0xc80a537b0efefebd}, // 1e-153 * 2**636
	{0x8613fd0145877585, 0xbd06742ce95f5f36}, // 1e-152 * 2**632
	{0xa798fc4196e952e7, 0x2c48113823b73704}, // 1e-151 * 2**629
	{0xd17f3b51fca3a7a0, 0xf75a15862ca504c5}, // 1e-150 * 2**626
	{0x82ef85133de648c4, 0x9a984d73dbe722fb}, // 1e-149 * 2**622
	{0xa3ab66580d5fdaf5, 0xc13e60d0d2e0ebba}, // 1e-148 * 2**619
	{0xcc963fee10b7d1b3, 0x318df905079926a8}, // 1e-147 * 2**616
	{0xffbbcfe994e5c61f, 0xfdf17746497f7052}, // 1e-146 * 2**613
	{0x9fd561f1fd0f9bd3, 0xfeb6ea8bedefa633}, // 1e-145 * 2**609
	{0xc7caba6e7c5382c8, 0xfe64a52ee96b8fc0}, // 1e-144 * 2**606
	{0xf9bd690a1b68637b, 0x3dfdce7aa3c673b0}, // 1e-143 * 2**603
	{0x9c1661a651213e2d, 0x06bea10ca65c084e}, // 1e-142 * 2**599
	{0xc31bfa0fe5698db8, 0x486e494fcff30a62}, // 1e-141 * 2**596
	{0xf3e2f893dec3f126, 0x5a89dba3c3efccfa}, // 1e-140 * 2**593
	{0x986ddb5c6b3a76b7, 0xf89629465a75e01c}, // 1e-139 * 2**589
	{0xbe89523386091465, 0xf6bbb397f1135823}, // 1e-138 * 2**586
	{0xee2ba6c0678b597f, 0x746aa07ded582e2c}, // 1e-137 * 2**583
	{0x94db483840b717ef, 0xa8c2a44eb4571cdc}, // 1e-136 * 2**579
	{0xba121a4650e4ddeb, 0x92f34d62616ce413}, // 1e-135 * 2**576
	{0xe896a0d7e51e1566, 0x77b020baf9c81d17}, // 1e-134 * 2**573
	{0x915e2486ef32cd60, 0x0ace1474dc1d122e}, // 1e-133 * 2**569
	{0xb5b5ada8aaff80b8, 0x0d819992132456ba}, // 1e-132 * 2**566
	{0xe3231912d5bf60e6, 0x10e1fff697ed6c69}, // 1e-131 * 2**563
	{0x8df5efabc5979c8f, 0xca8d3ffa1ef463c1}, // 1e-130 * 2**559
	{0xb1736b96b6fd83b3, 0xbd308ff8a6b17cb2}, // 1e-129 * 2**556
	{0xddd0467c64bce4a0, 0xac7cb3f6d05ddbde}, // 1e-128 * 2**553
	{0x8aa22c0dbef60ee4, 0x6bcdf07a423aa96b}, // 1e-127 * 2**549
	{0xad4ab7112eb3929d, 0x86c16c98d2c953c6}, // 1e-126 * 2**546
	{0xd89d64d57a607744, 0xe871c7bf077ba8b7}, // 1e-125 * 2**543
	{0x87625f056c7c4a8b, 0x11471cd764ad4972}, // 1e-124 * 2**539
	{0xa93af6c6c79b5d2d, 0xd598e40d3dd89bcf}, // 1e-123 * 2**536
	{0xd389b47879823479, 0x4aff1d108d4ec2c3}, // 1e-122 * 2**533
	{0x843610cb4bf160cb, 0xcedf722a585139ba}, // 1e-121 * 2**529
	{0xa54394fe1eedb8fe, 0xc2974eb4ee658828}, // 1e-120 * 2**526
	{0xce947a3da6a9273e, 0x733d226229feea32}, // 1e-119 * 2**523
	{0x811ccc668829b887, 0x0806357d5a3f525f}, // 1e-118 * 2**519
	{0xa163ff802a3426a8, 0xca07c2dcb0cf26f7}, // 1e-117 * 2**516
	{0xc9bcff6034c13052, 0xfc89b393dd02f0b5}, // 1e-116 * 2**513
	{0xfc2c3f3841f17c67, 0xbbac2078d443ace2}, // 1e-115 * 2**510
	{0x9d9ba7832936edc0, 0xd54b944b84aa4c0d}, // 1e-114 * 2**506
	{0xc5029163f384a931, 0x0a9e795e65d4df11}, // 1e-113 * 2**503
	{0xf64335bcf065d37d, 0x4d4617b5ff4a16d5}, // 1e-112 * 2**500
	{0x99ea0196163fa42e, 0x504bced1bf8e4e45}, // 1e-111 * 2**496
	{0xc06481fb9bcf8d39, 0xe45ec2862f71e1d6}, // 1e-110 * 2**493
	{0xf07da27a82c37088, 0x5d767327bb4e5a4c}, // 1e-109 * 2**490
	{0x964e858c91ba2655, 0x3a6a07f8d510f86f}, // 1e-108 * 2**486
	{0xbbe226efb628afea, 0x890489f70a55368b}, // 1e-107 * 2**483
	{0xeadab0aba3b2dbe5, 0x2b45ac74ccea842e}, // 1e-106 * 2**480
	{0x92c8ae6b464fc96f, 0x3b0b8bc90012929d}, // 1e-105 * 2**476
	{0xb77ada0617e3bbcb, 0x09ce6ebb40173744}, // 1e-104 * 2**473
	{0xe55990879ddcaabd, 0xcc420a6a101d0515}, // 1e-103 * 2**470
	{0x8f57fa54c2a9eab6, 0x9fa946824a12232d}, // 1e-102 * 2**466
	{0xb32df8e9f3546564, 0x47939822dc96abf9}, // 1e-101 * 2**463
	{0xdff9772470297ebd, 0x59787e2b93bc56f7}, // 1e-100 * 2**460
	{0x8bfbea76c619ef36, 0x57eb4edb3c55b65a}, // 1e-99 * 2**456
	{0xaefae51477a06b03, 0xede622920b6b23f1}, // 1e-98 * 2**453
	{0xdab99e59958885c4, 0xe95fab368e45eced}, // 1e-97 * 2**450
	{0x88b402f7fd75539b, 0x11dbcb0218ebb414}, // 1e-96 * 2**446
	{0xaae103b5fcd2a881, 0xd652bdc29f26a119}, // 1e-95 * 2**443
	{0xd59944a37c0752a2, 0x4be76d3346f0495f}, // 1e-94 * 2**440
	{0x857fcae62d8493a5, 0x6f70a4400c562ddb}, // 1e-93 * 2**436
	{0xa6dfbd9fb8e5b88e, 0xcb4ccd500f6bb952}, // 1e-92 * 2**433
	{0xd097ad07a71f26b2, 0x7e2000a41346a7a7}, // 1e-91 * 2**430
	{0x825ecc24c873782f, 0x8ed400668c0c28c8}, // 1e-90 * 2**426
	{0xa2f67f2dfa90563b, 0x728900802f0f32fa}, // 1e-89 * 2**423
	{0xcbb41ef979346bca, 0x4f2b40a03ad2ffb9}, // 1e-88 * 2**420
	{0xfea126b7d78186bc, 0xe2f610c84987bfa8}, // 1e-87 * 2**417
	{0x9f24b832e6b0f436, 0x0dd9ca7d2df4d7c9}, // 1e-86 * 2**413
	{0xc6ede63fa05d3143, 0x91503d1c79720dbb}, // 1e-85 * 2**410
	{0xf8a95fcf88747d94, 0x75a44c6397ce912a}, // 1e-84 * 2**407
	{0x9b69dbe1b548ce7c, 0xc986afbe3ee11aba}, // 1e-83 * 2**403
	{0xc24452da229b021b, 0xfbe85badce996168}, // 1e-82 * 2**400
	{0xf2d56790ab41c2a2, 0xfae27299423fb9c3}, // 1e-81 * 2**397
	{0x97c560ba6b0919a5, 0xdccd879fc967d41a}, // 1e-80 * 2**393
	{0xbdb6b8e905cb600f, 0x5400e987bbc1c920}, // 1e-79 * 2**390
	{0xed246723473e3813, 0x290123e9aab23b68}, // 1e-78 * 2**387
	{0x9436c0760c86e30b, 0xf9a0b6720aaf6521}, // 1e-77 * 2**383
	{0xb94470938fa89bce, 0xf808e40e8d5b3e69}, // 1e-76 * 2**380
	{0xe7958cb87392c2c2, 0xb60b1d1230b20e04}, // 1e-75 * 2**377
	{0x90bd77f3483bb9b9, 0xb1c6f22b5e6f48c2}, // 1e-74 * 2**373
	{0xb4ecd5f01a4aa828, 0x1e38aeb6360b1af3}, // 1e-73 * 2**370
	{0xe2280b6c20dd5232, 0x25c6da63c38de1b0}, // 1e-72 * 2**367
	{0x8d590723948a535f, 0x579c487e5a38ad0e}, // 1e-71 * 2**363
	{0xb0af48ec79ace837, 0x2d835a9df0c6d851}, // 1e-70 * 2**360
	{0xdcdb1b2798182244, 0xf8e431456cf88e65}, // 1e-69 * 2**357
	{0x8a08f0f8bf0f156b, 0x1b8e9ecb641b58ff}, // 1e-68 * 2**353
	{0xac8b2d36eed2dac5, 0xe272467e3d222f3f}, // 1e-67 * 2**350
	{0xd7adf884aa879177, 0x5b0ed81dcc6abb0f}, // 1e-66 * 2**347
	{0x86ccbb52ea94baea, 0x98e947129fc2b4e9}, // 1e-65 * 2**343
	{0xa87fea27a539e9a5, 0x3f2398d747b36224}, // 1e-64 * 2**340
	{0xd29fe4b18e88640e, 0x8eec7f0d19a03aad}, // 1e-63 * 2**337
	{0x83a3eeeef9153e89, 0x1953cf68300424ac}, // 1e-62 * 2**333
	{0xa48ceaaab75a8e2b, 0x5fa8c3423c052dd7}, // 1e-61 * 2**330
	{0xcdb02555653131b6, 0x3792f412cb06794d}, // 1e-60 * 2**327
	{0x808e17555f3ebf11, 0xe2bbd88bbee40bd0}, // 1e-59 * 2**323
	{0xa0b19d2ab70e6ed6, 0x5b6aceaeae9d0ec4}, // 1e-58 * 2**320
	{0xc8de047564d20a8b, 0xf245825a5a445275}, // 1e-57 * 2**317
	{0xfb158592be068d2e, 0xeed6e2f0f0d56712}, // 1e-56 * 2**314
	{0x9ced737bb6c4183d, 0x55464dd69685606b}, // 1e-55 * 2**310
	{0xc428d05aa4751e4c, 0xaa97e14c3c26b886}, // 1e-54 * 2**307
	{0xf53304714d9265df, 0xd53dd99f4b3066a8}, // 1e-53 * 2**304
	{0x993fe2c6d07b7fab, 0xe546a8038efe4029}, // 1e-52 * 2**300
	{0xbf8fdb78849a5f96, 0xde98520472bdd033}, // 1e-51 * 2**297
	{0xef73d256a5c0f77c, 0x963e66858f6d4440}, // 1e-50 * 2**294
	{0x95a8637627989aad, 0xdde7001379a44aa8}, // 1e-49 * 2**290
	{0xbb127c53b17ec159, 0x5560c018580d5d52}, // 1e-48 * 2**287
	{0xe9d71b689dde71af, 0xaab8f01e6e10b4a6}, // 1e-47 * 2**284
	{0x9226712162ab070d, 0xcab3961304ca70e8}, // 1e-46 * 2**280
	{0xb6b00d69bb55c8d1, 0x3d607b97c5fd0d22}, // 1e-45 * 2**277
	{0xe45c10c42a2b3b05, 0x8cb89a7db77c506a}, // 1e-44 * 2**274
	{0x8eb98a7a9a5b04e3, 0x77f3608e92adb242}, // 1e-43 * 2**270
	{0xb267ed1940f1c61c, 0x55f038b237591ed3}, // 1e-42 * 2**267
	{0xdf01e85f912e37a3, 0x6b6c46dec52f6688}, // 1e-41 * 2**264
	{0x8b61313bbabce2c6, 0x2323ac4b3b3da015}, // 1e-40 * 2**260
	{0xae397d8aa96c1b77, 0xabec975e0a0d081a}, // 1e-39 * 2**257
	{0xd9c7dced53c72255, 0x96e7bd358c904a21}, // 1e-38 * 2**254
	{0x881cea14545c7575, 0x7e50d64177da2e54}, // 1e-37 * 2**250
	{0xaa242499697392d2, 0xdde50bd1d5d0b9e9}, // 1e-36 * 2**247
	{0xd4ad2dbfc3d07787, 0x955e4ec64b44e864}, // 1e-35 * 2**244
	{0x84ec3c97da624ab4, 0xbd5af13bef0b113e}, // 1e-34 * 2**240
	{0xa6274bbdd0fadd61, 0xecb1ad8aeacdd58e}, // 1e-33 * 2**237
	{0xcfb11ead453994ba, 0x67de18eda5814af2}, // 1e-32 * 2**234
	{0x81ceb32c4b43fcf4, 0x80eacf948770ced7}, // 1e-31 * 2**230
	{0xa2425ff75e14fc31, 0xa1258379a94d028d}, // 1e-30 * 2**227
	{0xcad2f7f5359a3b3e, 0x096ee45813a04330}, // 1e-29 * 2**224
	{0xfd87b5f28300ca0d, 0x8bca9d6e188853fc}, // 1e-28 * 2**221
	{0x9e74d1b791e07e48, 0x775ea264cf55347d}, // 1e-27 * 2**217
	{0xc612062576589dda, 0x95364afe032a819d}, // 1e-26 * 2**214
	{0xf79687aed3eec551, 0x3a83ddbd83f52204}, // 1e-25 * 2**211
	{0x9abe14cd44753b52, 0xc4926a9672793542}, // 1e-24 * 2**207
	{0xc16d9a0095928a27, 0x75b7053c0f178293}, // 1e-23 * 2**204
	{0xf1c90080baf72cb1, 0x5324c68b12dd6338}, // 1e-22 * 2**201
	{0x971da05074da7bee, 0xd3f6fc16ebca5e03}, // 1e-21 * 2**197
	{0xbce5086492111aea, 0x88f4bb1ca6bcf584}, // 1e-20 * 2**194
	{0xec1e4a7db69561a5, 0x2b31e9e3d06c32e5}, // 1e-19 * 2**191
	{0x9392ee8e921d5d07, 0x3aff322e62439fcf}, // 1e-18 * 2**187
	{0xb877aa3236a4b449, 0x09befeb9fad487c2}, // 1e-17 * 2**184
	{0xe69594bec44de15b, 0x4c2ebe687989a9b3}, // 1e-16 * 2**181
	{0x901d7cf73ab0acd9, 0x0f9d37014bf60a10}, // 1e-15 * 2**177
	{0xb424dc35095cd80f, 0x538484c19ef38c94}, // 1e-14 * 2**174
	{0xe12e13424bb40e13, 0x2865a5f206b06fb9}, // 1e-13 * 2**171
	{0x8cbccc096f5088cb, 0xf93f87b7442e45d3}, // 1e-12 * 2**167
	{0xafebff0bcb24aafe, 0xf78f69a51539d748}, // 1e-11 * 2**164
	{0xdbe6fecebdedd5be, 0xb573440e5a884d1b}, // 1e-10 * 2**161
	{0x89705f4136b4a597, 0x31680a88f8953030}, // 1e-9 * 2**157
	{0xabcc77118461cefc, 0xfdc20d2b36ba7c3d}, // 1e-8 * 2**154
	{0xd6bf94d5e57a42bc, 0x3d32907604691b4c}, // 1e-7 * 2**151
	{0x8637bd05af6c69b5, 0xa63f9a49c2c1b10f}, // 1e-6 * 2**147
	{0xa7c5ac471b478423, 0x0fcf80dc33721d53}, // 1e-5 * 2**144
	{0xd1b71758e219652b, 0xd3c36113404ea4a8}, // 1e-4 * 2**141
	{0x83126e978d4fdf3b, 0x645a1cac083126e9}, // 1e-3 * 2**137
	{0xa3d70a3d70a3d70a, 0x3d70a3d70a3d70a3}, // 1e-2 * 2**134
	{0xcccccccccccccccc, 0xcccccccccccccccc}, // 1e-1 * 2**131
	{0x8000000000000000, 0x0000000000000000}, // 1e0 * 2**127
	{0xa000000000000000, 0x0000000000000000}, // 1e1 * 2**124
	{0xc800000000000000, 0x0000000000000000}, // 1e2 * 2**121
	{0xfa00000000000000, 0x0000000000000000}, // 1e3 * 2**118
	{0x9c40000000000000, 0x0000000000000000}, // 1e4 * 2**114
	{0xc350000000000000, 0x0000000000000000}, // 1e5 * 2**111
	{0xf424000000000000, 0x0000000000000000}, // 1e6 * 2**108
	{0x9896800000000000, 0x0000000000000000}, // 1e7 * 2**104
	{0xbebc200000000000, 0x0000000000000000}, // 1e8 * 2**101
	{0xee6b280000000000, 0x0000000000000000}, // 1e9 * 2**98
	{0x9502f90000000000, 0x0000000000000000}, // 1e10 * 2**94
	{0xba43b74000000000, 0x0000000000000000}, // 1e11 * 2**91
	{0xe8d4a51000000000, 0x0000000000000000}, // 1e12 * 2**88
	{0x9184e72a00000000, 0x0000000000000000}, // 1e13 * 2**84
	{0xb5e620f480000000, 0x0000000000000000}, // 1e14 * 2**81
	{0xe35fa931a0000000, 0x0000000000000000}, // 1e15 * 2**78
	{0x8e1bc9bf04000000, 0x0000000000000000}, // 1e16 * 2**74
	{0xb1a2bc2ec5000000, 0x0000000000000000}, // 1e17 * 2**71
	{0xde0b6b3a76400000, 0x0000000000000000}, // 1e18 * 2**68
	{0x8ac7230489e80000, 0x0000000000000000}, // 1e19 * 2**64
	{0xad78ebc5ac620000, 0x0000000000000000}, // 1e20 * 2**61
	{0xd8d726b7177a8000, 0x0000000000000000}, // 1e21 * 2**58
	{0x878678326eac9000, 0x0000000000000000}, // 1e22 * 2**54
	{0xa968163f0a57b400, 0x0000000000000000}, // 1e23 * 2**51
	{0xd3c21bcecceda100, 0x0000000000000000}, // 1e24 * 2**48
	{0x84595161401484a0, 0x0000000000000000}, // 1e25 * 2**44
	{0xa56fa5b99019a5c8, 0x0000000000000000}, // 1e26 * 2**41
	{0xcecb8f27f4200f3a, 0x0000000000000000}, // 1e27 * 2**38
	{0x813f3978f8940984, 0x4000000000000000}, // 1e28 * 2**34
	{0xa18f07d736b90be5, 0x5000000000000000}, // 1e29 * 2**31
	{0xc9f2c9cd04674ede, 0xa400000000000000}, // 1e30 * 2**28
	{0xfc6f7c4045812296, 0x4d00000000000000}, // 1e31 * 2**25
	{0x9dc5ada82b70b59d, 0xf020000000000000}, // 1e32 * 2**21
	{0xc5371912364ce305, 0x6c28000000000000}, // 1e33 * 2**18
	{0xf684df56c3e01bc6, 0xc732000000000000}, // 1e34 * 2**15
	{0x9a130b963a6c115c, 0x3c7f400000000000}, // 1e35 * 2**11
	{0xc097ce7bc90715b3, 0x4b9f100000000000}, // 1e36 * 2**8
	{0xf0bdc21abb48db20, 0x1e86d40000000000}, // 1e37 * 2**5
	{0x96769950b50d88f4, 0x1314448000000000}, // 1e38 * 2**1
	{0xbc143fa4e250eb31, 0x17d955a000000000}, // 1e39 * 2**-2
	{0xeb194f8e1ae525fd, 0x5dcfab0800000000}, // 1e40 * 2**-5
	{0x92efd1b8d0cf37be, 0x5aa1cae500000000}, // 1e41 * 2**-9
	{0xb7abc627050305ad, 0xf14a3d9e40000000}, // 1e42 * 2**-12
	{0xe596b7b0c643c719, 0x6d9ccd05d0000000}, // 1e43 * 2**-15
	{0x8f7e32ce7bea5c6f, 0xe4820023a2000000}, // 1e44 * 2**-19
	{0xb35dbf821ae4f38b, 0xdda2802c8a800000}, // 1e45 * 2**-22
	{0xe0352f62a19e306e, 0xd50b2037ad200000}, // 1e46 * 2**-25
	{0x8c213d9da502de45, 0x4526f422cc340000}, // 1e47 * 2**-29
	{0xaf298d050e4395d6, 0x9670b12b7f410000}, // 1e48 * 2**-32
	{0xdaf3f04651d47b4c, 0x3c0cdd765f114000}, // 1e49 * 2**-35
	{0x88d8762bf324cd0f, 0xa5880a69fb6ac800}, // 1e50 * 2**-39
	{0xab0e93b6efee0053, 0x8eea0d047a457a00}, // 1e51 * 2**-42
	{0xd5d238a4abe98068, 0x72a4904598d6d880}, // 1e52 * 2**-45
	{0x85a36366eb71f041, 0x47a6da2b7f864750}, // 1e53 * 2**-49
	{0xa70c3c40a64e6c51, 0x999090b65f67d924}, // 1e54 * 2**-52
	{0xd0cf4b50cfe20765, 0xfff4b4e3f741cf6d}, // 1e55 * 2**-55
	{0x82818f1281ed449f, 0xbff8f10e7a8921a4}, // 1e56 * 2**-59
	{0xa321f2d7226895c7, 0xaff72d52192b6a0d}, // 1e57 * 2**-62
	{0xcbea6f8ceb02bb39, 0x9bf4f8a69f764490}, // 1e58 * 2**-65
	{0xfee50b7025c36a08, 0x02f236d04753d5b4}, // 1e59 * 2**-68
	{0x9f4f2726179a2245, 0x01d762422c946590}, // 1e60 * 2**-72
	{0xc722f0ef9d80aad6, 0x424d3ad2b7b97ef5}, // 1e61 * 2**-75
	{0xf8ebad2b84e0d58b, 0xd2e0898765a7deb2}, // 1e62 * 2**-78
	{0x9b934c3b330c8577, 0x63cc55f49f88eb2f}, // 1e63 * 2**-82
	{0xc2781f49ffcfa6d5, 0x3cbf6b71c76b25fb}, // 1e64 * 2**-85
	{0xf316271c7fc3908a, 0x8bef464e3945ef7a}, // 1e65 * 2**-88
	{0x97edd871cfda3a56, 0x97758bf0e3cbb5ac}, // 1e66 * 2**-92
	{0xbde94e8e43d0c8ec, 0x3d52eeed1cbea317}, // 1e67 * 2**-95
	{0xed63a231d4c4fb27, 0x4ca7aaa863ee4bdd}, // 1e68 * 2**-98
	{0x945e455f24fb1cf8, 0x8fe8caa93e74ef6a}, // 1e69 * 2**-102
	{0xb975d6b6ee39e436, 0xb3e2fd538e122b44}, // 1e70 * 2**-105
	{0xe7d34c64a9c85d44, 0x60dbbca87196b616}, // 1e71 * 2**-108
	{0x90e40fbeea1d3a4a, 0xbc8955e946fe31cd}, // 1e72 * 2**-112
	{0xb51d13aea4a488dd, 0x6babab6398bdbe41}, // 1e73 * 2**-115
	{0xe264589a4dcdab14, 0xc696963c7eed2dd1}, // 1e74 * 2**-118
	{0x8d7eb76070a08aec, 0xfc1e1de5cf543ca2}, // 1e75 * 2**-122
	{0xb0de65388cc8ada8, 0x3b25a55f43294bcb}, // 1e76 * 2**-125
	{0xdd15fe86affad912, 0x49ef0eb713f39ebe}, // 1e77 * 2**-128
	{0x8a2dbf142dfcc7ab, 0x6e3569326c784337}, // 1e78 * 2**-132
	{0xacb92ed9397bf996, 0x49c2c37f07965404}, // 1e79 * 2**-135
	{0xd7e77a8f87daf7fb, 0xdc33745ec97be906}, // 1e80 * 2**-138
	{0x86f0ac99b4e8dafd, 0x69a028bb3ded71a3}, // 1e81 * 2**-142
	{0xa8acd7c0222311bc, 0xc40832ea0d68ce0c}, // 1e82 * 2**-145
	{0xd2d80db02aabd62b, 0xf50a3fa490c30190}, // 1e83 * 2**-148
	{0x83c7088e1aab65db, 0x792667c6da79e0fa}, // 1e84 * 2**-152
	{0xa4b8cab1a1563f52, 0x577001b891185938}, // 1e85 * 2**-155
	{0xcde6fd5e09abcf26, 0xed4c0226b55e6f86}, // 1e86 * 2**-158
	{0x80b05e5ac60b6178, 0x544f8158315b05b4}, // 1e87 * 2**-162
	{0xa0dc75f1778e39d6, 0x696361ae3db1c721}, // 1e88 * 2**-165
	{0xc913936dd571c84c, 0x03bc3a19cd1e38e9}, // 1e89 * 2**-168
	{0xfb5878494ace3a5f, 0x04ab48a04065c723}, // 1e90 * 2**-171
	{0x9d174b2dcec0e47b, 0x62eb0d64283f9c76}, // 1e91 * 2**-175
	{0xc45d1df942711d9a, 0x3ba5d0bd324f8394}, // 1e92 * 2**-178
	{0xf5746577930d6500, 0xca8f44ec7ee36479}, // 1e93 * 2**-181
	{0x9968bf6abbe85f20, 0x7e998b13cf4e1ecb}, // 1e94 * 2**-185
	{0xbfc2ef456ae276e8, 0x9e3fedd8c321a67e}, // 1e95 * 2**-188
	{0xefb3ab16c59b14a2, 0xc5cfe94ef3ea101e}, // 1e96 * 2**-191
	{0x95d04aee3b80ece5, 0xbba1f1d158724a12}, // 1e97 * 2**-195
	{0xbb445da9ca61281f, 0x2a8a6e45ae8edc97}, // 1e98 * 2**-198
	{0xea1575143cf97226, 0xf52d09d71a3293bd}, // 1e99 * 2**-201
	{0x924d692ca61be758, 0x593c2626705f9c56}, // 1e100 * 2**-205
	{0xb6e0c377cfa2e12e, 0x6f8b2fb00c77836c}, // 1e101 * 2**-208
	{0xe498f455c38b997a, 0x0b6dfb9c0f956447}, // 1e102 * 2**-211
	{0x8edf98b59a373fec, 0x4724bd4189bd5eac}, // 1e103 * 2**-215
	{0xb2977ee300c50fe7, 0x58edec91ec2cb657}, // 1e104 * 2**-218
	{0xdf3d5e9bc0f653e1, 0x2f2967b66737e3ed}, // 1e105 * 2**-221
	{0x8b865b215899f46c, 0xbd79e0d20082ee74}, // 1e106 * 2**-225
	{0xae67f1e9aec07187, 0xecd8590680a3aa11}, // 1e107 * 2**-228
	{0xda01ee641a708de9, 0xe80e6f4820cc9495}, // 1e108 * 2**-231
	{0x884134fe908658b2, 0x3109058d147fdcdd}, // 1e109 * 2**-235
	{0xaa51823e34a7eede, 0xbd4b46f0599fd415}, // 1e110 * 2**-238
	{0xd4e5e2cdc1d1ea96, 0x6c9e18ac7007c91a}, // 1e111 * 2**-241
	{0x850fadc09923329e, 0x03e2cf6bc604ddb0}, // 1e112 * 2**-245
	{0xa6539930bf6bff45, 0x84db8346b786151c}, // 1e113 * 2**-248
	{0xcfe87f7cef46ff16, 0xe612641865679a63}, // 1e114 * 2**-251
	{0x81f14fae158c5f6e, 0x4fcb7e8f3f60c07e}, // 1e115 * 2**-255
	{0xa26da3999aef7749, 0xe3be5e330f38f09d}, // 1e116 * 2**-258
	{0xcb090c8001ab551c, 0x5cadf5bfd3072cc5}, // 1e117 * 2**-261
	{0xfdcb4fa002162a63, 0x73d9732fc7c8f7f6}, // 1e118 * 2**-264
	{0x9e9f11c4014dda7e, 0x2867e7fddcdd9afa}, // 1e119 * 2**-268
	{0xc646d63501a1511d, 0xb281e1fd541501b8}, // 1e120 * 2**-271
	{0xf7d88bc24209a565, 0x1f225a7ca91a4226}, // 1e121 * 2**-274
	{0x9ae757596946075f, 0x3375788de9b06958}, // 1e122 * 2**-278
	{0xc1a12d2fc3978937, 0x0052d6b1641c83ae}, // 1e123 * 2**-281
	{0xf209787bb47d6b84, 0xc0678c5dbd23a49a}, // 1e124 * 2**-284
	{0x9745eb4d50ce6332, 0xf840b7ba963646e0}, // 1e125 * 2**-288
	{0xbd176620a501fbff, 0xb650e5a93bc3d898}, // 1e126 * 2**-291
	{0xec5d3fa8ce427aff, 0xa3e51f138ab4cebe}, // 1e127 * 2**-294
	{0x93ba47c980e98cdf, 0xc66f336c36b10137}, // 1e128 * 2**-298
	{0xb8a8d9bbe123f017, 0xb80b0047445d4184}, // 1e129 * 2**-301
	{0xe6d3102ad96cec1d, 0xa60dc059157491e5}, // 1e130 * 2**-304
	{0x9043ea1ac7e41392, 0x87c89837ad68db2f}, // 1e131 * 2**-308
	{0xb454e4a179dd1877, 0x29babe4598c311fb}, // 1e132 * 2**-311
	{0xe16a1dc9d8545e94, 0xf4296dd6fef3d67a}, // 1e133 * 2**-314
	{0x8ce2529e2734bb1d, 0x1899e4a65f58660c}, // 1e134 * 2**-318
	{0xb01ae745b101e9e4, 0x5ec05dcff72e7f8f}, // 1e135 * 2**-321
	{0xdc21a1171d42645d, 0x76707543f4fa1f73}, // 1e136 * 2**-324
	{0x899504ae72497eba, 0x6a06494a791c53a8}, // 1e137 * 2**-328
	{0xabfa45da0edbde69, 0x0487db9d17636892}, // 1e138 * 2**-331
	{0xd6f8d7509292d603, 0x45a9d2845d3c42b6}, // 1e139 * 2**-334
	{0x865b86925b9bc5c2, 0x0b8a2392ba45a9b2}, // 1e140 * 2**-338
	{0xa7f26836f282b732, 0x8e6cac7768d7141e}, // 1e141 * 2**-341
	{0xd1ef0244af2364ff, 0x3207d795430cd926}, // 1e142 * 2**-344
	{0x8335616aed761f1f, 0x7f44e6bd49e807b8}, // 1e143 * 2**-348
	{0xa402b9c5a8d3a6e7, 0x5f16206c9c6209a6}, // 1e144 * 2**-351
	{0xcd036837130890a1, 0x36dba887c37a8c0f}, // 1e145 * 2**-354
	{0x802221226be55a64, 0xc2494954da2c9789}, // 1e146 * 2**-358
	{0xa02aa96b06deb0fd, 0xf2db9baa10b7bd6c}, // 1e147 * 2**-361
	{0xc83553c5c8965d3d, 0x6f92829494e5acc7}, // 1e148 * 2**-364
	{0xfa42a8b73abbf48c, 0xcb772339ba1f17f9}, // 1e149 * 2**-367
	{0x9c69a97284b578d7, 0xff2a760414536efb}, // 1e150 * 2**-371
	{0xc38413cf25e2d70d, 0xfef5138519684aba}, // 1e151 * 2**-374
	{0xf46518c2ef5b8cd1, 0x7eb258665fc25d69}, // 1e152 * 2**-377
	{0x98bf2f79d5993802, 0xef2f773ffbd97a61}, // 1e153 * 2**-381
	{0xbeeefb584aff8603, 0xaafb550ffacfd8fa}, // 1e154 * 2**-384
	{0xeeaaba2e5dbf6784, 0x95ba2a53f983cf38}, // 1e155 * 2**-387
	{0x952ab45cfa97a0b2, 0xdd945a747bf26183}, // 1e156 * 2**-391
	{0xba756174393d88df, 0x94f971119aeef9e4}, // 1e157 * 2**-394
	{0xe912b9d1478ceb17, 0x7a37cd5601aab85d}, // 1e158 * 2**-397
	{0x91abb422ccb812ee, 0xac62e055c10ab33a}, // 1e159 * 2**-401
	{0xb616a12b7fe617aa, 0x577b986b314d6009}, // 1e160 * 2**-404
	{0xe39c49765fdf9d94, 0xed5a7e85fda0b80b}, // 1e161 * 2**-407
	{0x8e41ade9fbebc27d, 0x14588f13be847307}, // 1e162 * 2**-411
	{0xb1d219647ae6b31c, 0x596eb2d8ae258fc8}, // 1e163 * 2**-414
	{0xde469fbd99a05fe3, 0x6fca5f8ed9aef3bb}, // 1e164 * 2**-417
	{0x8aec23d680043bee, 0x25de7bb9480d5854}, // 1e165 * 2**-421
	{0xada72ccc20054ae9, 0xaf561aa79a10ae6a}, // 1e166 * 2**-424
	{0xd910f7ff28069da4, 0x1b2ba1518094da04}, // 1e167 * 2**-427
	{0x87aa9aff79042286, 0x90fb44d2f05d0842}, // 1e168 * 2**-431
	{0xa99541bf57452b28, 0x353a1607ac744a53}, // 1e169 * 2**-434
	{0xd3fa922f2d1675f2, 0x42889b8997915ce8}, // 1e170 * 2**-437
	{0x847c9b5d7c2e09b7, 0x69956135febada11}, // 1e171 * 2**-441
	{0xa59bc234db398c25, 0x43fab9837e699095}, // 1e172 * 2**-444
	{0xcf02b2c21207ef2e, 0x94f967e45e03f4bb}, // 1e173 * 2**-447
	{0x8161afb94b44f57d, 0x1d1be0eebac278f5}, // 1e174 * 2**-451
	{0xa1ba1ba79e1632dc, 0x6462d92a69731732}, // 1e175 * 2**-454
	{0xca28a291859bbf93, 0x7d7b8f7503cfdcfe}, // 1e176 * 2**-457
	{0xfcb2cb35e702af78, 0x5cda735244c3d43e}, // 1e177 * 2**-460
	{0x9defbf01b061adab, 0x3a0888136afa64a7}, // 1e178 * 2**-464
	{0xc56baec21c7a1916, 0x088aaa1845b8fdd0}, // 1e179 * 2**-467
	{0xf6c69a72a3989f5b, 0x8aad549e57273d45}, // 1e180 * 2**-470
	{0x9a3c2087a63f6399, 0x36ac54e2f678864b}, // 1e181 * 2**-474
	{0xc0cb28a98fcf3c7f, 0x84576a1bb416a7dd}, // 1e182 * 2**-477
	{0xf0fdf2d3f3c30b9f, 0x656d44a2a11c51d5}, // 1e183 * 2**-480
	{0x969eb7c47859e743, 0x9f644ae5a4b1b325}, // 1e184 * 2**-484
	{0xbc4665b596706114, 0x873d5d9f0dde1fee}, // 1e185 * 2**-487
	{0xeb57ff22fc0c7959, 0xa90cb506d155a7ea}, // 1e186 * 2**-490
	{0x9316ff75dd87cbd8, 0x09a7f12442d588f2}, // 1e187 * 2**-494
	{0xb7dcbf5354e9bece, 0x0c11ed6d538aeb2f}, // 1e188 * 2**-497
	{0xe5d3ef282a242e81, 0x8f1668c8a86da5fa}, // 1e189 * 2**-500
	{0x8fa475791a569d10, 0xf96e017d694487bc}, // 1e190 * 2**-504
	{0xb38d92d760ec4455, 0x37c981dcc395a9ac}, // 1e191 * 2**-507
	{0xe070f78d3927556a, 0x85bbe253f47b1417}, // 1e192 * 2**-510
	{0x8c469ab843b89562, 0x93956d7478ccec8e}, // 1e193 * 2**-514
	{0xaf58416654a6babb, 0x387ac8d1970027b2}, // 1e194 * 2**-517
	{0xdb2e51bfe9d0696a, 0x06997b05fcc0319e}, // 1e195 * 2**-520
	{0x88fcf317f22241e2, 0x441fece3bdf81f03}, // 1e196 * 2**-524
	{0xab3c2fddeeaad25a, 0xd527e81cad7626c3}, // 1e197 * 2**-527
	{0xd60b3bd56a5586f1, 0x8a71e223d8d3b074}, // 1e198 * 2**-530
	{0x85c7056562757456, 0xf6872d5667844e49}, // 1e199 * 2**-534
	{0xa738c6bebb12d16c, 0xb428f8ac016561db}, // 1e200 * 2**-537
	{0xd106f86e69d785c7, 0xe13336d701beba52}, // 1e201 * 2**-540
	{0x82a45b450226b39c, 0xecc0024661173473}, // 1e202 * 2**-544
	{0xa34d721642b06084, 0x27f002d7f95d0190}, // 1e203 * 2**-547
	{0xcc20ce9bd35c78a5, 0x31ec038df7b441f4}, // 1e204 * 2**-550
	{0xff290242c83396ce, 0x7e67047175a15271}, // 1e205 * 2**-553
	{0x9f79a169bd203e41, 0x0f0062c6e984d386}, // 1e206 * 2**-557
	{0xc75809c42c684dd1, 0x52c07b78a3e60868}, // 1e207 * 2**-560
	{0xf92e0c3537826145, 0xa7709a56ccdf8a82}, // 1e208 * 2**-563
	{0x9bbcc7a142b17ccb, 0x88a66076400bb691}, // 1e209 * 2**-567
	{0xc2abf989935ddbfe, 0x6acff893d00ea435}, // 1e210 * 2**-570
	{0xf356f7ebf83552fe, 0x0583f6b8c4124d43}, // 1e211 * 2**-573
	{0x98165af37b2153de, 0xc3727a337a8b704a}, // 1e212 * 2**-577
	{0xbe1bf1b059e9a8d6, 0x744f18c0592e4c5c}, // 1e213 * 2**-580
	{0xeda2ee1c7064130c, 0x1162def06f79df73}, // 1e214 * 2**-583
	{0x9485d4d1c63e8be7, 0x8addcb5645ac2ba8}, // 1e215 * 2**-587
	{0xb9a74a0637ce2ee1, 0x6d953e2bd7173692}, // 1e216 * 2**-590
	{0xe8111c87c5c1ba99, 0xc8fa8db6ccdd0437}, // 1e217 * 2**-593
	{0x910ab1d4db9914a0, 0x1d9c9892400a22a2}, // 1e218 * 2**-597
	{0xb54d5e4a127f59c8, 0x2503beb6d00cab4b}, // 1e219 * 2**-600
	{0xe2a0b5dc971f303a, 0x2e44ae64840fd61d}, // 1e220 * 2**-603
	{0x8da471a9de737e24, 0x5ceaecfed289e5d2}, // 1e221 * 2**-607
	{0xb10d8e1456105dad, 0x7425a83e872c5f47}, // 1e222 * 2**-610
	{0xdd50f1996b947518, 0xd12f124e28f77719}, // 1e223 * 2**-613
	{0x8a5296ffe33cc92f, 0x82bd6b70d99aaa6f}, // 1e224 * 2**-617
	{0xace73cbfdc0bfb7b, 0x636cc64d1001550b}, // 1e225 * 2**-620
	{0xd8210befd30efa5a, 0x3c47f7e05401aa4e}, // 1e226 * 2**-623
	{0x8714a775e3e95c78, 0x65acfaec34810a71}, // 1e227 * 2**-627
	{0xa8d9d1535ce3b396, 0x7f1839a741a14d0d}, // 1e228 * 2**-630
	{0xd31045a8341ca07c, 0x1ede48111209a050}, // 1e229 * 2**-633
	{0x83ea2b892091e44d, 0x934aed0aab460432}, // 1e230 * 2**-637
	{0xa4e4b66b68b65d60, 0xf81da84d5617853f}, // 1e231 * 2**-640
	{0xce1de40642e3f4b9, 0x36251260ab9d668e}, // 1e232 * 2**-643
	{0x80d2ae83e9ce78f3, 0xc1d72b7c6b426019}, // 1e233 * 2**-647
	{0xa1075a24e4421730, 0xb24cf65b8612f81f}, // 1e234 * 2**-650
	{0xc94930ae1d529cfc, 0xdee033f26797b627}, // 1e235 * 2**-653
	{0xfb9b7cd9a4a7443c, 0x169840ef017da3b1}, // 1e236 * 2**-656
	{0x9d412e0806e88aa5, 0x8e1f289560ee864e}, // 1e237 * 2**-660
	{0xc491798a08a2ad4e, 0xf1a6f2bab92a27e2}, // 1e238 * 2**-663
	{0xf5b5d7ec8acb58a2, 0xae10af696774b1db}, // 1e239 * 2**-666
	{0x9991a6f3d6bf1765, 0xacca6da1e0a8ef29}, // 1e240 * 2**-670
	{0xbff610b0cc6edd3f, 0x17fd090a58d32af3}, // 1e241 * 2**-673
	{0xeff394dcff8a948e, 0xddfc4b4cef07f5b0}, // 1e242 * 2**-676
	{0x95f83d0a1fb69cd9, 0x4abdaf101564f98e}, // 1e243 * 2**-680
	{0xbb764c4ca7a4440f, 0x9d6d1ad41abe37f1}, // 1e244 * 2**-683
	{0xea53df5fd18d5513, 0x84c86189216dc5ed}, // 1e245 * 2**-686
	{0x92746b9be2f8552c, 0x32fd3cf5b4e49bb4}, // 1e246 * 2**-690
	{0xb7118682dbb66a77, 0x3fbc8c33221dc2a1}, // 1e247 * 2**-693
	{0xe4d5e82392a40515, 0x0fabaf3feaa5334a}, // 1e248 * 2**-696
	{0x8f05b1163ba6832d, 0x29cb4d87f2a7400e}, // 1e249 * 2**-700
	{0xb2c71d5bca9023f8, 0x743e20e9ef511012}, // 1e250 * 2**-703
	{0xdf78e4b2bd342cf6, 0x914da9246b255416}, // 1e251 * 2**-706
	{0x8bab8eefb6409c1a, 0x1ad089b6c2f7548e}, // 1e252 * 2**-710
	{0xae9672aba3d0c320, 0xa184ac2473b529b1}, // 1e253 * 2**-713
	{0xda3c0f568cc4f3e8, 0xc9e5d72d90a2741e}, // 1e254 * 2**-716
	{0x8865899617fb1871, 0x7e2fa67c7a658892}, // 1e255 * 2**-720
	{0xaa7eebfb9df9de8d, 0xddbb901b98feeab7}, // 1e256 * 2**-723
	{0xd51ea6fa85785631, 0x552a74227f3ea565}, // 1e257 * 2**-726
	{0x8533285c936b35de, 0xd53a88958f87275f}, // 1e258 * 2**-730
	{0xa67ff273b8460356, 0x8a892abaf368f137}, // 1e259 * 2**-733
	{0xd01fef10a657842c, 0x2d2b7569b0432d85}, // 1e260 * 2**-736
	{0x8213f56a67f6b29b, 0x9c3b29620e29fc73}, // 1e261 * 2**-740
	{0xa298f2c501f45f42, 0x8349f3ba91b47b8f}, // 1e262 * 2**-743
	{0xcb3f2f7642717713, 0x241c70a936219a73}, // 1e263 * 2**-746
	{0xfe0efb53d30dd4d7, 0xed238cd383aa0110}, // 1e264 * 2**-749
	{0x9ec95d1463e8a506, 0xf4363804324a40aa}, // 1e265 * 2**-753
	{0xc67bb4597ce2ce48, 0xb143c6053edcd0d5}, // 1e266 * 2**-756
	{0xf81aa16fdc1b81da, 0xdd94b7868e94050a}, // 1e267 * 2**-759
	{0x9b10a4e5e9913128, 0xca7cf2b4191c8326}, // 1e268 * 2**-763
	{0xc1d4ce1f63f57d72, 0xfd1c2f611f63a3f0}, // 1e269 * 2**-766
	{0xf24a01a73cf2dccf, 0xbc633b39673c8cec}, // 1e270 * 2**-769
	{0x976e41088617ca01, 0xd5be0503e085d813}, // 1e271 * 2**-773
	{0xbd49d14aa79dbc82, 0x4b2d8644d8a74e18}, // 1e272 * 2**-776
	{0xec9c459d51852ba2, 0xddf8e7d60ed1219e}, // 1e273 * 2**-779
	{0x93e1ab8252f33b45, 0xcabb90e5c942b503}, // 1e274 * 2**-783
	{0xb8da1662e7b00a17, 0x3d6a751f3b936243}, // 1e275 * 2**-786
	{0xe7109bfba19c0c9d, 0x0cc512670a783ad4}, // 1e276 * 2**-789
	{0x906a617d450187e2, 0x27fb2b80668b24c5}, // 1e277 * 2**-793
	{0xb484f9dc9641e9da, 0xb1f9f660802dedf6}, // 1e278 * 2**-796
	{0xe1a63853bbd26451, 0x5e7873f8a0396973}, // 1e279 * 2**-799
	{0x8d07e33455637eb2, 0xdb0b487b6423e1e8}, // 1e280 * 2**-803
	{0xb049dc016abc5e5f, 0x91ce1a9a3d2cda62}, // 1e281 * 2**-806
	{0xdc5c5301c56b75f7, 0x7641a140cc7810fb}, // 1e282 * 2**-809
	{0x89b9b3e11b6329ba, 0xa9e904c87fcb0a9d}, // 1e283 * 2**-813
	{0xac2820d9623bf429, 0x546345fa9fbdcd44}, // 1e284 * 2**-816
	{0xd732290fbacaf133, 0xa97c177947ad4095}, // 1e285 * 2**-819
	{0x867f59a9d4bed6c0, 0x49ed8eabcccc485d}, // 1e286 * 2**-823
	{0xa81f301449ee8c70, 0x5c68f256bfff5a74}, // 1e287 * 2**-826
	{0xd226fc195c6a2f8c, 0x73832eec6fff3111}, // 1e288 * 2**-829
	{0x83585d8fd9c25db7, 0xc831fd53c5ff7eab}, // 1e289 * 2**-833
	{0xa42e74f3d032f525, 0xba3e7ca8b77f5e55}, // 1e290 * 2**-836
	{0xcd3a1230c43fb26f, 0x28ce1bd2e55f35eb}, // 1e291 * 2**-839
	{0x80444b5e7aa7cf85, 0x7980d163cf5b81b3}, // 1e292 * 2**-843
	{0xa0555e361951c366, 0xd7e105bcc332621f}, // 1e293 * 2**-846
	{0xc86ab5c39fa63440, 0x8dd9472bf3fefaa7}, // 1e294 * 2**-849
	{0xfa856334878fc150, 0xb14f98f6f0feb951}, // 1e295 * 2**-852
	{0x9c935e00d4b9d8d2, 0x6ed1bf9a569f33d3}, // 1e296 * 2**-856
	{0xc3b8358109e84f07, 0x0a862f80ec4700c8}, // 1e297 * 2**-859
	{0xf4a642e14c6262c8, 0xcd27bb612758c0fa}, // 1e298 * 2**-862
	{0x98e7e9cccfbd7dbd, 0x8038d51cb897789c}, // 1e299 * 2**-866
	{0xbf21e44003acdd2c, 0xe0470a63e6bd56c3}, // 1e300 * 2**-869
	{0xeeea5d5004981478, 0x1858ccfce06cac74}, // 1e301 * 2**-872
	{0x95527a5202df0ccb, 0x0f37801e0c43ebc8}, // 1e302 * 2**-876
	{0xbaa718e68396cffd, 0xd30560258f54e6ba}, // 1e303 * 2**-879
	{0xe950df20247c83fd, 0x47c6b82ef32a2069}, // 1e304 * 2**-882
	{0x91d28b7416cdd27e, 0x4cdc331d57fa5441}, // 1e305 * 2**-886
	{0xb6472e511c81471d, 0xe0133fe4adf8e952}, // 1e306 * 2**-889
	{0xe3d8f9e563a198e5, 0x58180fddd97723a6}, // 1e307 * 2**-892
	{0x8e679c2f5e44ff8f, 0x570f09eaa7ea7648}, // 1e308 * 2**-896
	{0xb201833b35d63f73, 0x2cd2cc6551e513da}, // 1e309 * 2**-899
	{0xde81e40a034bcf4f, 0xf8077f7ea65e58d1}, // 1e310 * 2**-902
	{0x8b112e86420f6191, 0xfb04afaf27faf782}, // 1e311 * 2**-906
	{0xadd57a27d29339f6, 0x79c5db9af1f9b563}, // 1e312 * 2**-909
	{0xd94ad8b1c7380874, 0x18375281ae7822bc}, // 1e313 * 2**-912
	{0x87cec76f1c830548, 0x8f2293910d0b15b5}, // 1e314 * 2**-916
	{0xa9c2794ae3a3c69a, 0xb2eb3875504ddb22}, // 1e315 * 2**-919
	{0xd433179d9c8cb841, 0x5fa60692a46151eb}, // 1e316 * 2**-922
	{0x849feec281d7f328, 0xdbc7c41ba6bcd333}, // 1e317 * 2**-926
	{0xa5c7ea73224deff3, 0x12b9b522906c0800}, // 1e318 * 2**-929
	{0xcf39e50feae16bef, 0xd768226b34870a00}, // 1e319 * 2**-932
	{0x81842f29f2cce375, 0xe6a1158300d46640}, // 1e320 * 2**-936
	{0xa1e53af46f801c53, 0x60495ae3c1097fd0}, // 1e321 * 2**-939
	{0xca5e89b18b602368, 0x385bb19cb14bdfc4}, // 1e322 * 2**-942
	{0xfcf62c1dee382c42, 0x46729e03dd9ed7b5}, // 1e323 * 2**-945
	{0x9e19db92b4e31ba9, 0x6c07a2c26a8346d1}, // 1e324 * 2**-949
	{0xc5a05277621be293, 0xc7098b7305241885}, // 1e325 * 2**-952
	{0xf70867153aa2db38, 0xb8cbee4fc66d1ea7}, // 1e326 * 2**-955
	{0x9a65406d44a5c903, 0x737f74f1dc043328}, // 1e327 * 2**-959
	{0xc0fe908895cf3b44, 0x505f522e53053ff2}, // 1e328 * 2**-962
	{0xf13e34aabb430a15, 0x647726b9e7c68fef}, // 1e329 * 2**-965
	{0x96c6e0eab509e64d, 0x5eca783430dc19f5}, // 1e330 * 2**-969
	{0xbc789925624c5fe0, 0xb67d16413d132072}, // 1e331 * 2**-972
	{0xeb96bf6ebadf77d8, 0xe41c5bd18c57e88f}, // 1e332 * 2**-975
	{0x933e37a534cbaae7, 0x8e91b962f7b6f159}, // 1e333 * 2**-979
	{0xb80dc58e81fe95a1, 0x723627bbb5a4adb0}, // 1e334 * 2**-982
	{0xe61136f2227e3b09, 0xcec3b1aaa30dd91c}, // 1e335 * 2**-985
	{0x8fcac257558ee4e6, 0x213a4f0aa5e8a7b1}, // 1e336 * 2**-989
	{0xb3bd72ed2af29e1f, 0xa988e2cd4f62d19d}, // 1e337 * 2**-992
	{0xe0accfa875af45a7, 0x93eb1b80a33b8605}, // 1e338 * 2**-995
	{0x8c6c01c9498d8b88, 0xbc72f130660533c3}, // 1e339 * 2**-999
	{0xaf87023b9bf0ee6a, 0xeb8fad7c7f8680b4}, // 1e340 * 2**-1002
	{0xdb68c2ca82ed2a05, 0xa67398db9f6820e1}, // 1e341 * 2**-1005
	{0x892179be91d43a43, 0x88083f8943a1148c}, // 1e342 * 2**-1009
	{0xab69d82e364948d4, 0x6a0a4f6b948959b0}, // 1e343 * 2**-1012
	{0xd6444e39c3db9b09, 0x848ce34679abb01c}, // 1e344 * 2**-1015
	{0x85eab0e41a6940e5, 0xf2d80e0c0c0b4e11}, // 1e345 * 2**-1019
	{0xa7655d1d2103911f, 0x6f8e118f0f0e2195}, // 1e346 * 2**-1022
	{0xd13eb46469447567, 0x4b7195f2d2d1a9fb}, // 1e347 * 2**-1025
}
