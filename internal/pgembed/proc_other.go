//go:build !unix

package pgembed

import (
	"os"
	"syscall"
)

// sysProcAttr is a no-op where process credentials cannot be switched;
// serverUser never returns a user there because os.Geteuid is -1.
func (u *osUser) sysProcAttr() *syscall.SysProcAttr { return nil }

// processAlive reports whether pid names a live process.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}

// fileOwner is unknown on systems without Unix ownership.
func fileOwner(string) (uid, gid int, ok bool) { return 0, 0, false }
