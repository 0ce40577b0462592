package team

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/journal/sshsig/sshsigtest"
)

func signingKey(t *testing.T, spec string) *sshsig.Key {
	t.Helper()
	k, err := sshsig.LoadKey(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// Alice (a key file) and Bob (through a real ssh-agent) sign the lines they write to
// a team incident: each signature goes to the store beside its line, Bob's mirror
// takes Alice's, and verify with the allowed signers names both on both machines;
// stock ssh-keygen accepts a signature read back from the store. A signature object
// that does not sign the store's line is caught by verify --remote.
func TestSignedTeamLines(t *testing.T) {
	sshsigtest.Need(t, "ssh-keygen", "ssh-agent")
	ak, bk := sshsigtest.NewKey(t, "ed25519"), sshsigtest.NewKey(t, "ecdsa")
	sshsigtest.StartAgent(t, bk)
	allowed := sshsigtest.AllowedSigners(t, map[string]sshsigtest.Key{"alice@laptop": ak, "bob@desk": bk})

	c := motoS3(t)
	makeBucket(t, c, "team-signed", false)
	s := New(c, Location{Bucket: "team-signed"})
	alice := &incident.Store{DataDir: t.TempDir(), Shared: s, Signer: signingKey(t, ak.Private)}
	bob := &incident.Store{DataDir: t.TempDir(), Shared: s, Signer: signingKey(t, bk.Public)}
	inc, err := alice.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	id := inc.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(inc.AddNote("paging the database team", ""))
	binc, err := bob.Open(id, "bob@desk")
	must(err)
	must(binc.AddNote("database team here", ""))
	must(binc.Close())
	must(inc.AddNote("thanks", ""))
	must(inc.Close())

	ctx := context.Background()
	seqs, err := s.SigSeqs(ctx, id)
	if err != nil || len(seqs) != 4 {
		t.Fatalf("signature objects in the store: %v, %v; want seqs 1-4", seqs, err)
	}
	must(bob.SyncIncident(id))
	r, err := bob.SyncSignatures(id)
	if err != nil || r.Fetched != 3 || r.Shared != 0 {
		t.Fatalf("bob's signature sync = %+v, %v; want alice's 3 fetched", r, err)
	}
	as, err := sshsig.ReadAllowedSigners(allowed)
	must(err)
	for who, dir := range map[string]string{"alice": inc.Dir, "bob": bob.Dir(id)} {
		if who == "alice" {
			_, err := alice.SyncSignatures(id)
			must(err)
		}
		rep, err := journal.VerifyContext(ctx, dir, journal.VerifyOptions{Signatures: as, RequireSigned: true})
		if err != nil || !rep.OK() || len(rep.Signers) != 2 {
			t.Fatalf("%s's mirror with the allowed signers: %+v, %v", who, rep, err)
		}
		rr, err := s.VerifyRemote(ctx, id, dir)
		if err != nil || !rr.OK() || rr.Signatures != 4 {
			t.Fatalf("%s: verify --remote = %+v, %v", who, rr, err)
		}
	}

	// ssh-keygen checks a signature as the store holds it.
	obj, err := s.Sigs(ctx, id, []uint64{3})
	must(err)
	sigs, _, err := journal.ReadSignatures(bob.Dir(id))
	must(err)
	sg := sigs[3][0]
	if !bytes.Contains(obj[3], []byte(sg.Key)) {
		t.Fatalf("the store's signature of seq 3 is not bob's entry: %s", obj[3])
	}
	sigFile := filepath.Join(t.TempDir(), "3.sig")
	must(os.WriteFile(sigFile, sshsig.Armor(sg.Sig), 0o600))
	if out, err := sshsigtest.Verify(t, allowed, "bob@desk", "muster-journal", sigFile, journal.ClaimMessage(3, sg.Hash, sg.Claims)); err != nil {
		t.Fatalf("ssh-keygen -Y verify of bob's line 3: %v\n%s", err, out)
	}

	// A signature that could not be shared with its line (the store went away) is
	// shared by the next sync.
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("team-signed"), Key: aws.String(s.SigKey(id, 2))})
	must(err)
	if r, err := alice.SyncSignatures(id); err != nil || r.Shared != 1 || r.Fetched != 0 {
		t.Fatalf("alice's sync with her seq 2 signature missing from the store = %+v, %v", r, err)
	}

	// A signature object replaced by the signature of another line (this bucket has
	// no Object Lock) is caught at its seq.
	other, err := s.Sigs(ctx, id, []uint64{1})
	must(err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-signed"), Key: aws.String(s.SigKey(id, 4)), Body: bytes.NewReader(other[1])})
	must(err)
	rr, err := s.VerifyRemote(ctx, id, bob.Dir(id))
	must(err)
	if text := problemsText(rr); rr.OK() || !strings.Contains(text, "seq 4") || !strings.Contains(text, "not a signature of the store's line") {
		t.Fatalf("verify --remote over a swapped signature:\n%s", text)
	}
}

// gatedSigs is the team store with its signature uploads held while gate is held.
type gatedSigs struct {
	*Store
	gate    sync.RWMutex
	reached chan uint64
}

func (g *gatedSigs) PublishSig(ctx context.Context, id string, seq uint64, line []byte) error {
	g.reached <- seq
	g.gate.RLock() // waits while the test holds the gate
	defer g.gate.RUnlock()
	return g.Store.PublishSig(ctx, id, seq, line)
}

// A signed line's answer does not wait for its signature: the note is saved and shared
// while the signature's upload is held, and Close waits for the upload.
func TestSignatureSharedAfterTheAnswer(t *testing.T) {
	sshsigtest.Need(t, "ssh-keygen")
	k := sshsigtest.NewKey(t, "ed25519")
	c := motoS3(t)
	makeBucket(t, c, "team-sig-after", false)
	g := &gatedSigs{Store: New(c, Location{Bucket: "team-sig-after"}), reached: make(chan uint64, 16)}
	st := &incident.Store{DataDir: t.TempDir(), Shared: g, Signer: signingKey(t, k.Private)}
	inc, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
		Severity: "high", Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	if seq := <-g.reached; seq != 1 {
		t.Fatalf("first signature upload for seq %d", seq)
	}
	g.gate.Lock()
	added := make(chan error, 1)
	go func() { added <- inc.AddNote("paging the database team", "") }()
	if seq := <-g.reached; seq != 2 {
		t.Fatalf("signature upload for seq %d, want 2", seq)
	}
	select { // the upload of seq 2's signature is held at the gate
	case err := <-added:
		if err != nil || !inc.Saved.Shared || inc.Saved.Seq != 2 {
			t.Fatalf("AddNote = %v, saved %+v", err, inc.Saved)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("AddNote waited for its signature's upload")
	}
	ctx := context.Background()
	if seqs, err := g.SigSeqs(ctx, inc.ID); err != nil || seqs[2] {
		t.Fatalf("signatures in the store while the upload is held: %v, %v", seqs, err)
	}
	g.gate.Unlock()
	if err := inc.Close(); err != nil {
		t.Fatal(err)
	}
	if seqs, err := g.SigSeqs(ctx, inc.ID); err != nil || !seqs[1] || !seqs[2] {
		t.Fatalf("signatures in the store after Close: %v, %v; want seqs 1 and 2", seqs, err)
	}
}
