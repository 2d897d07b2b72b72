package main

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// median returns the middle of xs (the mean of the two middle ones for an
// even count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// dropCaches empties the page, dentry and inode caches, so that the next
// run reads from disk and FUSE mounts forget what the kernel knew.
func dropCaches() error {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0); err != nil {
		return fmt.Errorf("drop caches (run as root): %w", err)
	}
	return nil
}

// timeIt returns how long fn took.
func timeIt(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

// repeat runs fn runs times, with before (when not nil) ahead of each run,
// and returns the median of what fn returned.
func repeat(runs int, before func() error, fn func() (float64, error)) (float64, error) {
	var xs []float64
	for i := 0; i < runs; i++ {
		if before != nil {
			if err := before(); err != nil {
				return 0, err
			}
		}
		x, err := fn()
		if err != nil {
			return 0, err
		}
		xs = append(xs, x)
	}
	return median(xs), nil
}

// run executes a command with its output discarded, returning its error
// output in the error when it fails.
func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// seconds times a command and returns its duration in seconds.
func seconds(name string, args ...string) (float64, error) {
	d, err := timeIt(func() error { return run(name, args...) })
	return d.Seconds(), err
}

// procStatusKiB returns a "Vm..." field of /proc/PID/status in KiB.
func procStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read status of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no %s in the status of %d", field, pid)
}
