package runbook

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// Problem is one thing wrong in a file, printed as path:line:col: message.
type Problem = tomldoc.Problem

// Problems is every problem found in one or more files.
type Problems = tomldoc.Problems

// isSyntaxOnly reports whether decoding stopped at a TOML syntax error, after which
// the decoded value is empty and semantic checks would only add noise.
func isSyntaxOnly(ps Problems) bool {
	return len(ps) == 1 && strings.HasPrefix(ps[0].Msg, "TOML syntax")
}

// digest is the hex SHA-256 of a file's bytes: the identity of a runbook or policy
// version recorded in every incident that uses it.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
