package dbtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDB binaries of Debian's mariadb-server package.
const (
	MariaDBServer    = "/usr/sbin/mariadbd"
	MariaDBInstallDB = "/usr/bin/mariadb-install-db"
)

// MariaDB is a running MariaDB server; Exec runs statements as root over its socket.
type MariaDB struct {
	Server
	socket string
}

// StartMariaDB runs a MariaDB server for the test on a free port of 127.0.0.1 with a
// user (all privileges, password authentication from anywhere) and an empty database,
// stopped when the test ends. As root the server runs as the mysql (or nobody) user.
func StartMariaDB(tb testing.TB, user, password, database string) *MariaDB {
	tb.Helper()
	if _, err := os.Stat(MariaDBServer); err != nil {
		if required() {
			tb.Fatalf("MariaDB is not installed (%s): apt-get install mariadb-server", MariaDBServer)
		}
		tb.Skipf("MariaDB is not installed (%s); set MUSTER_REQUIRE_DB=1 to make this a failure", MariaDBServer)
	}
	dir, err := os.MkdirTemp("", "muster-mariadb-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	as := "mysql"
	acct := unprivilegedAs(tb, dir, "mysql", "nobody")
	if acct == nil {
		as = ""
	} else if acct.name != "" {
		as = acct.name
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if as != "" {
		args = append(args, "--user="+as)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, MariaDBInstallDB, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tb.Fatalf("mariadb-install-db: %v\n%s", err, out.String())
	}
	port := freePort(tb)
	socket := filepath.Join(dir, "mariadb.sock")
	srvArgs := []string{"--no-defaults", "--datadir=" + data, "--port=" + fmt.Sprint(port), "--bind-address=127.0.0.1",
		"--socket=" + socket, "--pid-file=" + filepath.Join(dir, "mariadb.pid"), "--skip-name-resolve",
		"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--log-error=" + filepath.Join(dir, "error.log")}
	if as != "" {
		srvArgs = append(srvArgs, "--user="+as)
	}
	srv := exec.Command(MariaDBServer, srvArgs...)
	srv.Stdout, srv.Stderr = &out, &out
	if err := srv.Start(); err != nil {
		tb.Fatalf("start mariadbd: %v", err)
	}
	tb.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	})
	m := &MariaDB{Server: Server{Host: "127.0.0.1", Port: int32(port), User: user, Password: password, Database: database}, socket: socket}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		db := m.root("")
		err := db.Ping()
		db.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			tb.Fatalf("mariadbd did not answer within 2 minutes: %v\n%s\n%s", err, out.String(), log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	m.Exec(tb, "CREATE DATABASE `"+database+"`",
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password),
		fmt.Sprintf("GRANT ALL ON *.* TO '%s'@'%%'", user))
	return m
}

func (m *MariaDB) root(db string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "unix", m.socket, db
	c, _ := mysql.NewConnector(cfg)
	return sql.OpenDB(c)
}

// Exec runs statements as root in the server's database (none before it exists).
func (m *MariaDB) Exec(tb testing.TB, stmts ...string) {
	tb.Helper()
	db := m.root("")
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}
