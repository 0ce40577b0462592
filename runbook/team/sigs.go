package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"github.com/muster-ir/muster/internal/awserr"
	"github.com/muster-ir/muster/runbook/journal"
)

// A signed team line's signature goes to incidents/<ID>/sigs/<seq, 12 digits>: byte
// for byte the journal.sigs line its writer's machine made (key fingerprint, claims,
// SSHSIG), written once with If-None-Match: * and the Object Lock retention of the
// lines. Every mirror carries them in its journal.sigs, so evidence verify
// --allowed-signers checks every responder's lines on every machine.

// SigKey is the object key of the signature of line seq of incident id.
func (s *Store) SigKey(id string, seq uint64) string {
	return s.loc.key("incidents/" + id + "/sigs/" + fmt.Sprintf("%0*d", seqDigits, seq))
}

func (s *Store) sigsPrefix(id string) string { return s.loc.key("incidents/" + id + "/sigs/") }

// maxSigObject bounds a signature object (an RSA-16384 SSHSIG line is under 5 KB).
const maxSigObject = 64 << 10

// PublishSig writes the signature line of line seq of incident id, once. When the store
// already holds that seq's signature, the same bytes are no error (a retry), others
// are ErrSeqTaken.
func (s *Store) PublishSig(ctx context.Context, id string, seq uint64, line []byte) error {
	sum := sha256.Sum256(line)
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.loc.Bucket), Key: aws.String(s.SigKey(id, seq)),
		Body: bytes.NewReader(line), ContentLength: aws.Int64(int64(len(line))),
		ContentType:       aws.String("application/x-ndjson"),
		IfNoneMatch:       aws.String("*"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(b64(sum[:])),
	}
	s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
	_, err := s.client.PutObject(ctx, in)
	if err == nil {
		return nil
	}
	if awserr.Taken(err) {
		if have, gerr := s.get(ctx, s.SigKey(id, seq), maxSigObject); gerr == nil && bytes.Equal(have, line) {
			return nil
		}
		return fmt.Errorf("signature of %s seq %d: %w", id, seq, ErrSeqTaken)
	}
	return fmt.Errorf("publish the signature of %s seq %d to %s: %w", id, seq, s.loc, Explain(err, "s3:PutObject"))
}

// SigSeqs lists the seqs of incident id whose signature the store holds.
func (s *Store) SigSeqs(ctx context.Context, id string) (map[uint64]bool, error) {
	prefix := s.sigsPrefix(id)
	out := map[uint64]bool{}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.loc.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the signatures of %s in %s: %w", id, s.loc, Explain(err, "s3:ListBucket"))
		}
		for _, o := range page.Contents {
			d := strings.TrimPrefix(aws.ToString(o.Key), prefix)
			if n, err := strconv.ParseUint(d, 10, 64); err == nil && len(d) == seqDigits && n > 0 {
				out[n] = true
			}
		}
	}
	return out, nil
}

// Sigs reads the signature objects of these seqs of incident id, in parallel.
func (s *Store) Sigs(ctx context.Context, id string, seqs []uint64) (map[uint64][]byte, error) {
	out := make([][]byte, len(seqs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, seq := range seqs {
		g.Go(func() error {
			b, err := s.get(gctx, s.SigKey(id, seq), maxSigObject)
			out[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	m := make(map[uint64][]byte, len(seqs))
	for i, seq := range seqs {
		m[seq] = out[i]
	}
	return m, nil
}

// verifySigs compares the store's signature objects with the lines and with the local
// mirror's journal.sigs (which a sync filled): each must sign the store's line of its
// seq, and be one of the mirror's entries for that seq, byte for byte. Whether the
// signatures are good is Verify's (--allowed-signers) on the mirror.
func (s *Store) verifySigs(ctx context.Context, id string, lines []Line, dir string) (int, []journal.Problem, error) {
	seqs, err := s.SigSeqs(ctx, id)
	if err != nil || len(seqs) == 0 {
		return 0, nil, err
	}
	list := make([]uint64, 0, len(seqs))
	for seq := range seqs {
		list = append(list, seq)
	}
	objs, err := s.Sigs(ctx, id, list)
	if err != nil {
		return 0, nil, err
	}
	local, err := journal.SigLines(dir)
	if err != nil {
		return 0, nil, err
	}
	var problems []journal.Problem
	for _, seq := range list {
		key := s.SigKey(id, seq)
		bad := func(what string) {
			problems = append(problems, journal.Problem{Line: int(seq), Seq: seq, File: key, What: "signature in the store: " + what})
		}
		if seq > uint64(len(lines)) {
			bad("signs a line the store does not hold")
			continue
		}
		if err := journal.CheckSigLine(objs[seq], seq, lines[seq-1].Event.Hash); err != nil {
			bad("not a signature of the store's line: " + err.Error())
			continue
		}
		found := false
		for _, l := range local[seq] {
			found = found || bytes.Equal(bytes.TrimRight(l, "\n"), bytes.TrimRight(objs[seq], "\n"))
		}
		if !found {
			bad("this machine's " + journal.SigName + " does not hold it (muster team sync brings it)")
		}
	}
	return len(list), problems, nil
}
