package incident

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/muster-ir/muster/runbook/journal"
)

// SharedSigs is a team store that keeps the signatures of lines too (package team's
// Store does): one journal.sigs line per signed seq.
type SharedSigs interface {
	PublishSig(ctx context.Context, id string, seq uint64, line []byte) error
	SigSeqs(ctx context.Context, id string) (map[uint64]bool, error)
	Sigs(ctx context.Context, id string, seqs []uint64) (map[uint64][]byte, error)
}

// shareSig signs a line this responder just published to the team store (when lines
// are signed) and publishes its signature, in the background: the command's answer
// waits for its line (the store's and the mirror's), not for the signing key and a
// second request. The signatures are made and published in the order of their lines,
// and Close waits for them. A signature that cannot be published now stays in
// journal.sigs, and SyncSignatures (muster team sync, evidence verify) shares it
// later: the line itself is shared either way.
func (inc *Incident) shareSig(e journal.Event) {
	ss, ok := inc.shared.(SharedSigs)
	if !ok || !inc.j.Signs() {
		return
	}
	if inc.sigs == nil {
		inc.sigs = &sigSharer{lines: make(chan journal.Event, 256), done: make(chan struct{})}
		go inc.sigs.run(inc.ctx, inc.j, ss, inc.Dir, inc.ID)
	}
	inc.sigs.lines <- e
}

// sigSharer signs and publishes the signatures of an incident's lines one after the
// other, on a goroutine of its own.
type sigSharer struct {
	lines chan journal.Event
	done  chan struct{}
}

func (sg *sigSharer) run(ctx context.Context, j *journal.Journal, ss SharedSigs, dir, id string) {
	defer close(sg.done)
	for e := range sg.lines {
		if err := j.SignLine(e.Seq, e.Hash); err != nil {
			continue // Close reports a line that could not be signed
		}
		line, err := journal.SigLineFor(dir, e.Seq, e.Hash)
		if err != nil || line == nil {
			continue
		}
		_ = ss.PublishSig(ctx, id, e.Seq, line)
	}
}

// finishSigs waits until the signature of every line queued so far is made and
// published (or given up): before the incident's directory moves or its journal closes.
func (inc *Incident) finishSigs() {
	if inc.sigs == nil {
		return
	}
	close(inc.sigs.lines)
	<-inc.sigs.done
	inc.sigs = nil
}

// SignaturesSynced says what SyncSignatures did.
type SignaturesSynced struct {
	Shared  int // this machine's signatures the store lacked, now published
	Fetched int // the store's signatures this machine lacked, now in journal.sigs
}

// SyncSignatures makes the store and this machine's mirror of team incident id hold
// the same line signatures: the ones made here that the store lacks are published
// (they could not be when their line was, the store being away), the others' that
// journal.sigs lacks are checked against their line and appended to it.
func (st *Store) SyncSignatures(id string) (SignaturesSynced, error) {
	var r SignaturesSynced
	ss, ok := st.Shared.(SharedSigs)
	if !ok {
		return r, nil
	}
	dir, err := st.Locate(id)
	if err != nil || !isTeam(dir) {
		return r, err
	}
	ctx := st.ctx()
	inStore, err := ss.SigSeqs(ctx, id)
	if err != nil {
		return r, err
	}
	local, err := journal.SigLines(dir)
	if err != nil {
		return r, err
	}
	events, err := journal.ReadAllContext(st.ctx(), dir)
	if err != nil {
		return r, err
	}
	hashOf := func(seq uint64) string {
		if seq == 0 || seq > uint64(len(events)) {
			return ""
		}
		return events[seq-1].Hash
	}
	var errs []error
	mine := make([]uint64, 0)
	for seq := range local {
		if !inStore[seq] && hashOf(seq) != "" {
			mine = append(mine, seq)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i] < mine[j] })
	for _, seq := range mine {
		for _, l := range local[seq] {
			if journal.CheckSigLine(l, seq, hashOf(seq)) != nil {
				continue
			}
			if err := ss.PublishSig(ctx, id, seq, l); err != nil {
				errs = append(errs, err)
			} else {
				r.Shared++
			}
			break
		}
	}
	var want []uint64
	for seq := range inStore {
		if len(local[seq]) == 0 && hashOf(seq) != "" {
			want = append(want, seq)
		}
	}
	if len(want) == 0 {
		return r, errors.Join(errs...)
	}
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	got, err := ss.Sigs(ctx, id, want)
	if err != nil {
		return r, errors.Join(append(errs, err)...)
	}
	var lines [][]byte
	for _, seq := range want { // in seq order: each key's entries keep their order
		if err := journal.CheckSigLine(got[seq], seq, hashOf(seq)); err != nil {
			errs = append(errs, fmt.Errorf("the signature of %s seq %d in %s: %w", id, seq, st.Shared, err))
			continue
		}
		lines = append(lines, got[seq])
	}
	j, err := journal.OpenMirror(dir, st.journalOptions("")...)
	if err != nil {
		return r, errors.Join(append(errs, err)...)
	}
	err = j.AppendSigLines(lines)
	if err == nil {
		r.Fetched = len(lines)
	}
	return r, errors.Join(append(errs, err, j.Close())...)
}
