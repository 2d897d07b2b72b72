// Command dlfs mounts datasets of annotated items as a filesystem.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(runApp(context.Background(), os.Args))
}

// newApp returns the command line app. A mount process builds a fresh one
// for each command it runs for another process, so that it writes to the
// standard output and error of that moment.
func newApp() *cli.App {
	return &cli.App{
		Name:  "dlfs",
		Usage: "mount datasets of annotated items as an ordinary filesystem",
		Description: "dlfs keeps datasets of items (files with JSON metadata and annotations, " +
			"in the shape of the Dataloop platform) in a store: a Badger catalog and a blob " +
			"backend. `dlfs mount` shows a dataset as a folder.",
		Flags: globalFlags(),
		Commands: []*cli.Command{
			importCommand(),
			exportCommand(),
			mountCommand(),
			unmountCommand(),
			datasetsCommand(),
			showCommand(),
			findCommand(),
			gcCommand(),
			renderCommand(),
			statusCommand(),
			completionCommand(),
		},
		Before:                 setupLogging,
		EnableBashCompletion:   true,
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*cli.Context, error) {},
		Writer:                 os.Stdout,
		ErrWriter:              os.Stderr,
	}
}

// runApp runs the app on args, prints the error that ended it, and returns
// the exit status.
func runApp(ctx context.Context, args []string) int {
	err := newApp().RunContext(ctx, args)
	if err == nil {
		return 0
	}
	var fwd forwardedExit
	if errors.As(err, &fwd) {
		return fwd.code
	}
	fmt.Fprintln(os.Stderr, "dlfs:", err)
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}
