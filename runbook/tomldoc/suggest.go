package tomldoc

import (
	"fmt"
	"strings"
)

// DidYouMean suggests the closest known name for a misspelt one, as
// ` (did you mean "contain"?)`, or "" when nothing is close (edit distance under 3,
// ignoring case).
func DidYouMean(s string, known []string) string {
	best, bestDist := "", 3
	ls := strings.ToLower(s)
	for _, k := range known {
		if d := levenshtein(ls, strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || best == s {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
