// Package dbtest starts real database servers for tests: PostgreSQL 15 (initdb and
// pg_ctl in a temporary directory, on a free port of 127.0.0.1). It is test support:
// only _test files import it.
package dbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresBin is where Debian's postgresql-15 package puts initdb and pg_ctl.
const PostgresBin = "/usr/lib/postgresql/15/bin"

// Server is a running database server.
type Server struct {
	Host     string
	Port     int32
	User     string // a superuser
	Password string
	Database string
}

// required reports whether a missing server is a failure rather than a skip (CI).
func required() bool {
	return os.Getenv("MUSTER_REQUIRE_MOTO") == "1" || os.Getenv("MUSTER_REQUIRE_DB") == "1"
}

// StartPostgres runs a PostgreSQL 15 server for the test with superuser user and
// password (scram-sha-256), stopped when the test ends. PostgreSQL refuses to run as
// root, so as root the server runs as the postgres (or nobody) user through setpriv.
func StartPostgres(tb testing.TB, user, password string) *Server {
	tb.Helper()
	bin := os.Getenv("MUSTER_POSTGRES_BIN")
	if bin == "" {
		bin = PostgresBin
	}
	initdb, pgctl := filepath.Join(bin, "initdb"), filepath.Join(bin, "pg_ctl")
	if _, err := os.Stat(initdb); err != nil {
		if required() {
			tb.Fatalf("PostgreSQL 15 is not installed (%s): apt-get install postgresql-15", initdb)
		}
		tb.Skipf("PostgreSQL 15 is not installed (%s); set MUSTER_REQUIRE_DB=1 to make this a failure", initdb)
	}
	dir, err := os.MkdirTemp("", "muster-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	asUser := unprivileged(tb, dir)
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	chown(tb, asUser, pwfile)
	data := filepath.Join(dir, "data")
	run := func(timeout time.Duration, name string, args ...string) {
		tb.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := command(ctx, asUser, name, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			tb.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out.String())
		}
	}
	run(2*time.Minute, initdb, "-D", data, "-U", user, "--pwfile="+pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions")
	port := freePort(tb)
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories='' -c fsync=off -c timezone=UTC", port)
	run(2*time.Minute, pgctl, "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "90", "start")
	tb.Cleanup(func() {
		cmd := command(context.Background(), asUser, pgctl, "-D", data, "-m", "immediate", "stop")
		_ = cmd.Run()
	})
	return &Server{Host: "127.0.0.1", Port: int32(port), User: user, Password: password, Database: "postgres"}
}

// Exec runs SQL statements on the server's database as its superuser.
func (s *Server) Exec(tb testing.TB, stmts ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL(s.Database))
	if err != nil {
		tb.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer c.Close(ctx)
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// URL is a connection string for database db.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", s.User, s.Password, net.JoinHostPort(s.Host, strconv.Itoa(int(s.Port))), db)
}

type account struct {
	uid, gid int
	name     string
}

// unprivileged is the account PostgreSQL runs as: nil when not root; else postgres
// (or nobody), owning dir.
func unprivileged(tb testing.TB, dir string) *account {
	return unprivilegedAs(tb, dir, "postgres", "nobody")
}

// unprivilegedAs is the first of names that exists, owning dir; nil when not root.
func unprivilegedAs(tb testing.TB, dir string, names ...string) *account {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, name := range names {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		a := &account{uid, gid, name}
		if err := os.Chmod(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		chown(tb, a, dir)
		return a
	}
	tb.Fatalf("running as root and there is none of the users %v to run the server as", names)
	return nil
}

func chown(tb testing.TB, a *account, path string) {
	if a == nil {
		return
	}
	if err := os.Chown(path, a.uid, a.gid); err != nil {
		tb.Fatal(err)
	}
}

func command(ctx context.Context, a *account, name string, args ...string) *exec.Cmd {
	if a == nil {
		return exec.CommandContext(ctx, name, args...)
	}
	full := append([]string{"--reuid=" + strconv.Itoa(a.uid), "--regid=" + strconv.Itoa(a.gid), "--clear-groups", name}, args...)
	return exec.CommandContext(ctx, "setpriv", full...)
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
