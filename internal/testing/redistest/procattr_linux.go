package redistest

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill the server when the test process dies, so a
// crashed or killed test run leaves no redis-server behind.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
