package e2e

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill cmd if the test binary dies without
// running its cleanups (a panic, or go test's -timeout).
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
