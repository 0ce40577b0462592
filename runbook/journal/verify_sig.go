package journal

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// sigCheck is what Verify knows of signatures; the workers read it concurrently.
type sigCheck struct {
	sigs    map[uint64][]Signature // nil when journal.sigs is missing or empty
	checker SignatureChecker       // nil: signatures are counted, not checked
	require bool
}

// sigResult is what a worker found of one line's signatures.
type sigResult struct {
	n          int      // signatures naming the line's seq
	principals []string // of the valid ones (checked), or "" per entry (unchecked)
	bad        []string // what is wrong with the others
}

// line checks the signatures naming f's seq against the line.
func (sc *sigCheck) line(f *lineFields) sigResult {
	entries := sc.sigs[f.seq]
	if len(entries) == 0 {
		return sigResult{}
	}
	r := sigResult{n: len(entries)}
	hash := string(f.hash)
	for _, s := range entries {
		if s.Hash != hash {
			r.bad = append(r.bad, fmt.Sprintf("%s holds a signature of seq %d with hash %s, not this line's hash (the line was rewritten after it was signed)", SigName, f.seq, s.Hash))
			continue
		}
		if sc.checker == nil {
			r.principals = append(r.principals, "")
			continue
		}
		actor := string(f.actor)
		if f.actorEsc {
			actor = unescape(f.actor)
		}
		t, _ := parseTime(f.time)
		p, ok, err := sc.checker.CheckSignature(hash, s.Sig, actor, t)
		switch {
		case err != nil:
			r.bad = append(r.bad, "bad signature: "+err.Error())
			continue
		case !ok && string(f.typ) != TypeRecovered:
			// recovered events name muster itself as actor; the key says who ran it.
			r.bad = append(r.bad, fmt.Sprintf("actor %q is not among the principals %q of the key that signed the line", actor, p))
		}
		r.principals = append(r.principals, p)
	}
	return r
}

// signed takes one intact-or-not parsed line's signature result, in line order.
func (v *verifier) signed(res sigResult, seq uint64) {
	for _, b := range res.bad {
		v.problem(Problem{Line: v.line, Seq: seq, What: b})
	}
	if len(res.principals) == 0 {
		if len(res.bad) > 0 {
			return // a problem already
		}
		r := v.r
		if n := len(r.Unsigned); n > 0 && r.Unsigned[n-1].To == v.line-1 {
			r.Unsigned[n-1].To = v.line
		} else {
			r.Unsigned = append(r.Unsigned, LineRange{v.line, v.line})
		}
		if v.sig.require {
			v.problem(Problem{Line: v.line, Seq: seq, What: "not signed, and every line must be"})
		}
		return
	}
	if v.signers == nil {
		v.signers = map[string]int{}
	}
	for i, p := range res.principals {
		if !slices.Contains(res.principals[:i], p) {
			v.signers[p]++
		}
	}
}

// finishSigs lists the signers and reports signatures for lines the journal lacks.
func (v *verifier) finishSigs() {
	for p, n := range v.signers {
		if p == "" && v.sig.checker == nil {
			continue // unchecked: counted in Signatures only
		}
		v.r.Signers = append(v.r.Signers, SignerLines{Principal: p, Lines: n})
	}
	sort.Slice(v.r.Signers, func(a, b int) bool { return v.r.Signers[a].Principal < v.r.Signers[b].Principal })
	var beyond []string
	for seq := range v.sig.sigs {
		if seq > v.r.LastSeq {
			beyond = append(beyond, fmt.Sprint(seq))
		}
	}
	if len(beyond) > 0 {
		sort.Strings(beyond)
		v.problem(Problem{File: SigName, What: fmt.Sprintf("signatures for seq %s, which the journal does not hold (lines were removed from its end)", strings.Join(beyond, ", "))})
	}
}
