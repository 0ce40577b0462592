package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/journal/sshsig/sshsigtest"
)

// BenchmarkSignLine is what one line's signature costs, off the append path: an
// Ed25519 key file, and the same key through a real ssh-agent (a socket round trip).
func BenchmarkSignLine(b *testing.B) {
	key := sshsigtest.NewKey(b, "ed25519")
	hash := Genesis
	b.Run("keyfile", func(b *testing.B) {
		k := loadKey(b, key.Private)
		for b.Loop() {
			if _, err := k.SignHash(hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("agent", func(b *testing.B) {
		startAgentB(b, key)
		k := loadKey(b, key.Public)
		for b.Loop() {
			if _, err := k.SignHash(hash); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// startAgentB is sshsigtest.StartAgent for a benchmark.
func startAgentB(b *testing.B, keys ...sshsigtest.Key) {
	b.Helper()
	sshsigtest.StartAgent(b, keys...)
}

// BenchmarkAppendSigned is Append with a signer: it returns after the fsync, the
// signature is made in the background (compare with BenchmarkAppend). "flushed" waits
// for the signature too, as a one-line CLI command does before it exits.
func BenchmarkAppendSigned(b *testing.B) {
	key := sshsigtest.NewKey(b, "ed25519")
	for _, via := range []string{"keyfile", "agent"} {
		for _, flushed := range []bool{false, true} {
			name := via
			if flushed {
				name += "/flushed"
			}
			b.Run(name, func(b *testing.B) {
				spec := key.Private
				if via == "agent" {
					startAgentB(b, key)
					spec = key.Public
				}
				j, _ := newIncident(b, WithClock(time.Now), WithSigner(loadKey(b, spec)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := j.Append("alice@laptop", "note", benchNote); err != nil {
						b.Fatal(err)
					}
					if flushed {
						if err := j.Flush(); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				if err := j.Flush(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkVerify100k compares verify of 100,000 realistic lines without signatures
// with verify --allowed-signers of the same lines, each signed (Ed25519).
func BenchmarkVerify100k(b *testing.B) {
	plain := benchJournal(b, "events", 0, 100_000)
	signed, allowed := signedBenchJournal(b, plain)
	b.Run("unsigned", func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			r, err := Verify(plain)
			if err != nil || !r.OK() || r.Events != 100_000 {
				b.Fatalf("%v %s", err, r.Summary())
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	})
	b.Run("allowed-signers", func(b *testing.B) {
		as, err := sshsig.ReadAllowedSigners(allowed)
		if err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		for b.Loop() {
			r, err := VerifyContext(context.Background(), signed, VerifyOptions{Signatures: as, RequireSigned: true})
			if err != nil || !r.OK() || len(r.Signers) != 1 || r.Signers[0].Lines != 100_000 {
				b.Fatalf("%v %s %+v", err, r.Summary(), r.Signers)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	})
}

// signedBenchJournal copies the journal in dir and signs every line (cached in the
// temp directory with its key and allowed_signers file).
func signedBenchJournal(b *testing.B, dir string) (string, string) {
	out := dir + "-signed2"
	allowed := filepath.Join(out, "allowed_signers")
	if _, err := os.Stat(allowed); err == nil {
		return out, allowed
	}
	b.StopTimer()
	defer b.StartTimer()
	tmp := out + ".tmp"
	os.RemoveAll(tmp)
	os.MkdirAll(filepath.Join(tmp, AttachDir), 0o700)
	key := sshsigtest.NewKey(b, "ed25519")
	k := loadKey(b, key.Private)
	data := readJournal(b, dir)
	head, _ := os.ReadFile(filepath.Join(dir, HeadName))
	os.WriteFile(filepath.Join(tmp, FileName), data, 0o600)
	os.WriteFile(filepath.Join(tmp, HeadName), head, 0o600)
	var lines []Signature
	for seq := uint64(1); len(data) > 0; seq++ {
		lines = append(lines, Signature{Seq: seq, Hash: string(data[hashOff : hashOff+hexLen])})
		data = data[bytes.IndexByte(data, '\n')+1:]
	}
	os.WriteFile(filepath.Join(tmp, SigName), signEntries(b, k, lines...), 0o600)
	// The generated lines name several actors: the key's principals allow them all.
	os.WriteFile(filepath.Join(tmp, "allowed_signers"), []byte("* "+key.AuthorizedKey+"\n"), 0o600)
	if err := os.Rename(tmp, out); err != nil {
		b.Fatal(err)
	}
	return out, allowed
}

// cpuTime is the CPU time this process has used, user and system: on a shared
// machine it says more than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
