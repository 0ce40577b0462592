package incident

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/muster-ir/muster/runbook/journal"
)

// Payload is the typed data of one journal event: one Go type per event type, each
// naming its type with EventType. Decode is the one place a journal.Event becomes a
// Payload; the fold, Describe, the drill engine, the replay recorder and the reports
// all switch on the Go type it returns, so none of them decodes JSON itself.
//
// Adding an event type is a one-place change in this package:
//  1. declare its type constant (events.go, or drill_events.go for a drill's records),
//  2. declare its payload type with an EventType method returning that constant, and a
//     check method when some field must be present for the event to mean anything,
//  3. add one line for it to decoders below.
//
// Decode then reads it, `evidence verify` and `incident show` report it when it does
// not decode, and TestEveryEventTypeDecodes and FuzzDecode cover it. Then give it a
// case in the consumers that care (State.Apply, Describe).
type Payload interface {
	EventType() string
}

// decoders maps every event type muster writes to the decoder of its payload.
var decoders = registry(
	decoderOf[Started](),
	decoderOf[Acknowledged](),
	decoderOf[StepMarkedDone](),
	decoderOf[StepMarkedSkipped](),
	decoderOf[StepUndone](),
	decoderOf[Note](),
	decoderOf[Attached](),
	decoderOf[Escalation](),
	decoderOf[Notice](),
	decoderOf[SeverityChange](),
	decoderOf[RoleAssignment](),
	decoderOf[FollowUp](),
	decoderOf[FollowUpDone](),
	decoderOf[CheckRun](),
	decoderOf[Closed](),
	decoderOf[Recovered](),
	decoderOf[Impact](),

	decoderOf[DrillStarted](),
	decoderOf[InjectDelivered](),
	decoderOf[DecisionTaken](),
	decoderOf[ExpectationVerdict](),
	decoderOf[DrillPaused](),
	decoderOf[DrillResumed](),
	decoderOf[DrillSpeed](),
	decoderOf[DrillSkip](),
	decoderOf[AdHocInject](),
	decoderOf[DrillStop](),
	decoderOf[DrillEnded](),
	decoderOf[DrillFinalised](),
	decoderOf[DrillObservation](),
	decoderOf[DrillRating](),
	decoderOf[DrillHotWash](),
	decoderOf[DrillDiscussion](),
	decoderOf[DrillDelivery](),
)

// checker is a payload with fields that must be present.
type checker interface{ check() error }

type decoder struct {
	typ    string
	decode func(json.RawMessage) (Payload, error)
}

