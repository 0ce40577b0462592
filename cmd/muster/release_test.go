package main

import (
	"debug/buildinfo"
	"debug/elf"
	"os/exec"
	"strings"
	"testing"
)

// TestReleaseBuildIsStatic: README's release build (CGO_ENABLED=0, -ldflags "-s -w";
// -trimpath aside, see releaseBuild) is a static executable with no interpreter and no
// shared libraries, carries those settings in its build info, and runs: every test that
// runs muster as a process runs this build.
func TestReleaseBuildIsStatic(t *testing.T) {
	bin := musterBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF executable on this system: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the release build asks for a dynamic loader (PT_INTERP)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the release build needs shared libraries: %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Error("the release build keeps its symbol table (-s)")
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-ldflags"] != "-s -w" {
		t.Errorf("build settings: %v", settings)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "muster ") {
		t.Errorf("muster version: %v %s", err, out)
	}
}
