package untrusted

import "strings"

// Field cleans a one-line field (a title, an id, a role) and trims its spaces.
func Field(s string) string { return strings.TrimSpace(Line(s)) }

// Block cleans a Markdown field and drops blank lines before it and white space
// after it.
func Block(s string) string {
	s = strings.TrimRight(Clean(s), " \t\n")
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			return s
		}
		s = s[i+1:]
	}
}

// Fields is Field over a list; nil stays nil.
func Fields(ss []string) []string { return each(ss, Field) }

// Blocks is Block over a list; nil stays nil.
func Blocks(ss []string) []string { return each(ss, Block) }

func each(ss []string, f func(string) string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}
