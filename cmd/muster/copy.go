package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/scenarios"
)

// copyOptions is `muster runbook|scenario|policy copy`.
type copyOptions struct {
	Force bool
}

// newCopyCmd is the copy command of a library: the named entry's TOML written into the
// user's directory, to adapt.
func newCopyCmd(use, short string, run func(id string, o copyOptions) error, complete func() []string) *cobra.Command {
	var o copyOptions
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(args[0], o)
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return complete(), cobra.ShellCompDirectiveNoFileComp
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace the file if it exists")
	return cmd
}

func newRunbookCopyCmd(g *globals) *cobra.Command {
	return newCopyCmd("copy ID [--force]", "Copy a built-in runbook into <data dir>/runbooks/ID.toml to adapt (it then wins over the built-in one)",
		func(id string, o copyOptions) error { return runRunbookCopy(g, id, o) },
		func() []string { lib, _ := runbook.LoadLibrary("", nil); return lib.IDs() })
}

func runRunbookCopy(g *globals, id string, o copyOptions) error {
	lib, _ := runbook.LoadLibrary("", nil) // the built-in library only: the user's files are what a copy may replace
	rb, ok := lib.Get(id)
	if !ok {
		return usageError("no built-in runbook %q (known: %s)", id, strings.Join(lib.IDs(), ", "))
	}
	return g.writeCopy(filepath.Join(g.RunbookDir(), id+".toml"), rb.Raw, o)
}

func newScenarioCopyCmd(g *globals) *cobra.Command {
	return newCopyCmd("copy ID [--force]", "Copy a built-in scenario into <data dir>/scenarios/ID.toml to adapt (it then wins over the built-in one)",
		func(id string, o copyOptions) error { return runScenarioCopy(g, id, o) },
		func() []string {
			lib, _ := runbook.LoadLibrary("", nil)
			sl, _ := scenarios.LoadLibrary("", scenarios.Env{Runbooks: lib, Policy: runbook.DefaultPolicy()})
			return sl.IDs()
		})
}

func runScenarioCopy(g *globals, id string, o copyOptions) error {
	rbs, _ := runbook.LoadLibrary("", nil)
	lib, _ := scenarios.LoadLibrary("", scenarios.Env{Runbooks: rbs, Policy: runbook.DefaultPolicy()})
	sc, ok := lib.Get(id)
	if !ok {
		return usageError("no built-in scenario %q (known: %s)", id, strings.Join(lib.IDs(), ", "))
	}
	return g.writeCopy(filepath.Join(g.ScenarioDir(), id+".toml"), sc.Raw, o)
}

func newPolicyCopyCmd(g *globals) *cobra.Command {
	return newCopyCmd("copy PRESET [--force]", "Copy a preset into <data dir>/policy.toml, the policy in force from then on, to adapt",
		func(id string, o copyOptions) error { return runPolicyCopy(g, id, o) },
		runbook.PresetNames)
}

func runPolicyCopy(g *globals, name string, o copyOptions) error {
	b, ok := runbook.PresetSource(name)
	if !ok {
		return usageError("no preset %q (known: %s)", name, strings.Join(runbook.PresetNames(), ", "))
	}
	return g.writeCopy(filepath.Join(g.DataDir, "policy.toml"), b, o)
}

// writeCopy writes data to path, creating its directory: a complete file or none (a
// temporary file renamed or linked into place), and an existing file only with --force.
func (g *globals) writeCopy(path string, data []byte, o copyOptions) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &exitError{code: 2, err: err}
	}
	tmp, err := os.CreateTemp(dir, ".copy-*.toml")
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("cannot write %s: %w", path, err)}
	}
	if o.Force {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path) // fails if path exists: never a silent overwrite
	}
	if errors.Is(err, os.ErrExist) {
		return usageError("%s exists; use --force to replace it", path)
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("cannot write %s: %w", path, err)}
	}
	fmt.Fprintln(g.Stdout, path)
	return nil
}
