// Command dlfs mounts datasets of annotated items as a filesystem.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
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
		},
		Before:                 setupLogging,
		EnableBashCompletion:   true,
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*cli.Context, error) {},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "dlfs:", err)
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}
