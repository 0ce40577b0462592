package backup

import (
	"testing"
	"time"
)

func TestSaveAndLoadLast(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := LoadLast(dir); ok || err != nil {
		t.Fatalf("empty dir: %v %v", ok, err)
	}
	rep := Report{Schema: ReportSchema, AsOf: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Totals: Totals{Units: 3, Pass: 2, Fail: 1, Status: Fail}}
	if err := SaveLast(dir, &rep); err != nil {
		t.Fatal(err)
	}
	got, ok, err := LoadLast(dir)
	if err != nil || !ok || got.Totals.Fail != 1 || !got.AsOf.Equal(rep.AsOf) {
		t.Fatalf("LoadLast = %+v %v %v", got, ok, err)
	}
}
