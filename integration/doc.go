// Package integration mounts real datasets with the dlfs binary and drives
// real programs (ls, stat, cp, cmp, find, getfattr, python3) against them,
// comparing what they see with the source data.
//
// The tests need FUSE (/dev/fuse and fusermount3). Without it they skip
// with the reason, except when the CI environment variable is set: then a
// missing FUSE fails them.
package integration
