package stats

import (
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// SortFloat64s sorts finite values ascending, as slices.Sort does, with a
// radix sort on the values' bits: for large slices it is several times
// faster than a comparison sort. NaN must not occur (callers drop missing
// values first); -0 sorts before +0.
//
// The bits are first turned into keys whose unsigned order is the float
// order. Bits that all keys share are skipped. Most-significant-digit
// passes then split the keys into buckets by their top varying bits (11 at
// first), and each bucket, soon small enough to stay in the CPU's caches,
// is split again on the next bits until buckets hold a few keys, which an
// insertion sort orders. Every pass of the classic LSD radix sort is a
// cache-unfriendly scatter over the whole slice; this makes one or two.
func SortFloat64s(xs []float64) {
	if len(xs) < 4096 {
		slices.Sort(xs)
		return
	}
	// The keys live in xs's own memory: one extra buffer, not two.
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(xs))), len(xs))
	and, or := ^uint64(0), uint64(0)
	for i, b := range keys {
		// Flip all bits of negatives and the sign bit of positives, so
		// unsigned order is float order.
		k := b ^ (uint64(int64(b)>>63) | 1<<63)
		keys[i] = k
		and &= k
		or |= k
	}
	if width := uint(bits.Len64(and ^ or)); width > 0 {
		sc := scratchPool.Get().(*sortScratch)
		if cap(sc.keys) < len(keys) {
			sc.keys = make([]uint64, len(keys))
		}
		sortKeys(keys, sc.keys[:len(keys)], width, sc.counts[:])
		scratchPool.Put(sc)
	}
	for i, b := range keys {
		keys[i] = b ^ (((b >> 63) - 1) | 1<<63)
	}
}

const (
	maxDigit = 11 // widest digit of a splitting pass
	insLimit = 32 // largest bucket sorted by insertion
)

// sortScratch is the room SortFloat64s sorts in: a buffer as long as the
// keys and the count tables of each level (a level takes 4 bits or more).
type sortScratch struct {
	keys   []uint64
	counts [(64 + 3) / 4][2 << maxDigit]int
}

// scratchPool holds sortScratch, so that sorting many columns in turn does
// not allocate each time.
var scratchPool = sync.Pool{New: func() any { return new(sortScratch) }}

// sortKeys sorts keys that agree on every bit from bit width up, using
// scratch (as long as keys) as room: it splits them into buckets by their
// top varying bits, as many as suit the number of keys (a few keys per
// bucket on average), then sorts each bucket the same way. counts holds
// the count tables of the deeper levels.
func sortKeys(keys, scratch []uint64, width uint, counts [][2 << maxDigit]int) {
	if len(keys) <= insLimit {
		insertionSort(keys)
		return
	}
	digit := uint(min(maxDigit, max(4, bits.Len(uint(len(keys)))-3)))
	digit = min(digit, width)
	shift := width - digit
	mask := uint64(1)<<digit - 1
	n := int(mask + 1)
	count, next := counts[0][:n], counts[0][n:2*n]
	clear(count)
	for _, k := range keys {
		count[(k>>shift)&mask]++
	}
	if count[(keys[0]>>shift)&mask] == len(keys) {
		if shift > 0 {
			sortKeys(keys, scratch, shift, counts) // one bucket: the digit is constant
		}
		return
	}
	sum := 0
	for d, c := range count {
		next[d] = sum
		sum += c
	}
	for _, k := range keys {
		d := (k >> shift) & mask
		scratch[next[d]] = k
		next[d]++
	}
	copy(keys, scratch)
	if shift == 0 {
		return
	}
	lo := 0
	for _, c := range count {
		if c > 1 {
			sortKeys(keys[lo:lo+c], scratch[lo:lo+c], shift, counts[1:])
		}
		lo += c
	}
}

func insertionSort(keys []uint64) {
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
}
