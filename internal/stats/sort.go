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
// insertion sort orders. The passes go back and forth between xs and a
// scratch buffer, copying nothing back. Every pass of the classic LSD
// radix sort is a cache-unfriendly scatter over the whole slice; this
// makes one or two.
func SortFloat64s(xs []float64) {
	if len(xs) < 4096 {
		slices.Sort(xs)
		return
	}
	// The keys live in xs's own memory: one extra buffer, not two.
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(xs))), len(xs))
	and, or := varying(keys)
	// Without negative values the bits are in float order already.
	flip := or>>63 != 0
	if flip {
		and, or = ^uint64(0), 0
		for i, b := range keys {
			// Flip all bits of negatives and the sign bit of positives,
			// so unsigned order is float order.
			k := b ^ (uint64(int64(b)>>63) | 1<<63)
			keys[i] = k
			and &= k
			or |= k
		}
	}
	if width := uint(bits.Len64(and ^ or)); width > 0 {
		sc := scratchPool.Get().(*sortScratch)
		if cap(sc.keys) < len(keys) {
			sc.keys = make([]uint64, len(keys))
		}
		sortKeys(keys, sc.keys[:len(keys)], width, sc.counts[:])
		scratchPool.Put(sc)
	}
	if flip {
		for i, b := range keys {
			keys[i] = b ^ (((b >> 63) - 1) | 1<<63)
		}
	}
}

// varying returns the AND and the OR of keys: the bits set in one and not
// the other are those on which keys differ.
func varying(keys []uint64) (and, or uint64) {
	and, or = ^uint64(0), 0
	for _, k := range keys {
		and &= k
		or |= k
	}
	return and, or
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

// sortKeys sorts keys, which agree on every bit from bit width up, using
// scratch (as long as keys) as room: it splits them into buckets by their
// top varying bits, as many as suit the number of keys (a few keys per
// bucket on average), into scratch, then sorts each bucket from there back
// into keys (sortFrom). counts holds the count tables of this level and
// the deeper ones.
func sortKeys(keys, scratch []uint64, width uint, counts [][2 << maxDigit]int) {
	if len(keys) <= insLimit {
		insertionSort(keys)
		return
	}
	count, shift, split := splitKeys(keys, scratch, width, &counts[0])
	switch {
	case !split:
		if shift > 0 {
			sortKeys(keys, scratch, shift, counts)
		}
	case shift == 0:
		copy(keys, scratch) // every bucket holds one value
	default:
		lo := 0
		for _, c := range count {
			sortFrom(scratch[lo:lo+c], keys[lo:lo+c], shift, counts[1:])
			lo += c
		}
	}
}

// sortFrom is sortKeys with the keys in src and the result wanted in dst:
// it splits src into dst, then sorts each bucket there (sortKeys), so no
// level copies the keys back.
func sortFrom(src, dst []uint64, width uint, counts [][2 << maxDigit]int) {
	if len(src) <= insLimit {
		copy(dst, src)
		insertionSort(dst)
		return
	}
	count, shift, split := splitKeys(src, dst, width, &counts[0])
	switch {
	case !split && shift > 0:
		sortFrom(src, dst, shift, counts)
	case !split:
		copy(dst, src) // all equal
	case shift > 0:
		lo := 0
		for _, c := range count {
			if c > 1 {
				sortKeys(dst[lo:lo+c], src[lo:lo+c], shift, counts[1:])
			}
			lo += c
		}
	}
}

// splitKeys counts keys, which agree on every bit from bit width up, by
// the digit of their top bits below it, as many as suit their number, and
// scatters them by digit into dst. It returns the counts (in table) and
// the bits left below the digit. When every key has the same digit,
// nothing is scattered (split is false) and shift tells how many bits
// from the top still vary.
func splitKeys(keys, dst []uint64, width uint, table *[2 << maxDigit]int) (count []int, shift uint, split bool) {
	digit := uint(min(maxDigit, max(4, bits.Len(uint(len(keys)))-3)))
	digit = min(digit, width)
	shift = width - digit
	mask := uint64(1)<<digit - 1
	n := int(mask + 1)
	count, next := table[:n], table[n:2*n]
	clear(count)
	for _, k := range keys {
		count[(k>>shift)&mask]++
	}
	if count[(keys[0]>>shift)&mask] == len(keys) {
		// The keys may share more bits than these: skip them all.
		and, or := varying(keys)
		return count, uint(bits.Len64(and ^ or)), false
	}
	sum := 0
	for d, c := range count {
		next[d] = sum
		sum += c
	}
	for _, k := range keys {
		d := (k >> shift) & mask
		dst[next[d]] = k
		next[d]++
	}
	return count, shift, true
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
