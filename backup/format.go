package backup

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// Formats the report can be written in.
const (
	FormatTable      = "table"
	FormatJSON       = "json"
	FormatPrometheus = "prometheus"
)

// Write writes the report in format: table (color adds ANSI colours to the verdicts;
// symbols and words carry the meaning without them), json or prometheus.
func (r *Report) Write(w io.Writer, format string, color bool) error {
	switch format {
	case FormatTable:
		return r.WriteTable(w, color)
	case FormatJSON:
		b, err := r.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case FormatPrometheus:
		return r.WritePrometheus(w)
	}
	return fmt.Errorf("unknown format %q (table, json, prometheus)", format)
}

var sgr = map[Status]string{Pass: "32", Warn: "33", Fail: "1;31", Skip: "2", Error: "35"}

func verdict(s Status, color bool) string {
	v := s.Symbol() + " " + string(s)
	if color {
		return "\x1b[" + sgr[s] + "m" + v + "\x1b[0m"
	}
	return v
}

// WriteTable writes one row per unit, then the findings with their detail, the API
// errors, what the RDS API cannot show, and a one-line result.
func (r *Report) WriteTable(w io.Writer, color bool) error {
	bw := bufio.NewWriter(w)
	head := []string{"SERVICE", "DATABASE", "REGION", "NEWEST RESTORE POINT", "AGE", "RPO", "MARGIN", "RETENTION", "VERDICT"}
	accounts := r.spansAccounts()
	if accounts {
		head = slices.Insert(head, 1, "ACCOUNT")
	}
	rows := [][]string{head}
	verdicts := []Status{""}
	for _, u := range r.Units {
		row := r.row(&u)
		if accounts {
			row = slices.Insert(row, 1, accountLabel(u.Account, u.AccountName))
		}
		rows = append(rows, row)
		verdicts = append(verdicts, u.Status)
	}
	widths := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i == len(row)-1 {
				if n == 0 {
					b.WriteString(c)
				} else {
					b.WriteString(verdict(verdicts[n], color))
				}
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
		}
		fmt.Fprintln(bw, strings.TrimRight(b.String(), " "))
	}
	if len(r.Units) == 0 {
		fmt.Fprintln(bw, "(no databases found)")
	}

	type finding struct {
		s    Status
		text string
	}
	var findings []finding
	for _, u := range r.Units {
		for _, c := range u.Checks {
			if c.Status == Fail || c.Status == Error || c.Status == Warn {
				findings = append(findings, finding{c.Status, fmt.Sprintf("%s %s: %s", unitLabel(&u), c.Name, c.Detail)})
			}
		}
	}
	slices.SortStableFunc(findings, func(a, b finding) int { return rank(b.s) - rank(a.s) })
	if len(findings) > 0 {
		fmt.Fprintln(bw, "\nFindings:")
		for _, f := range findings {
			fmt.Fprintf(bw, "  %-8s %s\n", verdictPad(f.s, color), f.text)
		}
	}
	writeRestoreTested(bw, r, color)
	if len(r.Errors) > 0 {
		fmt.Fprintln(bw, "\nAPI errors (what they cover is reported as error, never pass or fail):")
		for _, e := range r.Errors {
			fmt.Fprintf(bw, "  %s %s\n", Error.Symbol(), e.String())
		}
	}
	if len(r.SkippedAccounts) > 0 {
		fmt.Fprintln(bw, "\nAccounts of the organization not checked (not ACTIVE):")
		for _, a := range r.SkippedAccounts {
			fmt.Fprintf(bw, "  - %s: %s\n", accountLabel(a.ID, a.Name), a.State)
		}
	}
	if len(r.NotVerified) > 0 {
		fmt.Fprintln(bw, "\nNot verified (the RDS API cannot show it):")
		for _, n := range r.NotVerified {
			fmt.Fprintf(bw, "  - %s\n", n)
		}
	}
	t := r.Totals
	fmt.Fprintf(bw, "\nResult: %s: %s: %d pass, %d warn, %d fail, %d error, %d skip; %s; as of %s; policy %s\n",
		verdict(t.Status, color), count(t.Units, "unit"), t.Pass, t.Warn, t.Fail, t.Error, t.Skip, count(t.InventoryErrors, "API error"), ts(r.AsOf), r.Policy)
	return bw.Flush()
}

