package incident

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// ServicesFile is the services config in the data directory: what each service
// promises its customers, for the availability report.
const ServicesFile = "services.toml"

// ServicesSchema is the version of services.toml this muster reads.
const ServicesSchema = 1

// Service is one service and its availability commitment.
type Service struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// Target is the availability promised, in percent (99.8).
	Target float64 `json:"target"`
	// Period is what the target is measured over: "month" or "year" (the annual
	// average).
	Period string `json:"period"`
	// PartialWeight is how much a minute of partial outage counts, 0 (not at all) to 1
	// (as a full one), per the contract.
	PartialWeight float64 `json:"partial_weight"`
	// MonthlyFee, Currency and PenaltyPercent give the penalty due for a period below
	// the target: PenaltyPercent of the monthly fee.
	MonthlyFee     float64 `json:"monthly_fee"`
	Currency       string  `json:"currency,omitempty"`
	PenaltyPercent float64 `json:"penalty_percent"`
	// ClaimWorkingDays is how many working days after the end of the period the
	// customer has to claim the penalty in writing.
	ClaimWorkingDays int `json:"claim_working_days"`
	// Maintenance are planned windows that do not count as unavailability.
	Maintenance []Maintenance `json:"maintenance,omitempty"`
}

// Maintenance is a planned maintenance window.
type Maintenance struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Note  string    `json:"note,omitempty"`
}

// Services is the services config.
type Services struct {
	Source   string    `json:"source"`
	Services []Service `json:"services"`
}

// Names lists the services' names in file order.
func (s *Services) Names() []string {
	out := make([]string, 0, len(s.Services))
	for _, v := range s.Services {
		out = append(out, v.Name)
	}
	return out
}

// Service returns the service called name.
func (s *Services) Service(name string) (Service, bool) {
	for _, v := range s.Services {
		if v.Name == name {
			return v, true
		}
	}
	return Service{}, false
}

type servicesFile struct {
	Schema  int           `toml:"schema,required"`
	Service []serviceFile `toml:"service"`
}

type serviceFile struct {
	Name             string            `toml:"name,required"`
	Title            string            `toml:"title"`
	Target           float64           `toml:"target,required"`
	Period           string            `toml:"period"`
	PartialWeight    *float64          `toml:"partial_weight"`
	MonthlyFee       float64           `toml:"monthly_fee"`
	Currency         string            `toml:"currency"`
	PenaltyPercent   float64           `toml:"penalty_percent"`
	ClaimWorkingDays *int              `toml:"claim_working_days"`
	Maintenance      []maintenanceFile `toml:"maintenance"`
}

type maintenanceFile struct {
	Start time.Time `toml:"start,required"`
	End   time.Time `toml:"end,required"`
	Note  string    `toml:"note"`
}

var (
	// serviceName is checked with the length apart (validServiceName): a {0,63} here
	// compiles to 63 copies, paid at every muster start.
	serviceName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`) })
	currency    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{3}$`) })
)

// LoadServices reads a services config; a missing file is an error naming it.
func LoadServices(path string) (*Services, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no services config (see README: services.toml)", path)
		}
		return nil, err
	}
	return ParseServices(path, data)
}

// DefaultServices is <data dir>/services.toml, nil without error when it does not
// exist.
func DefaultServices(dataDir string) (*Services, error) {
	p := filepath.Join(dataDir, ServicesFile)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return LoadServices(p)
}

