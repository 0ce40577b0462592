// Package rfc3161 asks a time-stamping authority (RFC 3161) to timestamp a SHA-256
// digest and checks the token it returns: the message imprint, the TSA's CMS
// signature (RFC 5652) over the token's content with its signed attributes, the
// ESS signing-certificate attribute that binds the signature to the TSA's
// certificate, and that certificate's chain to a configured CA at the time the token
// names, for time stamping only. It is built on encoding/asn1 and crypto/x509: the
// subset of CMS a timestamp token uses is small, and a stdlib-only parser is one less
// dependency to keep up to date.
package rfc3161

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

var (
	oidSHA1           = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSignedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidRSA            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA1  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA2  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3} // .2 .3 .4: SHA-256, 384, 512
	oidECPublicKey    = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidEd25519        = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidRSAPSS         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECDSAWithSHA2s = map[string]x509.SignatureAlgorithm{"2": x509.ECDSAWithSHA256, "3": x509.ECDSAWithSHA384, "4": x509.ECDSAWithSHA512}
)

// ContentType and ReplyType are the HTTP media types of a request and a reply.
const (
	ContentType = "application/timestamp-query"
	ReplyType   = "application/timestamp-reply"
)

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type request struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional"`
}

// Request is the DER of a TimeStampReq for a SHA-256 digest, asking for the TSA's
// certificate in the reply, with a random nonce (returned).
func Request(digest []byte) ([]byte, *big.Int, error) {
	if len(digest) != sha256.Size {
		return nil, nil, fmt.Errorf("digest is %d bytes, not a SHA-256", len(digest))
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, nil, err
	}
	der, err := asn1.Marshal(request{
		Version: 1,
		MessageImprint: messageImprint{
			HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue},
			HashedMessage: digest,
		},
		Nonce: nonce, CertReq: true,
	})
	return der, nonce, err
}

type statusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

type response struct {
	Status statusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContent     encapContent
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContent struct {
	ContentType asn1.ObjectIdentifier
	Content     []byte `asn1:"explicit,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	Serial         *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

type essCertID struct {
	Hash   []byte
	Issuer asn1.RawValue `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	Hash          []byte
	Issuer        asn1.RawValue `asn1:"optional"`
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

// Token is a parsed timestamp token whose CMS signature has been checked against the
// certificate it carries (see Parse); Verify checks that certificate's chain.
type Token struct {
	// Digest is the message imprint (a SHA-256).
	Digest []byte
	// Time is when the TSA says it saw the digest; Accuracy, when not zero, bounds it.
	Time     time.Time
	Accuracy time.Duration
	Serial   *big.Int
	Nonce    *big.Int
	Policy   asn1.ObjectIdentifier
	// Signer is the TSA's certificate; Certificates all the token carries.
	Signer       *x509.Certificate
	Certificates []*x509.Certificate
}

// TSA names the authority: its certificate's subject.
func (t *Token) TSA() string { return t.Signer.Subject.String() }

// ParseReply reads a TimeStampResp. A reply whose status is not granted is an error
// with the TSA's reason; the token is parsed and its signature checked (Parse).
func ParseReply(der []byte) (*Token, error) {
	var resp response
	rest, err := asn1.Unmarshal(der, &resp)
	if err != nil {
		return nil, fmt.Errorf("not a timestamp reply: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("not a timestamp reply: trailing data")
	}
	if s := resp.Status.Status; s != 0 && s != 1 {
		why := strings.Join(resp.Status.StatusString, "; ")
		if why == "" {
			why = fmt.Sprintf("failure info %x", resp.Status.FailInfo.Bytes)
		}
		return nil, fmt.Errorf("the TSA refused (status %d): %s", s, why)
	}
	if len(resp.Token.FullBytes) == 0 {
		return nil, errors.New("the TSA granted but sent no token")
	}
	return Parse(resp.Token.FullBytes)
}

// Parse reads a timestamp token (a CMS ContentInfo of SignedData with TSTInfo) and
// checks its signature: the content's digest in the signed attributes, the signature
// over them by the certificate the signer identifier names, and the ESS
// signing-certificate attribute. It does not say whether that certificate is trusted:
// see Verify.
func Parse(der []byte) (*Token, error) {
	var ci contentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("timestamp token is not a CMS ContentInfo: %v", errOr(err, "trailing data"))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("timestamp token is %v, not CMS SignedData", ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("timestamp token's SignedData: %v", errOr(err, "trailing data"))
	}
	if !sd.EncapContent.ContentType.Equal(oidTSTInfo) {
		return nil, fmt.Errorf("timestamp token holds %v, not TSTInfo", sd.EncapContent.ContentType)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("timestamp token has %d signers, not 1", len(sd.SignerInfos))
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(sd.EncapContent.Content, &info); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("timestamp token's TSTInfo: %v", errOr(err, "trailing data"))
	}
	if info.Version != 1 {
		return nil, fmt.Errorf("TSTInfo version %d is not 1", info.Version)
	}
	if !info.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) || len(info.MessageImprint.HashedMessage) != sha256.Size {
		return nil, fmt.Errorf("timestamp is of a %v digest, not SHA-256", info.MessageImprint.HashAlgorithm.Algorithm)
	}
	t := &Token{
		Digest: info.MessageImprint.HashedMessage, Time: info.GenTime, Serial: info.Serial,
		Nonce: info.Nonce, Policy: info.Policy,
		Accuracy: time.Duration(info.Accuracy.Seconds)*time.Second + time.Duration(info.Accuracy.Millis)*time.Millisecond +
			time.Duration(info.Accuracy.Micros)*time.Microsecond,
	}
	if len(sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("timestamp token's certificates: %w", err)
		}
		t.Certificates = certs
	}
	si := sd.SignerInfos[0]
	signer, err := findSigner(si.SID, t.Certificates)
	if err != nil {
		return nil, err
	}
	t.Signer = signer
	if err := checkSignerInfo(si, sd.EncapContent.Content, signer); err != nil {
		return nil, err
	}
	return t, nil
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// findSigner returns the certificate a SignerIdentifier names.
func findSigner(sid asn1.RawValue, certs []*x509.Certificate) (*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("timestamp token carries no certificate (the request asks for it: certReq)")
	}
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("timestamp signer identifier: %w", err)
		}
		for _, c := range certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c, nil
			}
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, errors.New("timestamp signer identifier is neither issuer and serial nor key identifier")
	}
	return nil, errors.New("the timestamp token does not carry the certificate of its signer")
}