func verdictPad(s Status, color bool) string {
	v := verdict(s, color)
	if n := 7 - utf8.RuneCountInString(s.Symbol()+" "+string(s)); n > 0 {
		v += strings.Repeat(" ", n)
	}
	return v
}

func unitLabel(u *UnitResult) string {
	in := ""
	if u.Account != "" {
		in = " in account " + accountLabel(u.Account, u.AccountName)
	}
	switch u.Kind {
	case KindService:
		return "service " + u.ID
	case KindRegion:
		return "region " + u.ID + in
	case KindAccount:
		return "account " + accountLabel(u.Account, u.AccountName)
	}
	if in != "" {
		return u.ID + " (" + u.Region + in + ")"
	}
	return u.ID + " (" + u.Region + ")"
}

// spansAccounts reports a run over accounts: its units carry account ids.
func (r *Report) spansAccounts() bool {
	return slices.ContainsFunc(r.Units, func(u UnitResult) bool { return u.Account != "" })
}

func (r *Report) row(u *UnitResult) []string {
	service := u.Service
	if service == "" {
		service = "(unowned)"
	}
	name := u.ID
	switch u.Kind {
	case KindAuroraCluster:
		name += " [aurora]"
	case KindMultiAZCluster:
		name += " [multi-az cluster]"
	case KindService:
		name = "(no database)"
	case KindRegion:
		service, name = "-", "(inventory)"
	case KindAccount:
		service, name = "-", "(account)"
	case KindOrphanedSnapshot:
		name += " [orphaned snapshot]"
	}
	newest, age, margin := "-", "-", "-"
	if u.NewestRestorePoint != nil {
		newest = u.NewestRestorePoint.UTC().Format("2006-01-02 15:04") + " " + u.NewestRestoreKind
	}
	if eff, ok := u.EffectiveRPO(); ok {
		age = Age(eff)
		if u.RPOSeconds > 0 {
			margin = Age(time.Duration(u.RPOSeconds)*time.Second - eff)
		}
	}
	rpo := "-"
	if u.RPOSeconds > 0 {
		rpo = Age(time.Duration(u.RPOSeconds) * time.Second)
	}
	retention := "-"
	if u.RetentionDays != nil && u.PolicyRetention > 0 {
		op := "≥"
		if *u.RetentionDays < u.PolicyRetention {
			op = "<"
		}
		retention = fmt.Sprintf("%dd %s %dd", *u.RetentionDays, op, u.PolicyRetention)
	}
	return []string{service, name, u.Region, newest, age, rpo, margin, retention, ""}
}

