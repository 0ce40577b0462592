package policy

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinksNoAWSCode keeps the package what it is for: nothing it imports, directly or
// through muster's own packages, is the AWS SDK or backup (whose SDK clients would
// bring back the ~200,000 coverage counters its fuzz targets left behind).
func TestLinksNoAWSCode(t *testing.T) {
	const module = "github.com/muster-ir/muster"
	seen := map[string]bool{}
	var walk func(pkg, dir string)
	walk = func(pkg, dir string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, "github.com/aws/") || imp == module+"/backup":
				t.Errorf("%s imports %s", pkg, imp)
			case strings.HasPrefix(imp, module+"/"):
				walk(imp, filepath.Join("../..", strings.TrimPrefix(imp, module+"/")))
			}
		}
	}
	walk(module+"/backup/policy", ".")
	if len(seen) < 2 {
		t.Fatalf("walked only %v", seen)
	}
}
