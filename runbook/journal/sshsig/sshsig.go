// Package sshsig signs and checks muster's evidence with SSH keys, in OpenSSH's SSHSIG
// format (PROTOCOL.sshsig), so that stock `ssh-keygen -Y verify` checks what muster
// signed. Keys come from ssh-agent or a key file through golang.org/x/crypto/ssh; this
// package only builds the SSHSIG envelope around the library's signatures, reads
// OpenSSH allowed_signers files, and adapts both to the journal's Signer and
// SignatureChecker.
package sshsig

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Namespaces muster signs in. A signature made for one is refused for the other.
const (
	// NamespaceJournal is what signatures of journal lines are made in.
	NamespaceJournal = "muster-journal"
	// NamespaceHead is for published heads (`muster evidence head`).
	NamespaceHead = "muster-head"
	// NamespaceFile is for detached signatures of exported files (SHA256SUMS.sig).
	NamespaceFile = "file"
)

const (
	magic      = "SSHSIG"
	sigVersion = 1
	hashAlg    = "sha512" // what ssh-keygen -Y sign uses by default
	armorBegin = "-----BEGIN SSH SIGNATURE-----"
	armorEnd   = "-----END SSH SIGNATURE-----"
)

// envelope is the SSHSIG blob after the 6-byte magic preamble.
type envelope struct {
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  string
	HashAlg   string
	Signature []byte
}

// signedData is what the key actually signs, after the magic preamble.
type signedData struct {
	Namespace string
	Reserved  string
	HashAlg   string
	Hash      []byte
}

func toSign(namespace, alg string, msg []byte) ([]byte, error) {
	var h []byte
	switch alg {
	case "sha512":
		s := sha512.Sum512(msg)
		h = s[:]
	case "sha256":
		s := sha256.Sum256(msg)
		h = s[:]
	default:
		return nil, fmt.Errorf("hash algorithm %q is not sha256 or sha512", alg)
	}
	return append([]byte(magic), ssh.Marshal(signedData{Namespace: namespace, HashAlg: alg, Hash: h})...), nil
}

// Sign signs msg with s in namespace and returns the binary SSHSIG blob (Armor makes
// the text form ssh-keygen reads). RSA keys sign with rsa-sha2-512, never SHA-1.
func Sign(s ssh.Signer, namespace string, msg []byte) ([]byte, error) {
	data, err := toSign(namespace, hashAlg, msg)
	if err != nil {
		return nil, err
	}
	pub := s.PublicKey()
	var sig *ssh.Signature
	if pub.Type() == ssh.KeyAlgoRSA {
		as, ok := s.(ssh.AlgorithmSigner)
		if !ok {
			return nil, errors.New("this RSA key cannot sign with rsa-sha2-512")
		}
		sig, err = as.SignWithAlgorithm(rand.Reader, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = s.Sign(rand.Reader, data)
	}
	if err != nil {
		return nil, fmt.Errorf("sign with %s key %s: %w", pub.Type(), ssh.FingerprintSHA256(pub), err)
	}
	blob := ssh.Marshal(envelope{
		Version: sigVersion, PublicKey: pub.Marshal(), Namespace: namespace, HashAlg: hashAlg,
		Signature: ssh.Marshal(sig),
	})
	return append([]byte(magic), blob...), nil
}

// Verify checks that blob is a valid SSHSIG signature of msg in namespace and returns
// the key that made it. It does not say whether that key is trusted: see
// AllowedSigners.
func Verify(blob []byte, namespace string, msg []byte) (ssh.PublicKey, error) {
	pub, env, sig, err := parse(blob)
	if err != nil {
		return nil, err
	}
	if env.Namespace != namespace {
		return pub, fmt.Errorf("signature is for namespace %q, not %q", env.Namespace, namespace)
	}
	data, err := toSign(namespace, env.HashAlg, msg)
	if err != nil {
		return pub, err
	}
	if err := pub.Verify(data, sig); err != nil {
		return pub, fmt.Errorf("signature does not match (key %s): %w", ssh.FingerprintSHA256(pub), err)
	}
	return pub, nil
}

// parse decodes an SSHSIG blob.
func parse(blob []byte) (ssh.PublicKey, envelope, *ssh.Signature, error) { return decode(blob, nil) }

// decode is parse with an optional cache of parsed public keys.
func decode(blob []byte, keys *sync.Map) (ssh.PublicKey, envelope, *ssh.Signature, error) {
	var env envelope
	if !bytes.HasPrefix(blob, []byte(magic)) {
		return nil, env, nil, errors.New("not an SSHSIG signature (no SSHSIG preamble)")
	}
	if err := ssh.Unmarshal(blob[len(magic):], &env); err != nil {
		return nil, env, nil, fmt.Errorf("malformed SSHSIG signature: %w", err)
	}
	if env.Version != sigVersion {
		return nil, env, nil, fmt.Errorf("SSHSIG version %d is not supported", env.Version)
	}
	var pub ssh.PublicKey
	if keys != nil {
		if v, ok := keys.Load(string(env.PublicKey)); ok {
			pub = v.(ssh.PublicKey)
		}
	}
	if pub == nil {
		p, err := ssh.ParsePublicKey(env.PublicKey)
		if err != nil {
			return nil, env, nil, fmt.Errorf("malformed public key in signature: %w", err)
		}
		if _, ok := p.(*ssh.Certificate); ok {
			return nil, env, nil, errors.New("signatures by SSH certificates are not supported")
		}
		if keys != nil {
			keys.Store(string(env.PublicKey), p)
		}
		pub = p
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(env.Signature, sig); err != nil {
		return nil, env, nil, fmt.Errorf("malformed signature: %w", err)
	}
	if pub.Type() == ssh.KeyAlgoRSA && sig.Format != ssh.KeyAlgoRSASHA512 && sig.Format != ssh.KeyAlgoRSASHA256 {
		return nil, env, nil, fmt.Errorf("RSA signature made with %s; only rsa-sha2-256 and rsa-sha2-512 are accepted", sig.Format)
	}
	return pub, env, sig, nil
}

// PublicKey returns the key an SSHSIG blob names, without checking the signature.
func PublicKey(blob []byte) (ssh.PublicKey, error) {
	pub, _, _, err := parse(blob)
	return pub, err
}

// Armor returns the text form of a signature blob that `ssh-keygen -Y verify -s`
// reads: base64 in lines of 70 between BEGIN and END SSH SIGNATURE.
func Armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b strings.Builder
	b.WriteString(armorBegin + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return []byte(b.String())
}

// Dearmor reads the text form Armor writes (and ssh-keygen -Y sign writes).
func Dearmor(text []byte) ([]byte, error) {
	s := strings.TrimSpace(string(text))
	if !strings.HasPrefix(s, armorBegin) || !strings.HasSuffix(s, armorEnd) {
		return nil, errors.New("not an armored SSH signature (BEGIN/END SSH SIGNATURE)")
	}
	s = strings.Join(strings.Fields(s[len(armorBegin):len(s)-len(armorEnd)]), "")
	return base64.StdEncoding.DecodeString(s)
}
