// Command dlfs-sample writes the demo dataset: synthetic images with
// matching annotations, in the Dataloop export layout that dlfs import reads.
//
//	go run ./cmd/dlfs-sample -n 300 -seed 1 /tmp/dlfs-demo
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dlfs/dlfs/internal/sample"
)

func main() {
	n := flag.Int("n", 300, "number of images to generate")
	seed := flag.Int64("seed", 1, "seed; the same seed gives the same dataset")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [-n N] [-seed S] DEST\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}

	dest := flag.Arg(0)
	stats, err := sample.Generate(dest, *n, *seed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dlfs-sample: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d items with %d annotations to %s\n", stats.Items, stats.Annotations, dest)
}
