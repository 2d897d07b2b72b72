package main

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

func unmountCommand() *cli.Command {
	return &cli.Command{
		Name:      "unmount",
		Aliases:   []string{"umount"},
		Usage:     "end a mount",
		ArgsUsage: "MOUNTPOINT",
		Description: `Unmounts a dlfs mount; the mount process then exits. --lazy detaches it at
once even while files are open (they stay readable until closed).

Example:
   dlfs unmount ./mnt`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "lazy", Aliases: []string{"z"}, Usage: "detach even when busy"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("unmount: want one MOUNTPOINT, got %d arguments", c.NArg())
			}
			return unmount(c.Args().First(), c.Bool("lazy"))
		},
	}
}

// unmount ends the mount at dir: with fusermount3 when installed (it works
// for unprivileged users), else with umount2(2).
func unmount(dir string, lazy bool) error {
	if path, err := exec.LookPath("fusermount3"); err == nil {
		args := []string{"-u"}
		if lazy {
			args = append(args, "-z")
		}
		out, err := exec.Command(path, append(args, dir)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("unmount %s: %s", dir, strings.TrimSpace(string(out)))
		}
		return nil
	}
	flags := 0
	if lazy {
		flags = syscall.MNT_DETACH
	}
	if err := syscall.Unmount(dir, flags); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}
