package backup

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// Drivers the probe speaks.
const (
	DriverPostgres = "pgx"
	DriverMySQL    = "mysql"
)

// ProbeDriver is the driver that can query an RDS engine, "" when muster cannot probe it.
func ProbeDriver(engine string) string {
	switch engine {
	case "postgres", "aurora-postgresql":
		return DriverPostgres
	case "mysql", "mariadb", "aurora-mysql", "aurora":
		return DriverMySQL
	}
	return ""
}

// prober is one open connection to the restored copy.
type prober interface {
	query(ctx context.Context, q string) (any, error)
	close()
}

// probe sets a throw-away master password on the restored copy, connects with a real
// driver, runs SELECT 1 (the first successful query is the measured RTO) and the
// service's freshness query, then judges RTO and data age.
func (r *restoreRun) probe(ctx, parent context.Context, src *restoreSource, ep endpoint) error {
	res := r.res
	res.Probe.Driver = ProbeDriver(src.Engine)
	if res.Probe.Driver == "" {
		return restoreCannot("restored %s to available in %s, but muster cannot probe engine %s (PostgreSQL, MySQL and MariaDB only): no query was run",
			src.ID, res.Available.Sub(res.Requested).Round(time.Second), untrusted.Line(src.Engine))
	}
	password, err := r.password()
	if err != nil {
		return restoreCannot("make a password for the restored copy: %v", err)
	}
	if res.Restored.Cluster != "" {
		_, err = r.api.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(res.Restored.Cluster),
			MasterUserPassword: aws.String(password), ApplyImmediately: aws.Bool(true)})
	} else {
		_, err = r.api.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(res.Restored.Instance),
			MasterUserPassword: aws.String(password), ApplyImmediately: aws.Bool(true)})
	}
	if err != nil {
		if parent.Err() != nil {
			return restoreCannot("interrupted while setting the restored copy's password: everything created is deleted")
		}
		return r.apiError("set the master password of "+res.Restored.Instance, err)
	}
	host, port := ep.Host, ep.Port
	if r.o.ResolveEndpoint != nil {
		host, port = r.o.ResolveEndpoint(host, port)
	}
	db := firstNonEmpty(r.o.Database, src.Rules.Restore.Database, ep.Database)
	if db == "" && res.Probe.Driver == DriverPostgres {
		db = "postgres"
	}
	res.Probe.Endpoint = untrusted.Line(ep.Host) + ":" + strconv.Itoa(int(ep.Port))
	res.Probe.User, res.Probe.Database = untrusted.Line(ep.User), untrusted.Line(db)
	where := fmt.Sprintf("%s as %s on %s", res.Probe.Endpoint, res.Probe.User, firstNonEmpty(res.Probe.Database, "(no database)"))

	// RDS applies the new password within seconds; until then connections and logins
	// are refused, so both are retried for ProbeRetry.
	deadline := r.now().Add(r.o.ProbeRetry)
	var conn prober
	for {
		conn, err = r.connect(ctx, res.Probe.Driver, host, port, ep.User, password, db)
		if err == nil {
			if _, err = conn.query(ctx, "SELECT 1"); err == nil {
				break
			}
			conn.close()
		}
		if parent.Err() != nil {
			return restoreCannot("interrupted while connecting to %s: everything created is deleted", where)
		}
		if ctx.Err() != nil || !r.now().Before(deadline) {
			return probeConnectError(err, where, r.o.ProbeRetry)
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(r.o.Poll, 5*time.Second)):
		}
	}
	defer conn.close()
	res.FirstQuery = r.now().UTC()
	res.Probe.Select1 = true
	rto := res.FirstQuery.Sub(res.Requested)
	res.MeasuredRTOSeconds = rto.Seconds()
	if r.rto > 0 {
		met := rto <= r.rto
		res.RTOMet = &met
	}
	q := firstNonEmpty(r.o.Probe, src.Rules.Restore.Probe)
	res.Probe.Query = q
	if q == "" {
		return r.judge()
	}
	v, err := conn.query(ctx, q)
	if err != nil {
		if parent.Err() != nil {
			return restoreCannot("interrupted during the freshness query: everything created is deleted")
		}
		return restoreCannot("freshness query %q failed on %s: %s", q, where, untrusted.Line(err.Error()))
	}
	if v == nil {
		res.Probe.Problem = "the freshness query found no rows (NULL): the restored data is empty"
		return r.judge()
	}
	newest, err := asTime(v)
	if err != nil {
		return restoreCannot("freshness query %q on %s: %v; it must return one time, like SELECT max(created_at) FROM orders", q, where, err)
	}
	newest = newest.UTC()
	res.Probe.NewestRow = &newest
	ref, basis := res.Point.Time, "restore point"
	if res.Point.Latest {
		ref, basis = res.Requested, "restore start"
	}
	age := ref.Sub(newest)
	res.DataAgeSeconds = new(float64)
	*res.DataAgeSeconds = age.Seconds()
	res.DataAgeBasis = basis
	if r.rpo > 0 {
		met := age <= r.rpo
		res.RPOMet = &met
	}
	return r.judge()
}

