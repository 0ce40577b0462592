package sshsig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"
)

// Signer is one entry of an allowed_signers file: who may sign with which key.
type Signer struct {
	// Principals is the entry's principals field as written ("alice@example.com,alice@*").
	Principals string
	patterns   []string
	Key        ssh.PublicKey
	// Namespaces, when not empty, limits the namespaces the key may sign in.
	Namespaces []string
	// ValidAfter and ValidBefore, when not zero, bound when a signature may have been made.
	ValidAfter, ValidBefore time.Time
	File                    string
	Line                    int
}

// AllowedSigners is an OpenSSH allowed_signers file (the one git's
// gpg.ssh.allowedSignersFile names): one line per principals and key.
type AllowedSigners struct {
	byKey map[string][]*Signer // key blob -> entries
	keys  sync.Map             // string(key blob inside a signature) -> parsed ssh.PublicKey
}

// ParseError lists every problem of an allowed_signers file, one per line.
type ParseError struct{ Problems []string }

func (e *ParseError) Error() string { return strings.Join(e.Problems, "\n") }

// ReadAllowedSigners reads an allowed_signers file. Every malformed line is reported
// (file:line:col) in one *ParseError.
func ReadAllowedSigners(path string) (*AllowedSigners, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read allowed signers: %w", err)
	}
	return ParseAllowedSigners(path, b)
}

// ParseAllowedSigners parses the content of an allowed_signers file named path.
func ParseAllowedSigners(path string, b []byte) (*AllowedSigners, error) {
	as := &AllowedSigners{byKey: map[string][]*Signer{}}
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Text()
		line := strings.TrimLeft(raw, " \t")
		col := len(raw) - len(line) + 1
		if line == "" || line[0] == '#' {
			continue
		}
		s, at, err := parseSignerLine(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %v", path, n, col+at, err))
			continue
		}
		s.File, s.Line = path, n
		k := string(s.Key.Marshal())
		as.byKey[k] = append(as.byKey[k], s)
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, fmt.Sprintf("%s:%d: %v", path, n+1, err))
	}
	if len(problems) > 0 {
		return nil, &ParseError{Problems: problems}
	}
	if len(as.byKey) == 0 {
		return nil, fmt.Errorf("%s: no signers: the file lists no principals and keys", path)
	}
	return as, nil
}

// parseSignerLine reads "principals [options] keytype base64 [comment]". at is the
// byte offset of a problem in line.
func parseSignerLine(line string) (*Signer, int, error) {
	var principals, rest string
	if line[0] == '"' {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return nil, 0, errors.New("unterminated quoted principals")
		}
		principals, rest = line[1:1+end], line[2+end:]
	} else {
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return nil, len(line), errors.New("expected principals then a key")
		}
		principals, rest = line[:i], line[i:]
	}
	at := len(line) - len(strings.TrimLeft(rest, " \t"))
	rest = strings.TrimLeft(rest, " \t")
	if principals == "" {
		return nil, 0, errors.New("empty principals")
	}
	s := &Signer{Principals: principals}
	for _, p := range strings.Split(principals, ",") {
		if p == "" {
			return nil, 0, fmt.Errorf("principals %q has an empty entry", principals)
		}
		s.patterns = append(s.patterns, p)
	}
	// ParseAuthorizedKey reads "[options] keytype base64 [comment]" the way sshd does.
	key, _, opts, tail, err := ssh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return nil, at, fmt.Errorf("expected [options] keytype base64-key after the principals: %v", err)
	}
	if len(bytes.TrimSpace(tail)) > 0 {
		return nil, at, errors.New("one signer per line")
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return nil, at, errors.New("a certificate is not a signer key")
	}
	for _, o := range opts {
		name, val, hasVal := strings.Cut(o, "=")
		name = strings.ToLower(name)
		if hasVal {
			if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
				return nil, at, fmt.Errorf("option %s: the value must be quoted", name)
			}
			val = val[1 : len(val)-1]
		}
		switch {
		case name == "cert-authority" && !hasVal:
			return nil, at, errors.New("cert-authority entries are not supported: list the signers' own keys")
		case name == "namespaces" && hasVal:
			s.Namespaces = strings.Split(val, ",")
		case (name == "valid-after" || name == "valid-before") && hasVal:
			t, err := parseValidity(val)
			if err != nil {
				return nil, at, fmt.Errorf("option %s: %v", name, err)
			}
			if name == "valid-after" {
				s.ValidAfter = t
			} else {
				s.ValidBefore = t
			}
		default:
			return nil, at, fmt.Errorf("unknown option %q (known: namespaces=\"...\", valid-after=\"...\", valid-before=\"...\")", o)
		}
	}
	s.Key = key
	return s, 0, nil
}

// parseValidity reads YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]; without Z it is local time,
// as in ssh-keygen.
func parseValidity(v string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		loc, v = time.UTC, v[:len(v)-1]
	}
	for _, layout := range []string{"20060102", "200601021504", "20060102150405"} {
		if len(v) == len(layout) {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]", v)
}

// Match reports whether name matches the entry's principals (OpenSSH patterns: * and
// ?, a leading ! negates).
func (s *Signer) Match(name string) bool {
	ok := false
	for _, p := range s.patterns {
		if neg := strings.HasPrefix(p, "!"); neg {
			if glob(p[1:], name) {
				return false
			}
			continue
		}
		if glob(p, name) {
			ok = true
		}
	}
	return ok
}

