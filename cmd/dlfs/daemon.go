package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// Environment of a daemon's mount process.
const (
	readyFDEnv = "DLFS_READY_FD" // the descriptor to write "ready" to
	logFileEnv = "DLFS_LOG_FILE" // the log file, for dlfs status
)

// daemonTimeout bounds the wait for a daemon's mount to become ready.
const daemonTimeout = 2 * time.Minute

// startDaemon runs this `dlfs mount` command again without --daemon, in a
// new session with its output in a log file of the store, and returns
// once the mount is ready, or with the error that stopped it.
func startDaemon(c *cli.Context, dataset string) error {
	dir, err := storeDir(c)
	if err != nil {
		return err
	}
	logPath, logFile, err := openMountLog(dir, dataset)
	if err != nil {
		return err
	}
	defer logFile.Close()
	start, _ := logFile.Seek(0, io.SeekEnd)
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("mount --daemon: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("mount --daemon: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, daemonArgs(os.Args[1:])...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), readyFDEnv+"=3", logFileEnv+"="+logPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("mount --daemon: %w", err)
	}
	w.Close()

	if waitReady(r, cmd.Process) {
		if !c.Bool("quiet") {
			fmt.Printf("dlfs: mounted (pid %d); log: %s\n", cmd.Process.Pid, logPath)
		}
		cmd.Process.Release()
		return nil
	}
	cmd.Wait()
	return fmt.Errorf("mount --daemon: the mount process stopped before the mount was "+
		"ready (log: %s):\n%s", logPath, logSince(logPath, start))
}

// waitReady reads the readiness pipe until "ready", EOF or the timeout;
// a process that misses the timeout is killed.
func waitReady(r *os.File, p *os.Process) bool {
	got := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-got:
		return ok
	case <-time.After(daemonTimeout):
		p.Kill()
		return false
	}
}

// openMountLog opens (appending) STORE/logs/mount-NAME.log.
func openMountLog(dir, dataset string) (string, *os.File, error) {
	name := dataset
	if name == "" {
		name = "all"
	}
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return "", nil, fmt.Errorf("mount --daemon: %w", err)
	}
	p := filepath.Join(logs, "mount-"+name+".log")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return "", nil, fmt.Errorf("mount --daemon: %w", err)
	}
	return p, f, nil
}

// daemonArgs returns the command line without its --daemon flag.
func daemonArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		switch strings.TrimLeft(a, "-") {
		case "daemon", "daemon=true", "daemon=1", "D":
			if strings.HasPrefix(a, "-") {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// logSince returns what was logged after offset, at most its last 4 KiB.
func logSince(path string, offset int64) string {
	data, err := os.ReadFile(path)
	if err != nil || offset > int64(len(data)) {
		return ""
	}
	data = data[offset:]
	if len(data) > 4096 {
		data = data[len(data)-4096:]
	}
	return strings.TrimSpace(string(data))
}

// notifyReady tells the process waiting for the mount that it is ready:
// the `dlfs mount --daemon` that started this one, and systemd
// (Type=notify units).
func notifyReady() {
	if fd := os.Getenv(readyFDEnv); fd == "3" {
		f := os.NewFile(3, "ready")
		f.WriteString("ready\n")
		f.Close()
		os.Unsetenv(readyFDEnv)
	}
	sdNotify("READY=1")
}

// notifyStopping tells systemd that the mount is going away.
func notifyStopping() { sdNotify("STOPPING=1") }

// sdNotify sends a state to systemd's notify socket, when there is one.
func sdNotify(state string) {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return
	}
	if strings.HasPrefix(addr, "@") {
		addr = "\x00" + addr[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		logger.Warn("systemd notify", "err", err)
		return
	}
	defer conn.Close()
	conn.Write([]byte(state))
}
