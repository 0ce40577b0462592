package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/incident"
)

// Recording an outage window from the incident screen (o, or "record an outage window"
// in the palette), with the checks of `muster incident impact`: the service is one of
// services.toml (read in a command, when the key is pressed), times are RFC 3339 with
// their zone or "now", the end is optional (still down) and after the start, none in
// the future, never on a drill.

const dlgImpact dialogKind = "impact"

// impactServicesMsg carries the service names of services.toml (nil: there is none, any
// name is taken) for the impact dialog.
type impactServicesMsg struct {
	req   int
	id    string
	names []string
	err   error
}

func loadImpactServices(req int, store *incident.Store, id string) tea.Cmd {
	return func() tea.Msg {
		svc, err := incident.DefaultServices(store.DataDir)
		msg := impactServicesMsg{req: req, id: id, err: err}
		if svc != nil {
			msg.names = svc.Names()
		}
		return msg
	}
}

// askImpact is the key: the services are read first.
func (m *Model) askImpact() tea.Cmd {
	if m.inc.state.Drill {
		m.flash = flash{text: "a drill records no outage windows: availability is measured on real incidents only", err: true}
		return nil
	}
	m.inc.impactReq = m.req()
	return loadImpactServices(m.inc.impactReq, m.deps.Store, m.inc.id)
}

func (m *Model) onImpactServices(msg impactServicesMsg) tea.Cmd {
	if msg.req != m.inc.impactReq || m.screen != screenIncident || msg.id != m.inc.id || m.inc.dialog != nil {
		return nil
	}
	if msg.err != nil {
		m.flash = flash{text: "services.toml: " + errText(msg.err), err: true}
		return nil
	}
	d := m.impactDialog(msg.names)
	return m.openDialog(d)
}

func (m *Model) impactDialog(services []string) *dialog {
	var svc field
	if len(services) > 0 {
		notes := make([]string, len(services))
		for i := range notes {
			notes[i] = "in services.toml"
		}
		svc = newChoice("Service", services, notes, 0)
	} else {
		svc = newLine("Service", "any name (no services.toml)", "", true, m.styles)
	}
	example := m.now.UTC().Truncate(60e9).Format("2006-01-02T15:04Z")
	return &dialog{kind: dlgImpact, draft: "impact", title: "Record an outage window",
		intro: "From the metrics: the first minute of failure is the start. Times in RFC 3339 with their zone, or now.",
		fields: []field{
			svc,
			newLine("Start", example+" or 2026-11-27T09:58+01:00", "", true, m.styles),
			newLine("End (empty: still down)", "now, or when it was back", "", false, m.styles),
			newChoice("Level", []string{incident.ImpactFull, incident.ImpactPartial},
				[]string{"the service was unavailable", "degraded: counts with the service's partial weight"}, 0),
			newLine("Note", "where the times come from, e.g. the load balancer's 5xx graph", "", false, m.styles),
		}}
}

// submitImpact writes the impact dialog; ok is false for another kind.
func (m *Model) submitImpact(d *dialog) (tea.Cmd, bool) {
	if d.kind != dlgImpact {
		return nil, false
	}
	start, err := incident.ParseInstant(d.value(1), m.now)
	if err != nil {
		d.saving, d.err = false, "start: "+err.Error()
		return nil, true
	}
	end, err := incident.ParseInstant(d.value(2), m.now)
	if err != nil {
		d.saving, d.err = false, "end: "+err.Error()
		return nil, true
	}
	o := incident.ImpactOptions{Service: strings.TrimSpace(d.value(0)), Start: start, End: end, Level: d.value(3), Note: d.value(4)}
	if d.fields[0].kind == fieldChoice {
		o.Services = d.fields[0].choices
	}
	return m.act("outage window of "+clean(o.Service)+" recorded", d.draft, "", func(inc *incidentWriter) error {
		_, err := inc.RecordImpact(o)
		return err
	}), true
}
