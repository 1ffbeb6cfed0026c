// Package version holds build information, set with -ldflags at release time
// and read from the Go build info otherwise.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set at link time: -ldflags "-X github.com/mlre-dev/mlre/internal/version.Version=..."
var (
	Version   = "0.1.0-dev"
	Revision  = ""
	Branch    = ""
	BuildUser = ""
	BuildDate = ""
)

// Info is the build information.
type Info struct {
	Version, Revision, Branch, BuildUser, BuildDate, GoVersion string
}

// Get returns the build information, filling the revision from the Go build
// info when it was not set at link time.
func Get() Info {
	i := Info{Version: Version, Revision: Revision, Branch: Branch, BuildUser: BuildUser, BuildDate: BuildDate, GoVersion: runtime.Version()}
	if i.Revision == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					i.Revision = s.Value
				case "vcs.time":
					if i.BuildDate == "" {
						i.BuildDate = s.Value
					}
				}
			}
		}
	}
	return i
}
