// Command synth renders synthetic well logs with exact truth: training
// tiles for the segmentation model, archives the pipeline accepts, and the
// project's fixtures.
//
//	synth tiles --out DIR --n N --tile 256 --tier easy|hard|mixed --seed S
//	synth log --tier hard --seed 7 --out X.tar.gz [--pages N]
//	synth fixtures
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "tiles":
		err = runTiles(os.Args[2:])
	case "log":
		err = runLog(os.Args[2:])
	case "fixtures":
		err = runFixtures(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		// The command's flags were printed on request.
	case err != nil:
		slog.Error("synth failed", "command", os.Args[1], "err", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  synth tiles --out DIR --n N [--tile 256] [--tier easy|hard|mixed] [--seed S]
  synth log --out X.tar.gz [--tier easy|hard] [--seed S] [--pages N] [flags]
  synth fixtures [--root DIR]
run "synth COMMAND -h" for the flags of a command.
`)
}
