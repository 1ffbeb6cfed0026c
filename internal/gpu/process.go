package gpu

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Owner is what mlre can learn about the process holding GPU memory.
type Owner struct {
	Comm        string // the command name, from /proc/<pid>/comm
	ContainerID string // the container's ID (64 hex digits), when in one
	PodUID      string // the Kubernetes pod's UID, when in a pod
}

var (
	containerIDRe = regexp.MustCompile(`([0-9a-f]{64})`)
	// kubepods-burstable-pod<uid with _>.slice or /kubepods/burstable/pod<uid>/
	podUIDRe = regexp.MustCompile(`pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})`)
)

// processOwner reads /proc/<pid>/comm and /proc/<pid>/cgroup under procPath.
// A process that is gone or unreadable yields what could be read.
func processOwner(procPath string, pid uint32) Owner {
	dir := filepath.Join(procPath, strconv.FormatUint(uint64(pid), 10))
	var o Owner
	if b, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil {
		o.Comm = strings.TrimSpace(string(b))
	}
	f, err := os.Open(filepath.Join(dir, "cgroup"))
	if err != nil {
		return o
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		id, pod := parseCgroupLine(s.Text())
		if o.ContainerID == "" {
			o.ContainerID = id
		}
		if o.PodUID == "" {
			o.PodUID = pod
		}
	}
	return o
}

// parseCgroupLine finds a container ID and a pod UID in one line of
// /proc/<pid>/cgroup, in the cgroupfs and systemd layouts of Docker,
// containerd and CRI-O (e.g.
// "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c..._..slice/cri-containerd-<id>.scope").
func parseCgroupLine(line string) (containerID, podUID string) {
	// hierarchy-ID:controllers:path
	parts := strings.SplitN(line, ":", 3)
	if len(parts) != 3 {
		return "", ""
	}
	path := parts[2]
	if m := podUIDRe.FindStringSubmatch(path); m != nil {
		podUID = strings.ReplaceAll(m[1], "_", "-")
	}
	// The container ID is the last 64-hex-digit path element.
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		if m := containerIDRe.FindString(elems[i]); m != "" {
			containerID = m
			break
		}
	}
	return containerID, podUID
}
