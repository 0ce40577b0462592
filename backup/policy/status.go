package policy

// Status is the verdict of a check or unit. It lives with the policy because a policy
// names verdicts (stopped = "warn", unowned = "fail", restore_test_missed = "fail").
type Status string

const (
	Pass  Status = "pass"
	Warn  Status = "warn"
	Fail  Status = "fail"
	Skip  Status = "skip"
	Error Status = "error" // could not be checked: never pass, never fail
)

// Symbol is a one-character mark that reads without colour: ✔ ⚠ ✘ – !.
func (s Status) Symbol() string {
	switch s {
	case Pass:
		return "✔"
	case Warn:
		return "⚠"
	case Fail:
		return "✘"
	case Skip:
		return "–"
	case Error:
		return "!"
	}
	return "?"
}
