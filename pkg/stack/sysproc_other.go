//go:build !linux

package stack

import "syscall"

// sysProcAttr has no parent-death signal outside Linux; Close stops the
// gateway.
func sysProcAttr() *syscall.SysProcAttr { return nil }
