// Command muster is the incident response tool: runbooks, the incident journal,
// backup verification and tabletop drills. Commands here parse flags, call a
// package and print; the logic lives in the packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	// Imported for its initialisation, which must run before the libraries' (see its doc).
	_ "github.com/muster-ir/muster/internal/hugepages"
	"github.com/muster-ir/muster/runbook/untrusted"
)

func main() {
	go exitWhenInterrupted(os.Stderr)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// interruptGrace is how long a command has after Ctrl+C (or SIGTERM) to end by itself
// (commands that read long files stop at the cancelled context) before the process
// exits with 130. Exiting mid-write is safe: the journal recovers a torn line at the
// next open and keeps every line whose fsync returned.
const interruptGrace = time.Second

// screenActive is set while the TUI owns the terminal: it handles Ctrl+C as a key and
// must restore the terminal itself, so the watchdog leaves it alone.
var screenActive atomic.Bool

// exitWhenInterrupted ends the process interruptGrace after the first interrupt
// unless it has ended by then, so that Ctrl+C never leaves a command hanging on a
// read that does not honour cancellation (stdin, a slow disk).
func exitWhenInterrupted(stderr io.Writer) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	time.Sleep(interruptGrace)
	if screenActive.Load() {
		return
	}
	fmt.Fprintln(stderr, "muster: interrupted")
	os.Exit(130)
}

// run executes one command line and returns the process exit code: 0 ok, 1 the check
// found a problem, 2 the command could not do its job.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return execute(&globals{Stdin: stdin, Stdout: stdout, Stderr: stderr}, args)
}

// execute runs one command line with g's streams and clock (tests set both).
func execute(g *globals, args []string) int {
	stderr := g.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmdFor(g, args)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// Ctrl+C (or SIGTERM) and the command stopped at its cancelled context.
		fmt.Fprintf(stderr, "muster: %s interrupted; it stopped before the end\n", cmd.CommandPath())
		return 130
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "muster: "+untrusted.Clean(ee.err.Error()))
		}
		return ee.code
	}
	// Errors name ids, paths and files from the disk: cleaned like any untrusted text.
	fmt.Fprintln(stderr, "muster: "+untrusted.Clean(err.Error()))
	return 2
}

// exitError carries an exit code out of a command. A nil err means the command has
// already printed what the user needs (for example every lint problem).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// problemsFound is returned by a check that printed its findings: exit 1, nothing more
// to say.
func problemsFound() error { return &exitError{code: 1} }

// checkFailed is exit 1 with a message: the command ran and the answer is "no".
func checkFailed(err error) error { return &exitError{code: 1, err: err} }

// usageError is exit 2: bad flags or arguments.
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}
