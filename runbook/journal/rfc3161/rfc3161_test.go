package rfc3161_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/journal/rfc3161"
	"github.com/muster-ir/muster/runbook/journal/rfc3161/tsatest"
)

func pool(t *testing.T, path string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		t.Fatal("no certificate in", path)
	}
	return p
}

// A real TSA (openssl ts -reply) timestamps a digest; the token is checked here and
// by openssl ts -verify, and an altered token or another CA is refused.
func TestTimestampFromOpenSSL(t *testing.T) {
	for _, ess := range []string{"sha1", "sha256"} {
		t.Run("ess_cert_id_alg="+ess, func(t *testing.T) {
			tsa := tsatest.Start(t, ess)
			digest := sha256.Sum256([]byte("a journal line"))
			before := time.Now().Add(-2 * time.Second)
			reply, tok, err := rfc3161.Fetch(context.Background(), http.DefaultClient, tsa.URL, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			if tok.Time.Before(before) || tok.Time.After(time.Now().Add(2*time.Second)) || !strings.Contains(tok.TSA(), "muster test TSA") {
				t.Errorf("token time %v, TSA %s", tok.Time, tok.TSA())
			}
			if err := tok.Verify(pool(t, tsa.CAFile)); err != nil {
				t.Fatal(err)
			}
			// openssl accepts the stored reply as it is.
			p := filepath.Join(t.TempDir(), "reply.tsr")
			os.WriteFile(p, reply, 0o600)
			out, err := exec.Command("openssl", "ts", "-verify", "-digest", hex.EncodeToString(digest[:]), "-in", p, "-CAfile", tsa.CAFile).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("openssl ts -verify: %v\n%s", err, out)
			}
			// Another CA does not vouch for this TSA.
			other := tsatest.Start(t, ess)
			if err := tok.Verify(pool(t, other.CAFile)); err == nil {
				t.Error("a token verifies against another CA")
			}
			// Every single-byte change of the reply is refused or changes nothing that
			// is checked (the unsigned parts of CMS: certificates' order, etc.).
			for i := range reply {
				b := []byte(string(reply))
				b[i] ^= 0x01
				tk, err := rfc3161.ParseReply(b)
				if err != nil {
					continue
				}
				if err := tk.Verify(pool(t, tsa.CAFile)); err != nil {
					continue
				}
				if string(tk.Digest) != string(digest[:]) || !tk.Time.Equal(tok.Time) {
					t.Fatalf("byte %d flipped: a token for another digest or time verifies", i)
				}
			}
		})
	}
}

// A TSA that refuses, answers with garbage or is not there is a clear error.
func TestTSAErrors(t *testing.T) {
	digest := sha256.Sum256([]byte("x"))
	if _, _, err := rfc3161.Fetch(context.Background(), http.DefaultClient, "http://127.0.0.1:1/", digest[:]); err == nil {
		t.Error("no TSA: no error")
	}
	if _, err := rfc3161.ParseReply([]byte("not DER")); err == nil || !strings.Contains(err.Error(), "not a timestamp reply") {
		t.Errorf("garbage: %v", err)
	}
	// status rejection (2) with a reason
	refused := []byte{0x30, 0x0d, 0x30, 0x0b, 0x02, 0x01, 0x02, 0x30, 0x06, 0x0c, 0x04, 'n', 'o', 'p', 'e'}
	if _, err := rfc3161.ParseReply(refused); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("refused: %v", err)
	}
}
