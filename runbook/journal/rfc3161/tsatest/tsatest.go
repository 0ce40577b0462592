// Package tsatest runs a real RFC 3161 time-stamping authority for tests: `openssl
// ts -reply` behind an HTTP server on 127.0.0.1, with a throwaway CA and TSA
// certificate made by openssl in a temporary directory.
package tsatest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TSA is a running test authority.
type TSA struct {
	// URL is where it answers timestamp requests (POST application/timestamp-query).
	URL string
	// CAFile is the PEM of the root that issued its certificate; Dir holds it all.
	CAFile, Dir string
	mu          sync.Mutex
	requests    int
}

// Requests is how many requests it answered.
func (t *TSA) Requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests
}

// Need skips the test when openssl is not installed.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
}

func run(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Start makes a CA (EC P-256) and a TSA certificate (RSA 2048, extended key usage
// timeStamping, critical) and serves `openssl ts -reply` until the test ends.
// essAlg is the signing-certificate attribute's hash: "sha1" (ESSCertID) or "sha256"
// (ESSCertIDv2).
func Start(t testing.TB, essAlg string) *TSA {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run(t, dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=muster test TSA root", "-days", "3650",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	run(t, dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=muster test TSA")
	write("tsa.ext", "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n")
	run(t, dir, "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
		"-out", "tsa.pem", "-days", "365", "-extfile", "tsa.ext")
	write("tsaserial", "01\n")
	write("tsa.cnf", `[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = `+dir+`
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = `+essAlg+`
`)
	tsa := &TSA{CAFile: filepath.Join(dir, "ca.pem"), Dir: dir}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "POST application/timestamp-query", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tsa.mu.Lock()
		defer tsa.mu.Unlock()
		tsa.requests++
		q, p := filepath.Join(dir, "req.tsq"), filepath.Join(dir, "reply.tsr")
		os.Remove(p)
		if err := os.WriteFile(q, body, 0o600); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		cmd := exec.Command("openssl", "ts", "-reply", "-config", filepath.Join(dir, "tsa.cnf"), "-queryfile", q, "-out", p)
		if out, err := cmd.CombinedOutput(); err != nil {
			http.Error(w, string(out), http.StatusInternalServerError)
			return
		}
		reply, err := os.ReadFile(p)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(reply)
	}))
	t.Cleanup(srv.Close)
	tsa.URL = srv.URL
	return tsa
}
