package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// loadPolicy returns the severity policy in force: --policy (a file or preset name),
// else <data dir>/policy.toml when it exists, else the default preset. Problems in a
// policy file mean the command cannot do its job: they are printed and exit 2.
func (g *globals) loadPolicy() (*runbook.Policy, error) {
	arg := g.Policy
	if arg == "" {
		if p := filepath.Join(g.DataDir, "policy.toml"); fileExists(p) {
			arg = p
		}
	}
	pol, problems := runbook.LoadPolicy(arg)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(g.Stderr, p.String())
		}
		return nil, &exitError{code: 2, err: fmt.Errorf("the severity policy %s has %s", arg, plural(len(problems), "problem"))}
	}
	return pol, nil
}

// loadLibrary loads the embedded runbooks and the user's directory. Problems in user
// files are warnings: the other runbooks still load.
func (g *globals) loadLibrary(pol *runbook.Policy) *runbook.Library {
	lib, problems := runbook.LoadLibrary(g.RunbookDir(), pol)
	for _, p := range problems {
		fmt.Fprintln(g.Stderr, "warning: "+p.String())
	}
	return lib
}

// resolveRunbook finds a runbook by library id or file path.
func (g *globals) resolveRunbook(arg string, pol *runbook.Policy) (*runbook.Runbook, error) {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".toml") || fileExists(arg) {
		rb, problems := runbook.LoadFile(arg, pol)
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(g.Stderr, p.String())
			}
			return nil, &exitError{code: 2, err: fmt.Errorf("runbook %s has %s", arg, plural(len(problems), "problem"))}
		}
		return rb, nil
	}
	lib := g.loadLibrary(pol)
	rb, ok := lib.Get(arg)
	if !ok {
		var ids []string
		for _, r := range lib.List() {
			ids = append(ids, r.ID)
		}
		return nil, usageError("no runbook %q (known: %s)", arg, strings.Join(ids, ", "))
	}
	return rb, nil
}

func (g *globals) store() *incident.Store {
	st := &incident.Store{DataDir: g.DataDir, Now: g.Clock, LockWait: g.LockWait, Signer: g.lineSigner(), Context: g.ctx}
	if g.team != nil {
		st.Shared = g.team
	}
	return st
}

// openIncident opens an incident for writing with the caller as actor, to run a
// command: only the state commands are checked against is read (see OpenForCommand).
func (g *globals) openIncident(id string) (*incident.Incident, error) {
	if err := g.signingReady(); err != nil {
		return nil, err
	}
	inc, err := g.store().OpenForCommand(id, g.Actor)
	if err != nil {
		return nil, commandError(err)
	}
	return inc, nil
}

// commandError maps package errors to exit codes: a refused command (invalid in the
// incident's state) is 1; bad input (a missing --reason, an unknown severity or step),
// a writer lock held elsewhere, an unreadable incident or a failed disk is 2.
func commandError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	if incident.IsBadInput(err) {
		return &exitError{code: 2, err: err}
	}
	if incident.IsRefused(err) {
		return checkFailed(err)
	}
	return &exitError{code: 2, err: err}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
