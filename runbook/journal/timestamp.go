package journal

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/journal/rfc3161"
)

// Timestamps of the journal's head by a time-stamping authority (RFC 3161) are kept
// beside the journal, one file per timestamped line, holding the TSA's reply as it
// came (DER, what `openssl ts -reply` writes):
//
//	journal.ts-<seq>.tsr
//
// The message imprint is the line's hash itself (a SHA-256), so `openssl ts -verify
// -digest <the line's hash> -in journal.ts-<seq>.tsr -CAfile <the TSA's CA>` checks a
// timestamp without muster.
const (
	tsPre = "journal.ts-"
	tsSuf = ".tsr"
)

// TimestampName is the file a timestamp of line seq is kept in.
func TimestampName(seq uint64) string { return tsPre + strconv.FormatUint(seq, 10) + tsSuf }

// maxTimestamp bounds a stored reply.
const maxTimestamp = 1 << 20

// ErrTimestamped is returned by SaveTimestamp when the line already has one.
var ErrTimestamped = errors.New("already timestamped")

// SaveTimestamp stores a TSA's reply for line seq in dir, atomically (a temporary
// file renamed into place), never over an existing one.
func SaveTimestamp(dir string, seq uint64, reply []byte) (string, error) {
	name := TimestampName(seq)
	path := filepath.Join(dir, name)
	if _, err := os.Lstat(path); err == nil {
		return name, fmt.Errorf("%s: %w", name, ErrTimestamped)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	os.Remove(tmp)
	f, err := openNoFollow(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, false)
	if err != nil {
		return name, fmt.Errorf("save timestamp: %w", err)
	}
	_, err = f.Write(reply)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		// link, not rename: it fails rather than replace a file that appeared meanwhile.
		err = os.Link(tmp, path)
	}
	os.Remove(tmp)
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return name, fmt.Errorf("save timestamp %s: %w", name, err)
	}
	return name, nil
}

// Timestamp is a stored timestamp as Verify found it.
type Timestamp struct {
	File string    `json:"file"`
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"` // the message imprint: the line's hash
	Time time.Time `json:"time"`
	// Accuracy is the TSA's stated accuracy of Time (zero: not stated).
	Accuracy time.Duration `json:"accuracy,omitempty"`
	TSA      string        `json:"tsa"`
	// Trusted says whether the TSA's certificate was checked against the configured
	// CA: "yes", or "unknown" when no CA was given (the token's own signature was
	// still checked).
	Trusted string `json:"trusted"`
	OK      bool   `json:"ok"`
}

// readTimestamps reads every stored timestamp in dir, checks its token (and its chain
// to roots when given), and returns them with the problems of those that fail.
func readTimestamps(dir string, roots *x509.CertPool) ([]Timestamp, []Problem) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil // verify reports an unreadable directory elsewhere
	}
	var (
		out      []Timestamp
		problems []Problem
	)
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, tsPre) || !strings.HasSuffix(n, tsSuf) {
			continue
		}
		ts := Timestamp{File: n, Trusted: "unknown"}
		seq, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(n, tsPre), tsSuf), 10, 64)
		if err != nil || seq == 0 || TimestampName(seq) != n {
			problems = append(problems, Problem{File: n, What: "a timestamp file whose name does not say its seq (journal.ts-<seq>.tsr)"})
			continue
		}
		ts.Seq = seq
		b, err := readFileNoFollow(filepath.Join(dir, n), maxTimestamp)
		if err != nil {
			problems = append(problems, Problem{File: n, What: "timestamp is unreadable: " + err.Error()})
			continue
		}
		tok, err := rfc3161.ParseReply(b)
		if err != nil {
			problems = append(problems, Problem{File: n, What: "timestamp does not hold: " + err.Error()})
			continue
		}
		ts.Hash, ts.Time, ts.Accuracy, ts.TSA = hex.EncodeToString(tok.Digest), tok.Time.UTC(), tok.Accuracy, tok.TSA()
		if roots != nil {
			if err := tok.Verify(roots); err != nil {
				problems = append(problems, Problem{File: n, What: "timestamp: " + err.Error()})
				out = append(out, ts)
				continue
			}
			ts.Trusted = "yes"
		}
		ts.OK = true
		out = append(out, ts)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Seq < out[b].Seq })
	return out, problems
}

// LoadCAFile reads PEM certificates to check timestamps against.
func LoadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("timestamp CA file: %w", err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("timestamp CA file %s holds no PEM certificate", path)
	}
	return p, nil
}
