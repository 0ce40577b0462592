package scenarios

import (
	"bytes"
	"encoding/csv"

	"strings"
	"testing"

	"github.com/muster-ir/muster/internal/golden"
)

func TestMSELListsEveryInjectInDeliveryOrder(t *testing.T) {
	rb := testRunbook(t)
	sc, problems := LoadFile("testdata/golden-drill.toml", Env{Runbooks: OneRunbook{rb}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rows := MSEL(sc)
	if len(rows) != len(sc.Injects) {
		t.Fatalf("%d rows for %d injects", len(rows), len(sc.Injects))
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Earliest < rows[i-1].Earliest {
			t.Errorf("row %d (%s at %v) before row %d (%s at %v)", i, rows[i].Inject, rows[i].Earliest, i-1, rows[i-1].Inject, rows[i-1].Earliest)
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(MSELCSV(sc))).ReadAll()
	if err != nil || len(recs) != len(rows)+1 || recs[0][10] != "expected player action" {
		t.Fatalf("CSV: %v, %d records", err, len(recs))
	}
	golden.AssertFile(t, "msel.csv", MSELCSV(sc))
	golden.AssertFile(t, "msel.md", MSELMarkdown(sc))
}

// A spreadsheet opening the CSV runs no formula a scenario author (or a recorded
// incident's note) smuggled in.
func TestMSELCSVDefusesFormulas(t *testing.T) {
	sc := parseScenario(t, strings.Replace(timedInjects, `title = "First"`, `title = "=HYPERLINK(\"http://x\")"`, 1))
	out := string(MSELCSV(sc))
	if strings.Contains(out, ",=HYPERLINK") || !strings.Contains(out, `'=HYPERLINK`) {
		t.Errorf("formula not defused:\n%s", out)
	}
}
