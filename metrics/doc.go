// Package metrics counts what a mount does and serves it to Prometheus.
//
// Every name starts with dlfs_. FUSE operations are timed by kind
// (InstrumentFS), blob backend calls are counted by backend and method
// (InstrumentStore), and the catalog's datasets and items and the disk
// caches' counters are read at scrape time from functions the mount gives
// (SetCatalog, SetCaches). The same counters answer `dlfs status`.
package metrics
