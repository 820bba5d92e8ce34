//go:build !linux

package redistest

import "os/exec"

// setProcAttr does nothing where the kernel cannot kill a child with its parent;
// servers are still killed by the tests' cleanup.
func setProcAttr(*exec.Cmd) {}
