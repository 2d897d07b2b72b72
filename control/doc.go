// Package control is the control socket of a running mount: a unix socket
// in the store, readable and writable by its owner only, through which
// other dlfs commands reach the process that holds the store's catalog.
//
// A client sends one Request as a JSON line. A "run" request asks the
// mount process to run a dlfs command line in-process; its standard output
// and error come back as frames, then its exit status. A "status" request
// answers the mount's Status as one frame.
package control
