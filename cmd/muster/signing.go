package main

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/settings"
)

// noSignKey is the --sign-key value that turns signing off for one command.
const noSignKey = "none"

// settings reads <data dir>/config.toml once.
func (g *globals) settings() (settings.Settings, error) {
	g.settingsOnce.Do(func() {
		g.cfg, g.cfgErr = settings.Load(g.settingsPath())
	})
	if g.cfgErr != nil {
		return settings.Settings{}, &exitError{code: 2, err: g.cfgErr}
	}
	return g.cfg, nil
}

func (g *globals) settingsPath() string { return filepath.Join(g.DataDir, settings.FileName) }

// signKeySpec is the key lines are signed with: --sign-key, else [signing] key; ""
// when lines are not signed.
func (g *globals) signKeySpec() (string, error) {
	if g.SignKey == noSignKey {
		return "", nil
	}
	if g.SignKey != "" {
		return g.SignKey, nil
	}
	s, err := g.settings()
	return s.Signing.Key, err
}

// lazyKey loads the signing key when the first line is signed, so that commands that
// only read never touch ssh-agent.
type lazyKey struct {
	spec string
	once sync.Once
	key  *sshsig.Key
	err  error
}

func (l *lazyKey) load() (*sshsig.Key, error) {
	l.once.Do(func() { l.key, l.err = sshsig.LoadKey(l.spec) })
	return l.key, l.err
}

func (l *lazyKey) KeyFingerprint() (string, error) {
	k, err := l.load()
	if err != nil {
		return "", err
	}
	return k.Fingerprint(), nil
}

func (l *lazyKey) SignJournal(msg []byte) ([]byte, error) {
	k, err := l.load()
	if err != nil {
		return nil, err
	}
	return k.SignJournal(msg)
}

// lineSigner is the journal's signer, or nil when lines are not signed.
func (g *globals) lineSigner() journal.Signer {
	spec, err := g.signKeySpec()
	if err != nil || spec == "" {
		return nil
	}
	if g.signer == nil || g.signer.spec != spec {
		g.signer = &lazyKey{spec: spec}
	}
	return g.signer
}

// signingReady loads the signing key before a command writes, so that a key that
// cannot be used is refused up front (exit 2), as git commit -S does, instead of
// leaving lines unsigned.
func (g *globals) signingReady() error {
	spec, err := g.signKeySpec()
	if err != nil || spec == "" {
		return err
	}
	g.lineSigner()
	if _, err := g.signer.load(); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%v (or run with --sign-key=none to write unsigned lines)", err)}
	}
	return nil
}

// closeIncident releases the incident; a line saved but not signed is a warning
// (the line itself is safe).
func (g *globals) closeIncident(inc *incident.Incident) {
	if err := inc.Close(); err != nil {
		for _, e := range unjoin(err) {
			fmt.Fprintln(g.Stderr, "muster: warning: "+e.Error())
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
