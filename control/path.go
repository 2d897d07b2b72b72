package control

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// socketName is the control socket's name in the store.
const socketName = "control.sock"

// maxSocketPath is the longest path a unix socket may have on Linux
// (sun_path holds 108 bytes with the terminating NUL).
const maxSocketPath = 107

// SocketPath returns the control socket of the store in dir: dir/control.sock,
// or, where that path is too long for a unix socket, a file named by the
// store's hash in a folder of the user's own under the runtime or
// temporary folder.
func SocketPath(dir string) string {
	p := filepath.Join(dir, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(runtimeDir(), hex.EncodeToString(sum[:8])+".sock")
}

// runtimeDir returns the user's folder for long-path sockets.
func runtimeDir() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, fmt.Sprintf("dlfs-%d", os.Getuid()))
}
