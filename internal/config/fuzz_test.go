package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary documents to the loader: it must return a config
// or an error wrapping ErrInvalid, and never panic or hang.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/good", "testdata/bad"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("storage: {path: x}\nserver: {listen: ':1'}"))
	f.Add([]byte("storage:\n  path: x\n  retention: 1d\n  tsdb: {}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, "")
		if err != nil {
			if !isInvalid(err) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if c.Prometheus == nil || c.Server.Listen == "" || c.Storage.Path == "" || c.Server.MaxRequestBodySize <= 0 {
			t.Fatalf("accepted config lacks defaults: %+v", c)
		}
	})
}

func isInvalid(err error) bool {
	for e := err; e != nil; {
		if e == ErrInvalid {
			return true
		}
		u, ok := e.(interface{ Unwrap() []error })
		if ok {
			for _, x := range u.Unwrap() {
				if isInvalid(x) {
					return true
				}
			}
			return false
		}
		w, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = w.Unwrap()
	}
	return false
}
