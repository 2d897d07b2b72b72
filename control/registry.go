package control

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The registry lists the user's live mounts, so that `dlfs status` finds
// them whatever their store: one file per mount process, named by its
// pid, holding its store folder, in a folder of the user's own.

func registryDir() string { return filepath.Join(runtimeDir(), "mounts") }

// Register records that this process serves the store in dir; the
// returned function removes the record.
func Register(dir string) (func(), error) {
	reg := registryDir()
	if err := os.MkdirAll(reg, 0o700); err != nil {
		return nil, fmt.Errorf("register mount: %w", err)
	}
	p := filepath.Join(reg, strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(p, []byte(dir+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("register mount: %w", err)
	}
	return func() { os.Remove(p) }, nil
}

// Registered returns the store folders of the user's live mount
// processes, removing the records of dead ones.
func Registered() ([]string, error) {
	ents, err := os.ReadDir(registryDir())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	var dirs []string
	for _, e := range ents {
		p := filepath.Join(registryDir(), e.Name())
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.Remove(p)
			continue
		}
		data, err := os.ReadFile(p)
		if err == nil {
			dirs = append(dirs, strings.TrimSpace(string(data)))
		}
	}
	return dirs, nil
}
