package incident

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// The report index's body, written field by field: a warm report reads 10,000
// incidents' facts from it, and the state cache's reflective codec spent 20 ms of
// CPU on that where this takes a few. The layout follows that codec's (varints,
// length-prefixed strings that the reader takes as slices of the file, nil told from
// empty, times as seconds, nanoseconds and zone), field by field in declaration order.
// TestReportCodecCarriesEveryField fills every field of the index's types and reads
// them back, so a field added to Facts without a line here fails it; the type
// fingerprint in the file's header makes an index written with other types be rebuilt.

var errIndexCodec = errors.New("report index: damaged")

func appendIndex(w []byte, idx *reportIndex) []byte {
	w = binary.AppendVarint(w, int64(idx.Version))
	w = binary.AppendUvarint(w, uint64(len(idx.Facts)))
	windows := 0
	for i := range idx.Facts {
		windows += len(idx.Facts[i].Windows)
	}
	w = binary.AppendUvarint(w, uint64(windows))
	for i := range idx.Facts {
		e := &idx.Entries[i]
		w = binary.AppendVarint(w, e.Stamp.Size)
		w = binary.AppendVarint(w, e.Stamp.MTime)
		w = binary.AppendVarint(w, e.Stamp.CTime)
		w = binary.AppendUvarint(w, e.Stamp.Ino)
		w = binary.AppendVarint(w, e.TakenAt)
		w = binary.AppendUvarint(w, e.LastSeq)
		w = appendString(w, e.LastHash)
		w = appendFacts(w, &idx.Facts[i])
	}
	return w
}

func appendFacts(w []byte, f *Facts) []byte {
	w = appendString(w, f.ID)
	w = appendString(w, f.Title)
	w = appendBool(w, f.Drill)
	w = appendString(w, f.Severity)
	w = appendTime(w, f.OpenedAt)
	w = appendTime(w, f.RespondedAt)
	w = appendTime(w, f.ClosedAt)
	w = appendDeadline(w, f.RespondBy)
	w = appendDeadline(w, f.ResolveBy)
	w = binary.AppendVarint(w, int64(f.Escalations))
	w = binary.AppendVarint(w, int64(f.UpdatesDue))
	w = binary.AppendVarint(w, int64(f.UpdatesLate))
	if f.Windows == nil {
		w = append(w, 0)
	} else {
		w = binary.AppendUvarint(w, uint64(len(f.Windows))+1)
		for k := range f.Windows {
			w = appendWindow(w, &f.Windows[k])
		}
	}
	w = binary.AppendVarint(w, int64(f.Undecodable))
	return appendString(w, f.Err)
}

func appendDeadline(w []byte, d runbook.Deadline) []byte {
	w = binary.AppendVarint(w, int64(d.Target.Kind))
	w = binary.AppendVarint(w, int64(d.Target.Duration))
	w = binary.AppendVarint(w, int64(d.Target.Days))
	w = appendString(w, d.Target.Note)
	w = appendString(w, string(d.Clock))
	return appendTime(w, d.Due)
}

func appendWindow(w []byte, x *ImpactEntry) []byte {
	w = binary.AppendUvarint(w, x.Seq)
	w = appendTime(w, x.At)
	w = appendString(w, x.Actor)
	w = appendString(w, x.Window)
	w = appendString(w, x.Service)
	w = appendString(w, x.Level)
	w = appendTime(w, x.Start)
	w = appendTime(w, x.End)
	w = appendString(w, x.Note)
	w = appendBool(w, x.Corrects)
	w = appendBool(w, x.Withdrawn)
	w = appendTime(w, x.RecordedAt)
	return binary.AppendVarint(w, int64(x.Corrections))
}

func appendBool(w []byte, b bool) []byte {
	if b {
		return append(w, 1)
	}
	return append(w, 0)
}

// appendTime writes the instant and its zone as the state cache does: UTC, Local
// when it is in Local, else a fixed offset.
func appendTime(w []byte, t time.Time) []byte {
	w = binary.AppendVarint(w, t.Unix())
	w = binary.AppendUvarint(w, uint64(t.Nanosecond()))
	switch _, off := t.Zone(); {
	case t.Location() == time.UTC:
		return append(w, 0)
	case t.Location() == time.Local:
		return binary.AppendVarint(append(w, 1), int64(off))
	default:
		return binary.AppendVarint(append(w, 2), int64(off))
	}
}

