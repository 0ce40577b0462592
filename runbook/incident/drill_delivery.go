package incident

import "fmt"

// EvDrillDelivery records an inject that could not be delivered to a role's webhook
// (chat) after every retry. Package scenarios delivers injects off the drill clock's
// path and writes this record; a delivery that succeeds leaves no record.
const EvDrillDelivery = "drill.delivery"

// DrillDelivery is a failed delivery of an inject to a role's webhook. Target is the
// webhook's scheme and host only: the full URL of a chat webhook is a secret and never
// goes into the journal.
type DrillDelivery struct {
	Inject   string `json:"inject"`
	Role     string `json:"role"`
	Target   string `json:"target"`
	Format   string `json:"format"` // slack or json
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
	Drill    int64  `json:"drill_ns"` // when the inject fired, in drill time
}

func (DrillDelivery) EventType() string { return EvDrillDelivery }

func (p DrillDelivery) check() error {
	return need("inject", p.Inject, "role", p.Role, "error", p.Error)
}

func (p DrillDelivery) describe() string {
	return fmt.Sprintf("inject %s not delivered to role %s (%s webhook %s) after %d attempt(s): %s",
		p.Inject, p.Role, p.Format, p.Target, p.Attempts, p.Error)
}
