package main

import (
	"strings"
	"testing"
)

// TestPolicyShowPrintsTheRules: `policy show PRESET` prints a preset in full, examples
// and the rules of its description included, since the embedded runbooks send the
// reader there ("`muster policy show ir-four-level`") instead of citing a document that
// is not in the repository.
func TestPolicyShowPrintsTheRules(t *testing.T) {
	c := newCLI(t)
	for preset, wants := range map[string][]string{
		"ir-four-level": {"critical escalates at once to: incident lead → backup incident lead → leadership",
			"\nExamples:\n", "  critical: Confirmed unauthorized access to customer data; Platform down for all users\n",
			"  high: Vulnerability under active exploitation; Major feature unavailable\n",
			"Every escalation is logged with timestamp and reason.\n"},
		"service-desk-security": {"  serious: Mail server used to send spam\n",
			"Every customer is informed by e-mail of an IT security incident.",
			"nothing may be done that invalidates evidence."},
		"working-days": {"30 working days", "may claim 30 % of the monthly fee, in writing within 5 working days.\n"},
	} {
		out := c.ok("policy", "show", preset)
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("policy show %s lacks %q:\n%s", preset, want, out)
			}
		}
		if strings.Contains(out, "\n\n\n") {
			t.Errorf("policy show %s has two blank lines in a row:\n%s", preset, out)
		}
	}
}