// indexReader reads the body; its strings are slices of the file's bytes.
type indexReader struct {
	cacheReader
	zones map[int64]*time.Location // fixed offsets met so far: one Location each
}

func decodeIndex(r *indexReader) (reportIndex, error) {
	idx := reportIndex{Version: int(r.varint())}
	n, windows := r.uvarint(), r.uvarint()
	// Every incident takes more than 16 bytes and every window more than 32: a count
	// the bytes cannot hold is refused before anything is allocated.
	if left := uint64(len(r.s) - r.off); r.err != nil || n > left/16 || windows > left/32 {
		return reportIndex{}, errIndexCodec
	}
	idx.Entries, idx.Facts = make([]indexEntry, n), make([]Facts, n)
	pool := make([]ImpactEntry, windows) // every incident's windows, one allocation
	for i := range idx.Facts {
		e := &idx.Entries[i]
		e.Stamp.Size, e.Stamp.MTime, e.Stamp.CTime, e.Stamp.Ino = r.varint(), r.varint(), r.varint(), r.uvarint()
		e.TakenAt, e.LastSeq, e.LastHash = r.varint(), r.uvarint(), r.string()
		if !r.facts(&idx.Facts[i], &pool) {
			return reportIndex{}, errIndexCodec
		}
	}
	if r.err != nil || len(pool) != 0 {
		return reportIndex{}, errIndexCodec
	}
	return idx, nil
}

// facts reads one incident's facts, its windows taken from the front of pool.
func (r *indexReader) facts(f *Facts, pool *[]ImpactEntry) bool {
	f.ID, f.Title, f.Drill, f.Severity = r.string(), r.string(), r.bool(), r.string()
	f.OpenedAt, f.RespondedAt, f.ClosedAt = r.time(), r.time(), r.time()
	f.RespondBy, f.ResolveBy = r.deadline(), r.deadline()
	f.Escalations, f.UpdatesDue, f.UpdatesLate = int(r.varint()), int(r.varint()), int(r.varint())
	if n := r.uvarint(); n > 0 {
		n--
		if n > uint64(len(*pool)) {
			r.fail(errIndexCodec)
			return false
		}
		f.Windows, *pool = (*pool)[:n:n], (*pool)[n:]
		for k := range f.Windows {
			r.window(&f.Windows[k])
		}
	}
	f.Undecodable, f.Err = int(r.varint()), r.string()
	return r.err == nil
}

func (r *indexReader) deadline() runbook.Deadline {
	var d runbook.Deadline
	d.Target.Kind, d.Target.Duration, d.Target.Days = runbook.TargetKind(r.varint()), time.Duration(r.varint()), int(r.varint())
	d.Target.Note, d.Clock, d.Due = r.string(), runbook.Clock(r.string()), r.time()
	return d
}

func (r *indexReader) window(x *ImpactEntry) {
	x.Seq, x.At, x.Actor = r.uvarint(), r.time(), r.string()
	x.Window, x.Service, x.Level = r.string(), r.string(), r.string()
	x.Start, x.End, x.Note = r.time(), r.time(), r.string()
	x.Corrects, x.Withdrawn = r.bool(), r.bool()
	x.RecordedAt, x.Corrections = r.time(), int(r.varint())
}

func (r *indexReader) bool() bool { return r.byte() == 1 }

func (r *indexReader) time() time.Time {
	sec, nsec := r.varint(), r.uvarint()
	if nsec >= 1e9 {
		r.fail(errIndexCodec)
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	switch r.byte() {
	case 0:
		return t.UTC()
	case 1:
		r.varint()
		return t.In(time.Local)
	}
	off := r.varint()
	if off < -18*3600 || off > 18*3600 {
		r.fail(errIndexCodec)
		return time.Time{}
	}
	loc := r.zones[off]
	if loc == nil {
		if r.zones == nil {
			r.zones = map[int64]*time.Location{}
		}
		loc = time.FixedZone("", int(off))
		r.zones[off] = loc
	}
	return t.In(loc)
}
