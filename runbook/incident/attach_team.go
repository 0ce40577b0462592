package incident

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/muster-ir/muster/runbook/journal"
)

// SharedBlobs is a team store that keeps attachments too (package team's Store does):
// each blob once, under its SHA-256, checked by the store as it arrives.
type SharedBlobs interface {
	// PutBlob uploads the local file at path, whose content has the hex SHA-256 sum,
	// unless the store already holds that blob; the store holds it whole or not at all.
	PutBlob(ctx context.Context, sum, path string) error
	// FetchBlob streams the blob into w, checking that it is size bytes with that
	// SHA-256.
	FetchBlob(ctx context.Context, sum string, size int64, w io.Writer) error
}

// attachShared takes a file into a team incident: copied into the mirror's attachment
// store as locally, then the event goes the way of every team event (publish, or the
// outbox when the store cannot be reached), and publish uploads the blob before the
// line that names it (shareBlob). A queued attachment returns its record with the
// *QueuedError: the blob waits on this machine with its event.
func (inc *Incident) attachShared(path string, meta map[string]any) (journal.Attachment, error) {
	if _, ok := inc.shared.(SharedBlobs); !ok {
		return journal.Attachment{}, refuse("incident %s is a team incident and its store %s does not keep attachments", inc.ID, inc.shared)
	}
	take := journal.TakeInto // opened to queue only: the blob store needs no lock
	if inc.j != nil {
		take = func(_, path string, meta map[string]any) (journal.Attachment, error) { return inc.j.Take(path, meta) }
	}
	a, err := take(inc.Dir, path, meta)
	if err != nil {
		return journal.Attachment{}, err
	}
	if _, err := inc.run(as(EvAttached, Attached{a})); err != nil {
		var q *QueuedError
		if errors.As(err, &q) {
			return a, err
		}
		return journal.Attachment{}, err
	}
	return a, nil
}

// shareBlob uploads the blob an attached event names, before the event is published
// (from a command or from the outbox): no line in the store ever names a blob the
// store lacks. Other events pass.
func (inc *Incident) shareBlob(typ string, payload any) error {
	if typ != EvAttached {
		return nil
	}
	var a journal.Attachment
	switch p := payload.(type) {
	case Attached:
		a = p.Attachment
	case *Attached:
		a = p.Attachment
	case journal.Attachment:
		a = p
	default:
		return fmt.Errorf("attached event with a %T payload", payload)
	}
	if a.Kind != journal.KindFile {
		return nil // a symlink is recorded, not copied
	}
	blobs, ok := inc.shared.(SharedBlobs)
	if !ok {
		return refuse("the team store %s does not keep attachments", inc.shared)
	}
	path, err := journal.BlobPath(inc.Dir, a.SHA256)
	if err != nil {
		return refuse("%v", err)
	}
	if !journal.HasBlob(inc.Dir, a.SHA256) {
		return refuse("the attachment %s (sha256 %s) is not in %s on this machine: it cannot be shared", a.Path, a.SHA256, inc.Dir)
	}
	if err := blobs.PutBlob(inc.ctx, a.SHA256, path); err != nil {
		if inc.shared.Offline(err) {
			return err
		}
		return refuse("attachment %s (sha256 %s) not shared: %v", a.Path, a.SHA256, err)
	}
	return nil
}

// FetchAttachments brings to this machine the blobs of a team incident's attachments
// that it lacks (a colleague attached them), each checked against its SHA-256 before
// it is kept. It returns how many it fetched; the blobs it could not fetch are named
// in the error, the others are kept. A local incident needs nothing.
func (st *Store) FetchAttachments(id string) (int, error) {
	var syncErr error
	if st.Shared != nil {
		syncErr = st.SyncIncident(id) // offline: the blobs of the lines this machine has
	}
	dir, err := st.Locate(id)
	if err != nil && syncErr != nil {
		return 0, syncErr
	}
	if err != nil || st.Shared == nil || !isTeam(dir) {
		return 0, err
	}
	blobs, ok := st.Shared.(SharedBlobs)
	if !ok {
		return 0, nil
	}
	events, err := journal.ReadAllContext(st.ctx(), dir)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	seen := map[string]bool{}
	for _, e := range events {
		if e.Type != EvAttached {
			continue
		}
		a, err := e.Attachment()
		if err != nil || a.Kind != journal.KindFile || seen[a.SHA256] || journal.HasBlob(dir, a.SHA256) {
			continue
		}
		seen[a.SHA256] = true
		err = journal.PutBlob(dir, a.SHA256, a.Size, func(w io.Writer) error {
			return blobs.FetchBlob(st.ctx(), a.SHA256, a.Size, w)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("attachment of seq %d (sha256 %s): %w", e.Seq, a.SHA256, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// AttachmentFile returns the local path of the blob of an incident's attachment, named
// by the seq of its attached event or by its SHA-256, fetching it from the team store
// first when this machine does not have it yet (checked against its SHA-256).
func (st *Store) AttachmentFile(id, which string) (string, journal.Attachment, error) {
	var syncErr error
	if st.Shared != nil {
		syncErr = st.SyncIncident(id) // a colleague's incident, or lines this machine lacks
	}
	dir, err := st.Locate(id)
	if err != nil {
		if syncErr != nil {
			return "", journal.Attachment{}, syncErr
		}
		return "", journal.Attachment{}, err
	}
	events, err := journal.ReadAllContext(st.ctx(), dir)
	if err != nil {
		return "", journal.Attachment{}, err
	}
	var a journal.Attachment
	found := false
	for _, e := range events {
		if e.Type != EvAttached {
			continue
		}
		got, err := e.Attachment()
		if err != nil {
			continue
		}
		if fmt.Sprint(e.Seq) == which || (len(which) >= 8 && len(which) <= len(got.SHA256) && got.SHA256[:len(which)] == which) {
			if found && a.SHA256 != got.SHA256 {
				return "", journal.Attachment{}, badInput("%q names more than one attachment of %s: give more of the SHA-256", which, id)
			}
			a, found = got, true
		}
	}
	switch {
	case !found:
		return "", journal.Attachment{}, badInput("incident %s has no attachment %q (give the seq of its attached event, or its SHA-256 or at least 8 hex digits of it)", id, which)
	case a.Kind != journal.KindFile:
		return "", a, refuse("attachment %q of %s is a symlink to %s: only its target's name was recorded", which, id, a.Link)
	}
	path, err := journal.BlobPath(dir, a.SHA256)
	if err != nil {
		return "", a, err
	}
	if journal.HasBlob(dir, a.SHA256) {
		return path, a, nil
	}
	blobs, ok := st.Shared.(SharedBlobs)
	if st.Shared == nil || !ok || !isTeam(dir) {
		return "", a, fmt.Errorf("the blob of attachment %q (sha256 %s) is missing from %s", which, a.SHA256, dir)
	}
	err = journal.PutBlob(dir, a.SHA256, a.Size, func(w io.Writer) error {
		return blobs.FetchBlob(st.ctx(), a.SHA256, a.Size, w)
	})
	if err != nil {
		return "", a, fmt.Errorf("fetch attachment %s from %s: %w", a.SHA256, st.Shared, err)
	}
	return path, a, nil
}
