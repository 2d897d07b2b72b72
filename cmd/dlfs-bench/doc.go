// Command dlfs-bench measures dlfs against the native filesystem and, where
// installed, bindfs over the same files, and prints one table row per
// workload of the performance targets (B1–B7): the native figure, dlfs's,
// their ratio, the target and whether it is met.
//
// It must run as root (it drops the page cache for cold runs and mounts).
// Everything it generates lives in one temporary folder that is removed at
// the end. Each figure is the median of -runs runs.
//
// Usage:
//
//	go run ./cmd/dlfs-bench [-quick] [-only B1,B3] [-runs 3] [-dlfs ./dlfs]
package main