// allows reports why the entry does not allow a signature in namespace at t, or nil.
func (s *Signer) allows(namespace string, t time.Time) error {
	if len(s.Namespaces) > 0 {
		ok := false
		for _, ns := range s.Namespaces {
			ok = ok || glob(ns, namespace)
		}
		if !ok {
			return fmt.Errorf("%s:%d allows namespaces %s, not %s", s.File, s.Line, strings.Join(s.Namespaces, ","), namespace)
		}
	}
	if !t.IsZero() && !s.ValidAfter.IsZero() && t.Before(s.ValidAfter) {
		return fmt.Errorf("%s:%d: the key is valid only after %s", s.File, s.Line, s.ValidAfter.UTC().Format(time.RFC3339))
	}
	if !t.IsZero() && !s.ValidBefore.IsZero() && !t.Before(s.ValidBefore) {
		return fmt.Errorf("%s:%d: the key was valid only before %s", s.File, s.Line, s.ValidBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// glob matches OpenSSH's wildcard patterns: * any run, ? any one character.
func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for p = p[1:]; len(p) > 0 && p[0] == '*'; p = p[1:] {
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if glob(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			p, s = p[1:], s[n:]
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// ErrUnknownKey is returned when a valid signature was made by a key the file does
// not list.
var ErrUnknownKey error = unknownKeyError{}

type unknownKeyError struct{}

func (unknownKeyError) Error() string { return "signed by a key allowed_signers does not list" }

// UnknownKey tells the journal's verify that the signature itself was good.
func (unknownKeyError) UnknownKey() bool { return true }

// Check verifies blob over msg in namespace, made at t (zero: not checked against
// validity dates), and returns the entry of the key that made it. actorOK says
// whether actor matches that entry's principals.
func (as *AllowedSigners) Check(blob []byte, namespace string, msg []byte, t time.Time, actor string) (signer *Signer, actorOK bool, err error) {
	pub, env, sig, err := as.parseCached(blob)
	if err != nil {
		return nil, false, err
	}
	if env.Namespace != namespace {
		return nil, false, fmt.Errorf("signature is for namespace %q, not %q", env.Namespace, namespace)
	}
	data, err := toSign(namespace, env.HashAlg, msg)
	if err != nil {
		return nil, false, err
	}
	if err := pub.Verify(data, sig); err != nil {
		return nil, false, fmt.Errorf("signature does not match (key %s)", ssh.FingerprintSHA256(pub))
	}
	entries := as.byKey[string(pub.Marshal())]
	if len(entries) == 0 {
		return nil, false, fmt.Errorf("%w: %s %s", ErrUnknownKey, pub.Type(), ssh.FingerprintSHA256(pub))
	}
	return pick(entries, namespace, t, actor)
}

// pick returns the entry of a key that allows a signature in namespace at t, one
// whose principals match actor if there is one.
func pick(entries []*Signer, namespace string, t time.Time, actor string) (signer *Signer, actorOK bool, err error) {
	var why error
	for _, s := range entries {
		if e := s.allows(namespace, t); e != nil {
			why = e
			continue
		}
		if actor == "" || s.Match(actor) {
			return s, true, nil
		}
		if signer == nil {
			signer = s
		}
	}
	if signer == nil {
		return nil, false, why
	}
	return signer, false, nil
}

// parseCached is parse with the public key decoded once per distinct key: a journal
// signed by a handful of people carries the same key in every signature.
func (as *AllowedSigners) parseCached(blob []byte) (ssh.PublicKey, envelope, *ssh.Signature, error) {
	return decode(blob, &as.keys)
}

// CheckSignature checks a journal line's signature (journal.SignatureChecker): sig
// over the line's hash in NamespaceJournal, at the line's time. It returns the
// principals of the key's entry.
func (as *AllowedSigners) CheckSignature(hash string, sig []byte, actor string, at time.Time) (string, bool, error) {
	s, ok, err := as.Check(sig, NamespaceJournal, []byte(hash), at, actor)
	if err != nil {
		return "", false, err
	}
	return s.Principals, ok, nil
}

// CheckMessage checks a journal.sigs signature over msg in NamespaceJournal, made by
// the key whose fingerprint is key (as journal.sigs names it). It returns, for that
// key, who signed a line written by an actor at a time: the principals of its entry,
// whether actor matches them, or why the entry does not allow the time.
func (as *AllowedSigners) CheckMessage(msg, blob []byte, key string) (func(actor string, at time.Time) (string, bool, error), error) {
	pub, env, sig, err := as.parseCached(blob)
	if err != nil {
		return nil, err
	}
	if fp := ssh.FingerprintSHA256(pub); fp != key {
		return nil, fmt.Errorf("signature made by key %s, not by %s as %s says", fp, key, "journal.sigs")
	}
	if env.Namespace != NamespaceJournal {
		return nil, fmt.Errorf("signature is for namespace %q, not %q", env.Namespace, NamespaceJournal)
	}
	data, err := toSign(NamespaceJournal, env.HashAlg, msg)
	if err != nil {
		return nil, err
	}
	if err := pub.Verify(data, sig); err != nil {
		return nil, fmt.Errorf("signature does not match (key %s)", key)
	}
	entries := as.byKey[string(pub.Marshal())]
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownKey, pub.Type(), key)
	}
	return func(actor string, at time.Time) (string, bool, error) {
		s, ok, err := pick(entries, NamespaceJournal, at, actor)
		if err != nil {
			return "", false, err
		}
		return s.Principals, ok, nil
	}, nil
}