// judge sets the verdict once the probe ran: fail when the RTO or RPO was missed or
// the data is empty.
func (r *restoreRun) judge() error {
	res := r.res
	var problems []string
	if res.RTOMet != nil && !*res.RTOMet {
		problems = append(problems, fmt.Sprintf("RTO missed: first query after %s, RTO %s", Age(time.Duration(res.MeasuredRTOSeconds*float64(time.Second))), Age(r.rto)))
	}
	if res.RPOMet != nil && !*res.RPOMet {
		problems = append(problems, fmt.Sprintf("RPO missed: newest row %s before the %s, RPO %s", Age(time.Duration(*res.DataAgeSeconds*float64(time.Second))), res.DataAgeBasis, Age(r.rpo)))
	}
	if res.Probe.Problem != "" {
		problems = append(problems, res.Probe.Problem)
	}
	if len(problems) > 0 {
		return restoreFailed("restore test of %s: %s", res.Source.ID, strings.Join(problems, "; "))
	}
	res.Status = Pass
	return nil
}

func probeConnectError(err error, where string, retried time.Duration) error {
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "28"):
		return restoreCannot("credentials refused by %s (SQLSTATE %s) after retrying %s: %s", where, pe.Code, retried, untrusted.Line(pe.Message))
	case errors.As(err, &me) && (me.Number == 1045 || me.Number == 1044):
		return restoreCannot("credentials refused by %s (MySQL error %d) after retrying %s: %s", where, me.Number, retried, untrusted.Line(me.Message))
	}
	return restoreCannot("cannot query %s after retrying %s: %s", where, retried, untrusted.Line(err.Error()))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// password is the throw-away master password: 32 letters and digits (RDS refuses /, @,
// " and spaces).
func (r *restoreRun) password() (string, error) {
	if r.o.NewPassword != nil {
		return r.o.NewPassword()
	}
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 32)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}

func (r *restoreRun) connect(ctx context.Context, driver, host string, port int32, user, password, db string) (prober, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
	if driver == DriverPostgres {
		u := url.URL{Scheme: "postgres", Host: addr, Path: "/" + db, RawQuery: "sslmode=prefer&connect_timeout=15"}
		cfg, err := pgx.ParseConfig(u.String())
		if err != nil {
			return nil, err
		}
		cfg.User, cfg.Password = user, password
		for _, fb := range cfg.Fallbacks {
			fb.Host, fb.Port = host, uint16(port)
		}
		c, err := pgx.ConnectConfig(cctx, cfg)
		if err != nil {
			return nil, err
		}
		return pgProbe{c}, nil
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", addr, db
	cfg.TLSConfig = "preferred"
	cfg.ParseTime = true
	cfg.Timeout = 15 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	sdb := sql.OpenDB(connector)
	sdb.SetMaxOpenConns(1)
	if err := sdb.PingContext(cctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return sqlProbe{sdb}, nil
}

type pgProbe struct{ c *pgx.Conn }

func (p pgProbe) query(ctx context.Context, q string) (any, error) {
	var v any
	err := p.c.QueryRow(ctx, q).Scan(&v)
	return v, err
}

func (p pgProbe) close() { _ = p.c.Close(context.Background()) }

type sqlProbe struct{ db *sql.DB }

func (p sqlProbe) query(ctx context.Context, q string) (any, error) {
	var v any
	err := p.db.QueryRowContext(ctx, q).Scan(&v)
	return v, err
}

func (p sqlProbe) close() { _ = p.db.Close() }

// asTime reads the freshness query's value: a timestamp, a text time, or Unix seconds.
func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case int64:
		return time.Unix(x, 0), nil
	case int32:
		return time.Unix(int64(x), 0), nil
	case float64:
		return time.Unix(0, int64(x*1e9)), nil
	case []byte:
		return asTime(string(x))
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return time.Unix(n, 0), nil
		}
		return time.Time{}, fmt.Errorf("its value %q is not a time", untrusted.Line(x))
	}
	return time.Time{}, fmt.Errorf("its value is a %T, not a time", v)
}
