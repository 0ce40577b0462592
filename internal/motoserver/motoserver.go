// Package motoserver starts a real moto_server (Python moto) on 127.0.0.1 for tests
// that reach AWS (RDS, S3, STS, Organizations) through aws-sdk-go-v2. It is test
// support: only _test files and other test-support packages import it.
package motoserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// ErrMissing is returned by Run when moto_server is not on PATH.
var ErrMissing = errors.New("moto_server is not on PATH: the AWS integration tests need Python moto (pip install 'moto[server]')")

// Required reports whether a missing moto is a failure (MUSTER_REQUIRE_MOTO=1, as in
// CI) rather than a reason to skip.
func Required() bool { return os.Getenv("MUSTER_REQUIRE_MOTO") == "1" }

// Start runs moto_server on a free port of 127.0.0.1 for the test and returns its URL;
// it is stopped when the test ends. Without moto the test is skipped, unless
// MUSTER_REQUIRE_MOTO=1, as in CI, where that is a failure.
func Start(tb testing.TB) string {
	tb.Helper()
	url, stop, err := Run()
	switch {
	case errors.Is(err, ErrMissing) && Required():
		tb.Fatal(err.Error() + " and MUSTER_REQUIRE_MOTO=1")
	case errors.Is(err, ErrMissing):
		tb.Skip(err.Error() + "; set MUSTER_REQUIRE_MOTO=1 to make this a failure")
	case err != nil:
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return url
}

// Run starts moto_server on a free port of 127.0.0.1 and returns its URL and the
// function that stops it; for a TestMain that shares one server among a package's
// tests.
func Run() (url string, stop func(), err error) { return run(false) }

// serialScript runs moto's WSGI application with one write at a time. moto checks a
// conditional write (If-None-Match: *) and stores the object in two steps, so two
// concurrent PUTs of one key can both succeed; S3 makes the check and the write one
// atomic step. Tests of writers racing for one key need S3's guarantee. GETs are not
// held back: moto_server itself runs every request at once (its key store copies
// itself before a listing walks it), a GET changes nothing a write checks, and the
// object a GET returns was stored whole with its body; so the many GETs of a catch-up
// overlap instead of queueing behind one another. HEADs stay in line: moto sets an
// object's metadata and checksum just after storing it, and muster's HEAD reads them.
const serialScript = `
import sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()
def serial(environ, start_response):
    if environ.get("REQUEST_METHOD") == "GET":
        return list(app(environ, start_response))
    with lock:
        return list(app(environ, start_response))
run_simple(sys.argv[1], int(sys.argv[2]), serial, threaded=True)
`

// RunAtomic is Run with writes handled one at a time, so that conditional writes are
// atomic as on S3 (see serialScript).
func RunAtomic() (url string, stop func(), err error) { return run(true) }

func run(serial bool) (url string, stop func(), err error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return "", nil, ErrMissing
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if serial {
		py, err := exec.LookPath("python3")
		if err != nil {
			return "", nil, ErrMissing
		}
		cmd = exec.Command(py, "-c", serialScript, "127.0.0.1", fmt.Sprint(port))
	}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start moto_server: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(3 * time.Minute) // importing moto takes a while on a loaded machine
	for {
		resp, err := http.Get(base + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("moto_server did not answer on %s within 3 minutes: %v\n%s", base, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
