package incident

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/muster-ir/muster/runbook"
)

// Facts is what the availability and SLA reports need of one incident, taken from its
// folded state once and kept in the report index: reports over thousands of
// incidents read the index and fold again only the journals that changed.
type Facts struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Drill       bool             `json:"drill,omitempty"`
	Severity    string           `json:"severity"`
	OpenedAt    time.Time        `json:"opened_at"`
	RespondedAt time.Time        `json:"responded_at,omitzero"`
	ClosedAt    time.Time        `json:"closed_at,omitzero"`
	RespondBy   runbook.Deadline `json:"respond_by"`
	ResolveBy   runbook.Deadline `json:"resolve_by"`
	Escalations int              `json:"escalations,omitempty"`
	// UpdatesDue and UpdatesLate count the customer and stakeholder updates the
	// runbook's communication rules called for, and those sent late.
	UpdatesDue  int           `json:"updates_due,omitempty"`
	UpdatesLate int           `json:"updates_late,omitempty"`
	Windows     []ImpactEntry `json:"windows,omitempty"`
	Undecodable int           `json:"undecodable,omitempty"`
	Err         string        `json:"error,omitempty"` // the incident could not be read
}

// FactsOf takes the report facts of an incident.
func FactsOf(v *View) Facts {
	s := v.State
	f := Facts{ID: s.ID, Title: s.Title, Drill: s.Drill, Severity: s.Severity, OpenedAt: s.OpenedAt, RespondedAt: s.RespondedAt,
		ClosedAt: s.ClosedAt, RespondBy: s.RespondBy, ResolveBy: s.ResolveBy, Escalations: len(s.Escalations),
		Windows: s.Windows(), Undecodable: len(s.Undecodable)}
	f.UpdatesDue, f.UpdatesLate = updatesOnTime(v)
	return f
}

// updatesOnTime replays the communication rules over the notices sent, while the
// incident was open: a rule with a phase wants its first notice FirstNoticeWithin after
// the phase completed (a notice already sent to the audience counts), and every rule
// with update_every wants the next notice that long after the one before. due counts
// the notices called for, late those sent after their moment or never.
func updatesOnTime(v *View) (due, late int) {
	s := v.State
	if v.Runbook == nil {
		return 0, 0
	}
	end := s.ClosedAt
	if end.IsZero() {
		end = s.LastAt
	}
	for _, rule := range v.Runbook.Communication {
		if len(rule.Severities) > 0 && !contains(rule.Severities, s.Severity) {
			continue
		}
		var sent []time.Time
		for _, n := range s.Notices {
			if strings.EqualFold(n.Audience, rule.Audience) {
				sent = append(sent, n.At)
			}
		}
		sort.Slice(sent, func(i, j int) bool { return sent[i].Before(sent[j]) })
		var moment, last time.Time // the notice called for, and the one that answered the call before
		switch {
		case rule.After != "":
			if !s.phaseComplete(rule.After) {
				continue
			}
			moment = s.phaseCompletedAt(rule.After).Add(FirstNoticeWithin)
		case rule.UpdateEvery > 0 && len(sent) > 0:
			last, moment = sent[0], sent[0].Add(rule.UpdateEvery)
		default:
			continue
		}
		for moment.Before(end) {
			due++
			i := 0
			if !last.IsZero() {
				i = sort.Search(len(sent), func(k int) bool { return sent[k].After(last) })
			}
			if i == len(sent) {
				late++ // never sent
				break
			}
			if sent[i].After(moment) {
				late++
			}
			if rule.UpdateEvery <= 0 {
				break
			}
			last = sent[i]
			moment = last.Add(rule.UpdateEvery)
		}
	}
	return due, late
}

func (s *State) phaseComplete(phase runbook.PhaseName) bool {
	for _, p := range s.Progress() {
		if p.Phase == phase {
			return p.Complete()
		}
	}
	return false
}

// indexVersion changes whenever Facts or the fold behind it changes meaning: an index
// of another version is rebuilt.
const indexVersion = 1

