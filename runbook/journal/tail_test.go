package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// ReadEventsAfter, without the lock, reads what EventsAfter reads with it, while the
// writer holds the lock; a line being written is left out, and a mark that is not
// where its line is says so.
func TestReadEventsAfterWithoutTheLock(t *testing.T) {
	j, dir := newIncident(t)
	for _, text := range []string{"one", "two", "three"} {
		if _, err := j.Append("tester@host", "note", map[string]string{"text": text}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := j.LastMark()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"four", "five"} {
		if _, err := j.Append("tester@host", "note", map[string]string{"text": text}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := j.EventsAfter(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadEventsAfter(context.Background(), dir, m)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadEventsAfter = %d events, %v; want the %d EventsAfter reads", len(got), err, len(want))
	}

	// A line half written by the lock holder is not read.
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":6,"prev":"`)
	f.Close()
	if got, err := ReadEventsAfter(context.Background(), dir, m); err != nil || len(got) != 2 {
		t.Fatalf("with a line being written: %d events, %v; want the 2 complete ones", len(got), err)
	}

	moved := m
	moved.Start, moved.End = m.Start-5, m.End-5
	if _, err := ReadEventsAfter(context.Background(), dir, moved); !errors.Is(err, ErrMarkMoved) {
		t.Fatalf("a mark off its line = %v, want ErrMarkMoved", err)
	}
	moved = m
	moved.Hash = Genesis
	if _, err := ReadEventsAfter(context.Background(), dir, moved); !errors.Is(err, ErrMarkMoved) {
		t.Fatalf("a mark of another hash = %v, want ErrMarkMoved", err)
	}
}
