// Command digitise runs the raster well-log digitiser: stage workers
// (serve), the local demo, and the user commands that submit scan archives
// and inspect jobs, their results, dead letters and traces.
//
//	digitise serve --local            # local stack + every stage
//	digitise submit scan.zip --wait   # upload, run, show progress
//	digitise results JOB -o out/      # LAS, QA report, overlay
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// commands maps each subcommand to its function and one-line summary.
var commands = []struct {
	name, summary string
	run           func(args []string) error
}{
	{"serve", "run stage workers (all or some stages), optionally with a local stack", cmdServe},
	{"submit", "upload a scan archive and start a job", cmdSubmit},
	{"status", "show a job's stages, attempts, errors and outputs", cmdStatus},
	{"list", "list jobs (--failed: only failed ones)", cmdList},
	{"results", "download a job's LAS, CSV, QA report and overlay", cmdResults},
	{"rerun", "run a job again from a stage, or every failed job", cmdRerun},
	{"dlq", "list dead letters with their reasons", cmdDLQ},
	{"trace", "print a job's span tree with durations", cmdTrace},
	{"model", "upload a segmentation model: model upload DIR [--key K]", cmdModel},
	{"demo", "start a local stack and workers, digitise the samples, write ./out", cmdDemo},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run dispatches to a subcommand and maps errors to exit codes: 0 ok, 1
// failure, 2 usage.
func run(args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		return report(stderr, c.name, c.run(args[1:]))
	}
	fmt.Fprintf(stderr, "digitise: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// report prints a command's error on stderr and returns the exit status:
// 0 ok or --help, 2 usage, an exitCode's own status (printing nothing when
// the error is only that status: the command has said what happened), else
// 1.
func report(stderr io.Writer, name string, err error) int {
	var ec exitCode
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "digitise %s: %v\n(see digitise %s --help)\n", name,
			strings.TrimPrefix(err.Error(), "usage: "), name)
		return 2
	case errors.As(err, &ec) && err == error(ec):
		return int(ec)
	}
	fmt.Fprintf(stderr, "digitise %s: %v\n", name, err)
	if errors.As(err, &ec) {
		return int(ec)
	}
	return 1
}

// exitCode is an error that also chooses the exit status; returned alone,
// it is the exit status and nothing is printed.
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: digitise COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `digitise COMMAND --help` for a command's flags. Every flag can also")
	fmt.Fprintln(w, "be set with a DIGITISE_* environment variable (see README).")
}

// usageFor returns a FlagSet usage function.
func usageFor(fs *flag.FlagSet, synopsis, text string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: digitise %s\n\n%s\n\nflags:\n", synopsis, text)
		fs.PrintDefaults()
	}
}

// parse parses flags anywhere among the arguments (flags after positional
// ones too); --help returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(envDefault(name, "")); err == nil {
		return v
	}
	return def
}