// WritePrometheus writes the report in the Prometheus text exposition format for
// node_exporter's textfile collector: write to a temporary file and rename it over
// <dir>/muster_backup.prom so the collector never reads half a file.
func (r *Report) WritePrometheus(w io.Writer) error {
	bw := bufio.NewWriter(w)
	family := func(name, help string) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

	family("muster_backup_check_timestamp_seconds", "Instant the backup check judged at (--as-of or the time of the run), in Unix seconds.")
	fmt.Fprintf(bw, "muster_backup_check_timestamp_seconds %d\n", r.AsOf.Unix())
	family("muster_backup_api_errors", "RDS API calls that failed during the check (1 when the check could not run at all).")
	fmt.Fprintf(bw, "muster_backup_api_errors %d\n", len(r.Errors))
	family("muster_backup_units", "Backup units (databases, clusters, services without a database, unlisted regions) by status.")
	counts := map[Status]int{Pass: r.Totals.Pass, Warn: r.Totals.Warn, Fail: r.Totals.Fail, Skip: r.Totals.Skip, Error: r.Totals.Error}
	for _, s := range Statuses {
		fmt.Fprintf(bw, "muster_backup_units{status=%q} %d\n", s, counts[s])
	}

	accounts := r.spansAccounts()
	labels := func(u *UnitResult, extra ...string) string {
		var parts []string
		if accounts {
			// Every series of a run over accounts carries them (an empty value is the
			// same series as no label, so a one-account run leaves them out).
			parts = append(parts, `account="`+escapeLabel(u.Account)+`"`, `account_name="`+escapeLabel(u.AccountName)+`"`)
		}
		parts = append(parts,
			`id="`+escapeLabel(u.ID)+`"`, `kind="`+escapeLabel(u.Kind)+`"`,
			`region="`+escapeLabel(u.Region)+`"`, `service="`+escapeLabel(u.Service)+`"`,
		)
		for i := 0; i+1 < len(extra); i += 2 {
			parts = append(parts, extra[i]+`="`+escapeLabel(extra[i+1])+`"`)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	family("muster_backup_unit_status", "1 for the unit's status, 0 for the other statuses.")
	for i := range r.Units {
		u := &r.Units[i]
		for _, s := range Statuses {
			v := 0
			if u.Status == s {
				v = 1
			}
			fmt.Fprintf(bw, "muster_backup_unit_status%s %d\n", labels(u, "status", string(s)), v)
		}
	}
	family("muster_backup_check_status", "1 for each check of each unit, labelled with the check's status (pass, warn, fail, skip, error).")
	for i := range r.Units {
		u := &r.Units[i]
		for _, c := range u.Checks {
			fmt.Fprintf(bw, "muster_backup_check_status%s 1\n", labels(u, "check", c.Name, "status", string(c.Status)))
		}
	}
	family("muster_backup_effective_rpo_seconds", "Age of the unit's newest restore point (point-in-time or snapshot) at the check instant.")
	for i := range r.Units {
		u := &r.Units[i]
		if u.EffectiveRPOSeconds != nil {
			fmt.Fprintf(bw, "muster_backup_effective_rpo_seconds%s %d\n", labels(u), *u.EffectiveRPOSeconds)
		}
	}
	family("muster_backup_newest_restore_point_timestamp_seconds", "The unit's newest restore point, in Unix seconds.")
	for i := range r.Units {
		u := &r.Units[i]
		if u.NewestRestorePoint != nil {
			fmt.Fprintf(bw, "muster_backup_newest_restore_point_timestamp_seconds%s %d\n", labels(u), u.NewestRestorePoint.Unix())
		}
	}
	family("muster_backup_rpo_seconds", "The unit's recovery point objective from the policy.")
	for i := range r.Units {
		u := &r.Units[i]
		if u.RPOSeconds > 0 {
			fmt.Fprintf(bw, "muster_backup_rpo_seconds%s %s\n", labels(u), num(float64(u.RPOSeconds)))
		}
	}
	// Base units, as Prometheus names them: the retention period in seconds (days x 86400).
	family("muster_backup_retention_period_seconds", "The unit's BackupRetentionPeriod as RDS reports it, in seconds.")
	for i := range r.Units {
		u := &r.Units[i]
		if u.RetentionDays != nil {
			fmt.Fprintf(bw, "muster_backup_retention_period_seconds%s %d\n", labels(u), int64(*u.RetentionDays)*86400)
		}
	}
	family("muster_backup_policy_retention_seconds", "How far back the policy requires restore points to reach, in seconds.")
	for i := range r.Units {
		u := &r.Units[i]
		if u.PolicyRetention > 0 {
			fmt.Fprintf(bw, "muster_backup_policy_retention_seconds%s %d\n", labels(u), int64(u.PolicyRetention)*86400)
		}
	}
	// Last, so that a file holding this line was written to its end (README's cron
	// recipe renames only such a file).
	family("muster_backup_check_complete", "1 when every RDS API call of the check succeeded, 0 when something could not be checked or the check could not run.")
	complete := 1
	if len(r.Errors) > 0 || r.Totals.Error > 0 {
		complete = 0
	}
	fmt.Fprintf(bw, "muster_backup_check_complete %d\n", complete)
	return bw.Flush()
}

// WriteNotRunPrometheus writes the exposition of a check that could not run at all (no
// credentials, no region, a policy file with problems): the instant at, one error, no
// units and muster_backup_check_complete 0, with the cause as a comment, so that an
// alert on an incomplete check fires instead of the metrics going quiet.
func WriteNotRunPrometheus(w io.Writer, at time.Time, cause error) error {
	if _, err := fmt.Fprintf(w, "# muster backup check could not run: %s\n", untrusted.Line(cause.Error())); err != nil {
		return err
	}
	r := Report{AsOf: at, Errors: []InventoryError{{Operation: "check", Code: "NotRun", Message: cause.Error()}}}
	return r.WritePrometheus(w)
}

// count is "1 unit", "2 units".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return strings.ReplaceAll(s, "\n", `\n`)
}
