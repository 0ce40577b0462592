package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// lintFiles is `muster runbook lint` and `muster scenario lint`: every argument is a
// file or a directory of *.toml files; load parses one file and returns its id (empty
// when it did not load) and its problems. Every problem of every file is printed, one
// line each, then exit 1; or one summary line and exit 0. kind names the files
// ("runbook", "scenario").
func lintFiles(g *globals, args []string, kind string, load func(path string) (id string, problems tomldoc.Problems)) error {
	return lintFilesWarn(g, args, kind, load, nil)
}

// lintFilesWarn is lintFiles with warnings: warn, when not nil, is asked about every
// file that loaded. A warning (printed as path:line:col: warning: ...) is not a problem:
// alone it leaves the exit status 0.
func lintFilesWarn(g *globals, args []string, kind string, load func(path string) (id string, problems tomldoc.Problems), warn func(path string) tomldoc.Problems) error {
	var problems, warnings tomldoc.Problems
	files := 0
	firstID := map[string]string{} // directory and id -> first file that used it
	unread := 0                    // files or directories that could not be read: the lint could not do its job
	for _, arg := range args {
		paths, ps := lintPaths(arg, kind)
		problems = append(problems, ps...)
		for _, p := range ps {
			if strings.HasPrefix(p.Msg, "cannot read") {
				unread++
			}
		}
		for _, path := range paths {
			files++
			if p, bad := unreadable(path); bad {
				problems = append(problems, p)
				unread++
				continue
			}
			id, ps := load(path)
			problems = append(problems, ps...)
			if id == "" {
				continue
			}
			if warn != nil {
				warnings = append(warnings, warn(path)...)
			}
			// One id twice in a directory is a problem (only the first would load); in
			// two directories it is an override (your copy of a built-in one).
			dir, err := filepath.Abs(filepath.Dir(path))
			if err != nil {
				dir = filepath.Dir(path)
			}
			key := dir + "\x00" + id
			if prev, dup := firstID[key]; dup && prev != path {
				problems = append(problems, tomldoc.Problem{File: path, Msg: fmt.Sprintf("%s id %s is also used by %s; in one directory only the first would load", kind, id, prev)})
				continue
			}
			firstID[key] = path
		}
	}
	bad := map[string]bool{}
	for _, p := range problems {
		fmt.Fprintln(g.Stdout, p.String())
		bad[p.File] = true
	}
	for _, w := range warnings {
		fmt.Fprintln(g.Stdout, w.String())
	}
	warned := ""
	if len(warnings) > 0 {
		warned = ", " + plural(len(warnings), "warning")
	}
	if unread > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%s in %s; %s could not be read%s", plural(len(problems), "problem"), plural(len(bad), "file"), plural(unread, "path"), warned)}
	}
	if len(problems) > 0 {
		return checkFailed(fmt.Errorf("%s in %s%s", plural(len(problems), "problem"), plural(len(bad), "file"), warned))
	}
	fmt.Fprintf(g.Stdout, "%s OK%s\n", plural(files, kind), warned)
	return nil
}

// unreadable is the problem of a path that cannot be opened as a file. It is not a
// finding about the file's content: the lint could not do its job there (exit 2).
func unreadable(path string) (tomldoc.Problem, bool) {
	f, err := os.Open(path)
	if err != nil {
		return tomldoc.Problem{File: path, Msg: "cannot read: " + tomldoc.ReadError(err)}, true
	}
	f.Close()
	return tomldoc.Problem{}, false
}

// lintPaths expands a lint argument: a file is itself, a directory its *.toml files.
func lintPaths(arg, kind string) ([]string, tomldoc.Problems) {
	st, err := os.Stat(arg)
	if err != nil || !st.IsDir() {
		return []string{arg}, nil // the loader reports an unreadable file as a problem
	}
	entries, err := os.ReadDir(arg)
	if err != nil {
		return nil, tomldoc.Problems{{File: arg, Msg: "cannot read directory: " + tomldoc.ReadError(err)}}
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".toml") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(arg, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, tomldoc.Problems{{File: arg, Msg: "no *.toml " + kind + " files in this directory"}}
	}
	sort.Strings(out)
	return out, nil
}