// decoderOf decodes the JSON object of an event into a T and checks it. A T of plain
// string fields is read by stringFields when it can (payload_strings.go).
func decoderOf[T Payload]() decoder {
	var zero T
	strs := sync.OnceValues(stringFieldsOf[T]) // on first use, not at start-up
	return decoder{typ: zero.EventType(), decode: func(data json.RawMessage) (Payload, error) {
		p, ok := readStrings[T](data, strs)
		if !ok {
			var err error
			if p, err = unmarshalPayload[T](data); err != nil {
				return nil, err
			}
		}
		out := Payload(p) // one allocation: checked through it, not through a second any(p)
		if c, ok := out.(checker); ok {
			if err := c.check(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}}
}

// readStrings is stringFields into a T, kept apart from json.Unmarshal's T so that
// it stays on the stack.
func readStrings[T any](data []byte, fields func() ([]stringField, bool)) (p T, ok bool) {
	fs, ok := fields()
	return p, ok && stringFields(data, fs, unsafe.Pointer(&p))
}

func unmarshalPayload[T any](data []byte) (T, error) {
	var p T
	if d := bytes.TrimSpace(data); len(d) == 0 || d[0] != '{' {
		return p, errNotObject
	}
	err := json.Unmarshal(data, &p)
	return p, err
}

var errNotObject = errors.New("the payload is not a JSON object")

func registry(ds ...decoder) map[string]decoder {
	m := make(map[string]decoder, len(ds))
	for _, d := range ds {
		if _, dup := m[d.typ]; dup {
			panic("incident: two payload types for event type " + d.typ) // a programming error, caught by every test
		}
		m[d.typ] = d
	}
	return m
}

// EventTypes lists every event type Decode knows, in no particular order.
func EventTypes() []string {
	out := make([]string, 0, len(decoders))
	for t := range decoders {
		out = append(out, t)
	}
	return out
}

// Unknown is the payload of an event of a type this muster does not know, written by
// a newer release: kept in the journal and the timeline, ignored by the fold.
type Unknown struct {
	Type string
	Data json.RawMessage
}

func (u Unknown) EventType() string { return u.Type }

// PayloadError is an event whose payload does not decode as its type says: the line
// verifies (its hash is right), but what it records cannot be read.
type PayloadError struct {
	Line int    `json:"line"` // in journal.jsonl
	Seq  uint64 `json:"seq"`
	Type string `json:"type"`
	Err  string `json:"error"`
}

func (e *PayloadError) Error() string {
	return fmt.Sprintf("line %d (seq %d): %s event: payload does not decode: %s", e.Line, e.Seq, e.Type, e.Err)
}

// Problem is the error as a problem of `evidence verify`.
func (e *PayloadError) Problem() journal.Problem {
	return journal.Problem{Line: e.Line, Seq: e.Seq, What: fmt.Sprintf("%s event: payload does not decode: %s", e.Type, e.Err)}
}

// Decode returns the typed payload of e: one of the types registered above, Unknown
// for a type this muster does not know, or a *PayloadError when the payload is not
// what its type says (not JSON of the right shape, or a required field missing).
func Decode(e journal.Event) (Payload, error) {
	p, _, err := decodeChecked(e)
	return p, err
}

// decodeChecked is Decode that also says whether e.Data is valid JSON (as json.Valid
// says), for a reader that leaves that check to the decode (journal.Scan): a payload
// decoded was checked in the same pass (json.Unmarshal checks the whole of its input
// before it decodes, stringFields takes only valid JSON); data no decoder read (an
// Unknown type's) or a decoder refused is checked apart.
func decodeChecked(e journal.Event) (p Payload, validJSON bool, err error) {
	d, ok := decoders[e.Type]
	if !ok {
		return Unknown{Type: e.Type, Data: e.Data}, json.Valid(e.Data), nil
	}
	p, err = d.decode(e.Data)
	if err == nil {
		return p, true, nil
	}
	// A payload refused is rare: its data is checked apart (an error of encoding/json
	// could also come from a field's own UnmarshalJSON).
	validJSON = json.Valid(e.Data)
	line := e.Line
	if line == 0 {
		line = int(e.Seq) // seq equals the line number in a journal that verifies
	}
	return nil, validJSON, &PayloadError{Line: line, Seq: e.Seq, Type: e.Type, Err: err.Error()}
}

// PayloadProblems decodes every event and returns a problem naming the line of each
// one that does not decode.
func PayloadProblems(events []journal.Event) []journal.Problem {
	var out []journal.Problem
	for _, e := range events {
		if _, err := Decode(e); err != nil {
			var pe *PayloadError
			if errors.As(err, &pe) {
				out = append(out, pe.Problem())
			}
		}
	}
	return out
}

// FrozenProblems checks the files frozen into the incident directory (runbook.toml,
// policy.toml, a drill's scenario.toml) against the SHA-256 the started and
// drill.started events recorded: an edited frozen file is a problem naming it and the
// line that froze it. The files are read without following symlinks.
func FrozenProblems(dir string, events []journal.Event) []journal.Problem {
	var out []journal.Problem
	check := func(e journal.Event, name, digest string) {
		p := journal.Problem{Line: e.Line, Seq: e.Seq, File: name}
		if name == "" || digest == "" {
			return
		}
		if filepath.Base(name) != name || strings.HasPrefix(name, ".") {
			p.What = "the frozen file is named outside the incident directory"
			out = append(out, p)
			return
		}
		b, err := journal.ReadFile(filepath.Join(dir, name), maxFrozen)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.What = "the frozen copy is missing"
		case err != nil:
			p.What = "the frozen copy cannot be read: " + err.Error()
		default:
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != digest {
				p.What = fmt.Sprintf("the frozen copy changed after line %d froze it: its sha256 is now %s, the line records %s", e.Line, got, digest)
			} else {
				return
			}
		}
		out = append(out, p)
	}
	for _, e := range events {
		if e.Type != EvStarted && e.Type != EvDrillStarted {
			continue
		}
		switch p, _ := Decode(e); p := p.(type) {
		case Started:
			check(e, p.Runbook.File, p.Runbook.Digest)
			check(e, p.Policy.File, p.Policy.Digest)
		case DrillStarted:
			check(e, p.File, p.Digest)
		}
	}
	return out
}

// Verify is journal.Verify plus the payload of every event: a journal whose chain is
// intact but holds an event muster cannot read does not verify, and the report names
// its line. Payloads are checked when the journal can be read at all (a broken chain
// already fails with its own problems).
func Verify(dir string) (journal.Report, error) {
	return VerifyWith(context.Background(), dir, journal.VerifyOptions{})
}

// VerifyWith is Verify with the journal's signature and published-head checks and a
// context that ends it early.
func VerifyWith(ctx context.Context, dir string, opts journal.VerifyOptions) (journal.Report, error) {
	rep, err := journal.VerifyContext(ctx, dir, opts)
	if err != nil {
		return rep, err
	}
	events, err := journal.ReadAllContext(ctx, dir)
	if err := ctx.Err(); err != nil {
		return rep, err // the payload checks did not run: no report to rely on
	}
	if err != nil {
		return rep, nil // Verify reported why
	}
	ps := append(PayloadProblems(events), FrozenProblems(dir, events)...)
	if len(ps) == 0 {
		return rep, nil
	}
	// Problems stay in line order; problems not about a line (Line 0) stay last.
	rep.Problems = append(rep.Problems, ps...)
	sort.SliceStable(rep.Problems, func(i, j int) bool {
		a, b := rep.Problems[i].Line, rep.Problems[j].Line
		return a != 0 && (b == 0 || a < b)
	})
	return rep, nil
}
