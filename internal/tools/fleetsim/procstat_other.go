//go:build !linux

package fleetsim

import "time"

// cpuTime returns 0: the simulator reads its CPU time on Linux only, where its
// figures are taken.
func cpuTime() time.Duration { return 0 }

// loadAvg returns zeros: the load average is read from Linux's /proc only.
func loadAvg() [3]float64 { return [3]float64{} }

// machineCPU returns zeros: the machine's CPU time is read from Linux's /proc
// only.
func machineCPU() (busy, idle int64) { return 0, 0 }