// ReportIndexFile is the report index in the data directory, rebuilt at will.
const ReportIndexFile = "report-index.cache"

type reportIndex struct {
	Version   int                   `json:"version"`
	Incidents map[string]indexEntry `json:"incidents"`
}

type indexEntry struct {
	Stamp Stamp `json:"stamp"`
	Facts Facts `json:"facts"`
}

// AllFacts returns the report facts of every incident, newest first, from the report
// index (<data dir>/cache/report-index.cache): an incident whose journal has not changed
// since it was indexed is not read again. The index is a cache: deleting it only makes
// the next report slower. folded counts the incidents read and folded this time.
func (st *Store) AllFacts() (facts []Facts, folded int, err error) {
	stamps, err := st.Stamps()
	if err != nil {
		return nil, 0, err
	}
	path := filepath.Join(st.DataDir, "cache", ReportIndexFile)
	idx := reportIndex{Version: indexVersion, Incidents: map[string]indexEntry{}}
	if old, ok := readIndex(path); ok {
		idx = old
	}
	changed := false
	ids := make([]string, 0, len(stamps))
	for id := range stamps {
		ids = append(ids, id)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	for _, id := range ids {
		stamp := stamps[id]
		if e, ok := idx.Incidents[id]; ok && !stamp.Zero() && e.Stamp.Size == stamp.Size && e.Stamp.ModTime.Equal(stamp.ModTime) && e.Facts.Err == "" {
			facts = append(facts, e.Facts)
			continue
		}
		folded++
		v, err := st.Load(id)
		if err != nil {
			facts = append(facts, Facts{ID: id, Err: err.Error()})
			continue
		}
		f := FactsOf(v)
		facts = append(facts, f)
		idx.Incidents[id] = indexEntry{Stamp: stamp, Facts: f}
		changed = true
	}
	for id := range idx.Incidents {
		if _, ok := stamps[id]; !ok {
			delete(idx.Incidents, id)
			changed = true
		}
	}
	if changed {
		if err := writeIndex(path, idx); err != nil {
			return facts, folded, nil // a cache that cannot be written only costs time
		}
	}
	return facts, folded, nil
}

func writeIndex(path string, idx reportIndex) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := encodeIndex(idx)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return errors.Join(err)
	}
	return nil
}

// The index is laid out like the state cache (statecodec.go): a magic line, the
// fingerprint of the index's Go types (an index written with other types is not read:
// it is rebuilt), the index, and a CRC-32C. Reading 10,000 incidents' facts this way
// takes a read of the file and the structs, not an allocation per string as JSON did.
const indexMagic = "muster-report-index 1\n"

func encodeIndex(idx reportIndex) ([]byte, error) {
	b := append([]byte(indexMagic), indexFingerprint()...)
	b, err := encodeValue(b, &idx)
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli())), nil
}

// readIndex reads the index at path; ok is false when there is none or it cannot be
// used (damaged, an older layout): then every incident is read again.
func readIndex(path string) (reportIndex, bool) {
	b, err := os.ReadFile(path)
	head := indexMagic + indexFingerprint()
	if err != nil || len(b) < len(head)+4 || string(b[:len(head)]) != head ||
		crc32.Checksum(b[:len(b)-4], castagnoli()) != binary.BigEndian.Uint32(b[len(b)-4:]) {
		return reportIndex{}, false
	}
	body := b[len(head) : len(b)-4]
	r := &cacheReader{s: unsafe.String(unsafe.SliceData(body), len(body))}
	var idx reportIndex
	if decodeValue(r, &idx) != nil || r.off != len(r.s) || idx.Version != indexVersion || idx.Incidents == nil {
		return reportIndex{}, false
	}
	return idx, true
}

// indexFingerprint is the SHA-256 of the index's Go types, in hex and a line.
var indexFingerprint = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(typeShape(reflect.TypeFor[reportIndex]())))
	return hex.EncodeToString(sum[:]) + "\n"
})
