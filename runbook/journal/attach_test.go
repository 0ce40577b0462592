package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeEvidence(t *testing.T, name string, content []byte, mtime time.Time) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAttachCopiesTheFileIntoTheStoreAndLeavesTheOriginal(t *testing.T) {
	j, dir := newIncident(t)
	content := []byte("Nov 23 12:01:02 web-3 sshd[811]: Accepted publickey for root from 203.0.113.9\n")
	mtime := time.Date(2026, 11, 23, 11, 2, 3, 0, time.UTC)
	src := writeEvidence(t, "auth.log", content, mtime)
	e, a, err := j.Attach("alice@laptop", src, map[string]any{"description": "sshd log from web-3"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])
	host, _ := os.Hostname()
	want := Attachment{Kind: KindFile, Path: src, Host: host, Size: int64(len(content)), Mode: "-rw-r--r--",
		ModTime: mtime, SHA256: hexSum, Blob: "attachments/sha256/" + hexSum,
		Meta: map[string]any{"description": "sshd log from web-3"}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("attachment\n%+v\nwant\n%+v", a, want)
	}
	if e.Type != TypeAttached || e.Actor != "alice@laptop" || e.Seq != 1 {
		t.Errorf("event %+v", e)
	}
	if got, err := e.Attachment(); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Event.Attachment() = %+v, %v", got, err)
	}
	blob := filepath.Join(dir, filepath.FromSlash(a.Blob))
	stored, err := os.ReadFile(blob)
	if err != nil || !bytes.Equal(stored, content) {
		t.Fatalf("blob holds %q, %v", stored, err)
	}
	if st, _ := os.Stat(blob); st.Mode() != 0o600 {
		t.Errorf("blob mode %v", st.Mode())
	}
	if st, _ := os.Stat(filepath.Dir(blob)); st.Mode() != 0o700|os.ModeDir {
		t.Errorf("store directory mode %v", st.Mode())
	}
	orig, _ := os.ReadFile(src)
	st, _ := os.Stat(src)
	if !bytes.Equal(orig, content) || !st.ModTime().Equal(mtime) || st.Mode() != 0o644 {
		t.Errorf("original changed: %q %v %v", orig, st.ModTime(), st.Mode())
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, AttachDir)); len(ents) != 1 {
		t.Errorf("attachments/ holds %d entries, want only sha256/ (no temporary files)", len(ents))
	}
	// The same content again is stored once, recorded twice.
	src2 := writeEvidence(t, "copy-of-auth.log", content, mtime)
	if _, a2, err := j.Attach("bob@desk", src2, nil); err != nil || a2.Blob != a.Blob {
		t.Fatalf("second attach: %+v %v", a2, err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(blob)); len(ents) != 1 {
		t.Errorf("store holds %d blobs, want 1", len(ents))
	}
	if r := mustVerify(t, dir); r.Attachments != 1 || r.Events != 2 {
		t.Errorf("report %+v", r)
	}
}

func TestAttachRecordsASymlinkWithoutFollowingIt(t *testing.T) {
	j, dir := newIncident(t)
	target := writeEvidence(t, "secret.key", []byte("-----BEGIN PRIVATE KEY-----"), time.Now())
	link := filepath.Join(t.TempDir(), "id_rsa")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, a, err := j.Attach("alice@laptop", link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != KindSymlink || a.Link != target || a.Path != link || a.SHA256 != "" || a.Blob != "" ||
		a.Size != int64(len(target)) || !strings.HasPrefix(a.Mode, "L") {
		t.Errorf("attachment %+v", a)
	}
	if _, err := os.Stat(filepath.Join(dir, AttachDir, blobDir)); err == nil {
		ents, _ := os.ReadDir(filepath.Join(dir, AttachDir, blobDir))
		if len(ents) != 0 {
			t.Errorf("the link's target was copied into the store")
		}
	}
	mustVerify(t, dir)
}

func TestAttachRefusesWhatIsNotAFile(t *testing.T) {
	j, dir := newIncident(t)
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{t.TempDir(), "is a directory, not a regular file"},
		{fifo, "is a named pipe"},
		{filepath.Join(t.TempDir(), "nope"), "no such file"},
	} {
		if _, _, err := j.Attach("alice@laptop", tc.path, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Attach(%s): %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, _, err := j.Attach("", fifo, nil); err == nil {
		t.Error("attach without an actor")
	}
	if r := mustVerify(t, dir); r.Events != 0 {
		t.Errorf("refused attachments appended %d events", r.Events)
	}
}

func TestAttachStreamsLargeFiles(t *testing.T) {
	j, dir := newIncident(t)
	src := filepath.Join(t.TempDir(), "memory.img")
	const size = 48 << 20
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("the end"), size-7) // sparse: cheap to make, 48 MB to read
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, a, err := j.Attach("alice@laptop", src, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != size {
		t.Errorf("size %d", a.Size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("attaching %d MB allocated %d MB: the file was not streamed", size>>20, alloc>>20)
	}
	if r := mustVerify(t, dir); r.Attachments != 1 {
		t.Errorf("report %+v", r)
	}
}

func TestVerifyFindsMissingAndChangedAttachments(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 2)
	_, a, err := j.Attach("alice@laptop", writeEvidence(t, "a.pcap", []byte("packets"), time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 1)
	blob := filepath.Join(dir, filepath.FromSlash(a.Blob))
	os.WriteFile(blob, []byte("pockets"), 0o600)
	r, _ := Verify(dir)
	p, _ := r.First()
	if r.OK() || p.Line != 3 || p.Seq != 3 || p.File != a.Blob || !strings.Contains(p.What, "attachment content changed") {
		t.Errorf("changed blob: %s", r.Summary())
	}
	os.Remove(blob)
	r, _ = Verify(dir)
	if p, _ := r.First(); r.OK() || p.Line != 3 || p.What != "attachment blob is missing" {
		t.Errorf("missing blob: %s", r.Summary())
	}
	if !strings.HasPrefix(r.Summary(), "line 3 (seq 3): attachments/sha256/") {
		t.Errorf("summary %q", r.Summary())
	}
}