func hasherOf(oid asn1.ObjectIdentifier) (func() hash.Hash, crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return sha256.New, crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return sha512.New384, crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return sha512.New, crypto.SHA512, nil
	case oid.Equal(oidSHA1):
		return sha1.New, crypto.SHA1, nil
	}
	return nil, 0, fmt.Errorf("digest algorithm %v is not supported", oid)
}

// checkSignerInfo checks the signed attributes against the content and the signature
// over them against the signer's certificate.
func checkSignerInfo(si signerInfo, content []byte, signer *x509.Certificate) error {
	newHash, _, err := hasherOf(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return fmt.Errorf("timestamp token: %w", err)
	}
	if si.DigestAlgorithm.Algorithm.Equal(oidSHA1) {
		return errors.New("timestamp token is signed over a SHA-1 digest, which is not accepted")
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return errors.New("timestamp token has no signed attributes")
	}
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(si.SignedAttrs.FullBytes, &attrs, "set,tag:0"); err != nil {
		return fmt.Errorf("timestamp token's signed attributes: %w", err)
	}
	var sawType, sawDigest, sawCert bool
	for _, a := range attrs {
		switch {
		case a.Type.Equal(oidContentType):
			var ct asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(a.Values.Bytes, &ct); err != nil || !ct.Equal(oidTSTInfo) {
				return errors.New("timestamp token's content-type attribute is not TSTInfo")
			}
			sawType = true
		case a.Type.Equal(oidMessageDigest):
			var d []byte
			if _, err := asn1.Unmarshal(a.Values.Bytes, &d); err != nil {
				return fmt.Errorf("timestamp token's message-digest attribute: %w", err)
			}
			h := newHash()
			h.Write(content)
			if !bytes.Equal(h.Sum(nil), d) {
				return errors.New("timestamp token's content does not match its signed digest (the token was altered)")
			}
			sawDigest = true
		case a.Type.Equal(oidSigningCert):
			var sc signingCertificate
			if _, err := asn1.Unmarshal(a.Values.Bytes, &sc); err != nil || len(sc.Certs) == 0 {
				return errors.New("timestamp token's signing-certificate attribute is malformed")
			}
			if sum := sha1.Sum(signer.Raw); !bytes.Equal(sc.Certs[0].Hash, sum[:]) {
				return errors.New("timestamp token's signing-certificate attribute names another certificate than its signer's")
			}
			sawCert = true
		case a.Type.Equal(oidSigningCertV2):
			var sc signingCertificateV2
			if _, err := asn1.Unmarshal(a.Values.Bytes, &sc); err != nil || len(sc.Certs) == 0 {
				return errors.New("timestamp token's signing-certificate-v2 attribute is malformed")
			}
			alg := sc.Certs[0].HashAlgorithm.Algorithm
			if len(alg) == 0 {
				alg = oidSHA256
			}
			nh, _, err := hasherOf(alg)
			if err != nil {
				return fmt.Errorf("timestamp token's signing-certificate-v2: %w", err)
			}
			h := nh()
			h.Write(signer.Raw)
			if !bytes.Equal(sc.Certs[0].Hash, h.Sum(nil)) {
				return errors.New("timestamp token's signing-certificate attribute names another certificate than its signer's")
			}
			sawCert = true
		}
	}
	switch {
	case !sawType:
		return errors.New("timestamp token has no content-type attribute")
	case !sawDigest:
		return errors.New("timestamp token has no message-digest attribute")
	case !sawCert:
		return errors.New("timestamp token has no signing-certificate attribute (RFC 3161 requires one)")
	}
	alg, err := signatureAlgorithm(si.SignatureAlgorithm.Algorithm, si.DigestAlgorithm.Algorithm, signer)
	if err != nil {
		return err
	}
	// The signature is over the DER of the attributes as a SET OF, not as the
	// [0] IMPLICIT field they are stored in.
	signed := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	if err := signer.CheckSignature(alg, signed, si.Signature); err != nil {
		return fmt.Errorf("timestamp token's signature does not match (it was altered or not made by %s): %w", signer.Subject, err)
	}
	return nil
}