// ParseServices decodes and checks a services config (named file in messages). It
// reports every problem at once, each as file:line:col, as tomldoc.Problems.
func ParseServices(file string, data []byte) (*Services, error) {
	var f servicesFile
	doc, problems := tomldoc.Decode(file, data, &f)
	if len(problems) == 1 && len(problems[0].Msg) >= 11 && problems[0].Msg[:11] == "TOML syntax" {
		return nil, problems
	}
	add := func(msg string, path ...any) {
		p := doc.Problem(msg, path...)
		for _, q := range problems {
			if q.Line == p.Line && q.Col == p.Col && q.Line > 0 {
				return // decoding already said what is wrong there
			}
		}
		problems = append(problems, p)
	}
	if doc.Has("schema") && f.Schema != ServicesSchema {
		add(fmt.Sprintf("schema = %d is not supported; this muster reads schema = %d", f.Schema, ServicesSchema), "schema")
	}
	out := &Services{Source: file}
	seen := map[string]int{}
	for i, sf := range f.Service {
		at := func(key string, more ...any) []any { return append([]any{"service", i, key}, more...) }
		s := Service{Name: sf.Name, Title: untrusted.Line(sf.Title), Target: sf.Target, Period: sf.Period, PartialWeight: 1,
			MonthlyFee: sf.MonthlyFee, Currency: sf.Currency, PenaltyPercent: sf.PenaltyPercent, ClaimWorkingDays: 5}
		if sf.Name != "" && !validServiceName(sf.Name) {
			add(fmt.Sprintf("service name %q: use lowercase letters, digits, '.', '_' and '-' (at most 64)", untrusted.Line(sf.Name)), at("name")...)
		}
		if j, dup := seen[sf.Name]; dup && sf.Name != "" {
			add(fmt.Sprintf("service %q is defined twice (also service[%d])", sf.Name, j), at("name")...)
		}
		seen[sf.Name] = i
		if doc.Has(at("target")...) && (sf.Target <= 0 || sf.Target >= 100 || math.IsNaN(sf.Target)) {
			add(fmt.Sprintf("target = %g: an availability in percent, above 0 and below 100 (99.8)", sf.Target), at("target")...)
		}
		switch sf.Period {
		case "":
			s.Period = "month"
		case "month", "year":
		default:
			add(fmt.Sprintf("period = %q: want \"month\" or \"year\"", sf.Period), at("period")...)
		}
		if sf.PartialWeight != nil {
			s.PartialWeight = *sf.PartialWeight
			if s.PartialWeight < 0 || s.PartialWeight > 1 || math.IsNaN(s.PartialWeight) {
				add(fmt.Sprintf("partial_weight = %g: from 0 (a partial outage does not count) to 1 (counts as a full one)", s.PartialWeight), at("partial_weight")...)
			}
		}
		if sf.MonthlyFee < 0 || math.IsNaN(sf.MonthlyFee) || math.IsInf(sf.MonthlyFee, 0) {
			add(fmt.Sprintf("monthly_fee = %g: must be 0 or more", sf.MonthlyFee), at("monthly_fee")...)
		}
		if sf.Currency != "" && !currency().MatchString(sf.Currency) {
			add(fmt.Sprintf("currency = %q: an ISO 4217 code such as EUR or USD", untrusted.Line(sf.Currency)), at("currency")...)
		}
		if sf.PenaltyPercent < 0 || sf.PenaltyPercent > 100 || math.IsNaN(sf.PenaltyPercent) {
			add(fmt.Sprintf("penalty_percent = %g: from 0 to 100", sf.PenaltyPercent), at("penalty_percent")...)
		}
		if sf.PenaltyPercent > 0 && sf.MonthlyFee == 0 && doc.Has(at("penalty_percent")...) {
			add("penalty_percent is set but monthly_fee is not: the penalty is a share of the monthly fee", at("penalty_percent")...)
		}
		if sf.ClaimWorkingDays != nil {
			s.ClaimWorkingDays = *sf.ClaimWorkingDays
			if s.ClaimWorkingDays < 1 || s.ClaimWorkingDays > 365 {
				add(fmt.Sprintf("claim_working_days = %d: from 1 to 365", s.ClaimWorkingDays), at("claim_working_days")...)
			}
		}
		for k, m := range sf.Maintenance {
			if !m.Start.IsZero() && !m.End.IsZero() && !m.End.After(m.Start) {
				add("the maintenance window ends before it starts", at("maintenance", k, "end")...)
			}
			s.Maintenance = append(s.Maintenance, Maintenance{Start: m.Start.UTC(), End: m.End.UTC(), Note: untrusted.Line(m.Note)})
		}
		out.Services = append(out.Services, s)
	}
	if len(f.Service) == 0 && len(problems) == 0 {
		add("no [[service]]: name at least one service and its target")
	}
	problems.Sort()
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// validServiceName: a lower-case letter or digit, then up to 63 of those and . _ -.
func validServiceName(s string) bool { return len(s) <= 64 && serviceName().MatchString(s) }
