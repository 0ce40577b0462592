package team

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/runbook/journal"
)

// RemoteReport is what VerifyRemote found: the store's chain checked on its own, the
// local mirror compared with it line by line, and every event object that was ever
// written more than once.
type RemoteReport struct {
	Store      string            `json:"store"`
	StoreLines int               `json:"store_lines"`
	LocalLines int               `json:"local_lines"`
	Problems   []journal.Problem `json:"problems"`
	// Behind counts the store's lines the mirror does not have yet: not a problem
	// (team sync brings them), said so that no one mistakes it for the whole chain.
	Behind int `json:"behind"`
	// Attachments counts the distinct blobs the store's lines name, each checked in
	// the store (verify_blobs.go).
	Attachments int `json:"attachments"`
	// Signatures counts the signature objects in the store, each compared with its
	// line and with this machine's journal.sigs (sigs.go).
	Signatures int `json:"signatures"`
}

// OK reports whether nothing is wrong.
func (r RemoteReport) OK() bool { return len(r.Problems) == 0 }

// VerifyRemote checks incident id in the store and the local mirror at dir against
// it: the store's objects must form one valid chain; each local line must be byte for
// byte the store's line of that seq (a local rewrite, or a store object rewritten in a
// bucket without Object Lock, differs at that seq); the mirror may be behind, never
// ahead; and no event object may have more than one version (each seq is written once,
// with If-None-Match: a second version is a rewrite, even one that chains).
func (s *Store) VerifyRemote(ctx context.Context, id, dir string) (RemoteReport, error) {
	r := RemoteReport{Store: s.loc.String()}
	lines, err := s.Lines(ctx, id, 0, journal.Genesis)
	r.StoreLines = len(lines)
	if ce, ok := err.(*ChainError); ok {
		r.Problems = append(r.Problems, journal.Problem{Seq: ce.Seq, File: ce.Key, What: "in the store: " + ce.Why})
	} else if err != nil {
		return r, err
	}
	local, err := os.ReadFile(filepath.Join(dir, journal.FileName))
	if err != nil {
		return r, fmt.Errorf("read the local copy: %w", err)
	}
	local = local[:bytes.LastIndexByte(local, '\n')+1]
	n := 0
	for off := 0; off < len(local); n++ {
		i := bytes.IndexByte(local[off:], '\n')
		line := local[off : off+i+1]
		off += i + 1
		if n >= len(lines) {
			if len(r.Problems) == 0 || r.Problems[len(r.Problems)-1].What != "the local copy has lines the store does not" {
				r.Problems = append(r.Problems, journal.Problem{Line: n + 1, Seq: uint64(n + 1), What: "the local copy has lines the store does not"})
			}
			continue
		}
		if !bytes.Equal(line, lines[n].Bytes) {
			r.Problems = append(r.Problems, journal.Problem{Line: n + 1, Seq: uint64(n + 1), File: lines[n].Key,
				What: "the local line differs from the store's (one of them was rewritten)"})
			break // everything after chains onto a different line
		}
	}
	r.LocalLines = n
	if n < len(lines) {
		r.Behind = len(lines) - n
	}
	n, blobProblems, err := s.verifyBlobs(ctx, lines, dir)
	if err != nil {
		return r, err
	}
	r.Attachments, r.Problems = n, append(r.Problems, blobProblems...)
	n, sigProblems, err := s.verifySigs(ctx, id, lines, dir)
	if err != nil {
		return r, err
	}
	r.Signatures, r.Problems = n, append(r.Problems, sigProblems...)
	rewritten, err := s.rewrittenEvents(ctx, id)
	if err != nil {
		return r, err
	}
	for _, key := range rewritten {
		seq, _ := s.keySeq(id, key)
		r.Problems = append(r.Problems, journal.Problem{Seq: seq, File: key,
			What: "written more than once in the store (several versions): the evidence was rewritten"})
	}
	sort.SliceStable(r.Problems, func(i, j int) bool { return r.Problems[i].Seq < r.Problems[j].Seq })
	return r, nil
}

// rewrittenEvents lists the event keys of id with more than one version. A bucket
// without versioning keeps one version: there the chain and the local comparison are
// the checks.
func (s *Store) rewrittenEvents(ctx context.Context, id string) ([]string, error) {
	count := map[string]int{}
	p := s3.NewListObjectVersionsPaginator(s.client, &s3.ListObjectVersionsInput{
		Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(s.eventsPrefix(id)),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list versions of %s in %s: %w", id, s.loc, Explain(err, "s3:ListBucketVersions"))
		}
		for _, v := range page.Versions {
			count[aws.ToString(v.Key)]++
		}
		for _, d := range page.DeleteMarkers {
			count[aws.ToString(d.Key)]++
		}
	}
	var out []string
	for k, n := range count {
		if n > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}