// signatureAlgorithm maps the signer info's algorithms to x509's.
func signatureAlgorithm(sig, digest asn1.ObjectIdentifier, c *x509.Certificate) (x509.SignatureAlgorithm, error) {
	_, h, err := hasherOf(digest)
	if err != nil {
		return 0, err
	}
	switch {
	case sig.Equal(oidRSA), sig.Equal(oidSHA256WithRSA), sig.Equal(oidSHA384WithRSA), sig.Equal(oidSHA512WithRSA):
		switch h {
		case crypto.SHA256:
			return x509.SHA256WithRSA, nil
		case crypto.SHA384:
			return x509.SHA384WithRSA, nil
		case crypto.SHA512:
			return x509.SHA512WithRSA, nil
		}
	case sig.Equal(oidECPublicKey), sig.Equal(oidECDSAWithSHA1):
		switch h {
		case crypto.SHA256:
			return x509.ECDSAWithSHA256, nil
		case crypto.SHA384:
			return x509.ECDSAWithSHA384, nil
		case crypto.SHA512:
			return x509.ECDSAWithSHA512, nil
		}
	case len(sig) == len(oidECDSAWithSHA2)+1 && sig[:len(oidECDSAWithSHA2)].Equal(oidECDSAWithSHA2):
		if a, ok := oidECDSAWithSHA2s[fmt.Sprint(sig[len(sig)-1])]; ok {
			return a, nil
		}
	case sig.Equal(oidEd25519):
		return x509.PureEd25519, nil
	case sig.Equal(oidRSAPSS):
		return 0, errors.New("timestamp token is signed with RSASSA-PSS, which muster does not check yet")
	}
	return 0, fmt.Errorf("timestamp token's signature algorithm %v with digest %v is not supported", sig, digest)
}

// Verify checks that the token's signer chains to roots at the token's time and may
// sign timestamps (extended key usage timeStamping).
func (t *Token) Verify(roots *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range t.Certificates {
		if c != t.Signer {
			inter.AddCert(c)
		}
	}
	_, err := t.Signer.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: t.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return fmt.Errorf("the TSA's certificate (%s) is not trusted: %w", t.Signer.Subject, err)
	}
	return nil
}

// maxReply bounds a TSA's reply.
const maxReply = 1 << 20

// Fetch asks the TSA at url to timestamp digest and returns its reply (DER) and the
// checked token: granted, the digest and nonce of the request, the signature good.
func Fetch(ctx context.Context, client *http.Client, url string, digest []byte) ([]byte, *Token, error) {
	req, nonce, err := Request(digest)
	if err != nil {
		return nil, nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	hreq.Header.Set("Content-Type", ContentType)
	hreq.Header.Set("Accept", ReplyType)
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("TSA %s answered %s", url, resp.Status)
	}
	if len(body) > maxReply {
		return nil, nil, fmt.Errorf("TSA %s sent more than %d bytes", url, maxReply)
	}
	tok, err := ParseReply(body)
	if err != nil {
		return nil, nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	if !bytes.Equal(tok.Digest, digest) {
		return nil, nil, fmt.Errorf("TSA %s timestamped another digest than the one asked for", url)
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return nil, nil, fmt.Errorf("TSA %s answered with another nonce (a replayed reply?)", url)
	}
	return body, tok, nil
}
