package scenarios

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/golden"
)

func TestAARHTMLGolden(t *testing.T) {
	_, v, now := playGoldenDrill(t)
	a, err := BuildAAR(v, now)
	if err != nil {
		t.Fatal(err)
	}
	html, err := a.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`@top-center { content: "TLP\3a AMBER";`, `@page plan { size: A4 landscape; }`, `id="handling-marking">TLP:AMBER<`,
		"Appendix A: Improvement plan", "Hot wash and participant feedback", `class="rating rating-P"`} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	golden.AssertFile(t, "drill-aar.html", html)
}

// TestAARHTMLEscapesUntrustedText: text from the journal (an observation, a hot wash
// answer, a role's player) cannot add markup, leave the CSS string of the marking or
// put control sequences on the page.
func TestAARHTMLEscapesUntrustedText(t *testing.T) {
	a := &AAR{Status: "final", Handling: `TLP"; } body { display: none } x { content: "`,
		Overview: Overview{Name: "<script>alert(1)</script>", Facilitator: "fran\x1b[31m"},
		Summary:  ExecutiveSummary{Strengths: []string{"<img src=x onerror=alert(2)>"}},
		HotWash:  []HotWashQuestion{{Question: "Q?", Answers: []HotWashAnswer{}}},
	}
	html, err := a.HTML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	for _, bad := range []string{"<script>alert", "<img src=x", "\x1b", `"; } body { display: none }`} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML holds %q", bad)
		}
	}
	if !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(s, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Errorf("untrusted text not shown escaped:\n%.3000s", s)
	}
}

// chromium runs Debian's headless chromium on a page; it skips the test when chromium
// is not installed, unless MUSTER_REQUIRE_CHROMIUM is set (CI installs it).
func chromium(t *testing.T, dir, page string) func(args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is not installed (apt-get install chromium)")
		}
		t.Skip("chromium is not installed")
	}
	return func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)
		cmd := exec.CommandContext(ctx, bin, append(all, "file://"+page)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
		}
		return out.Bytes()
	}
}

// TestAARHTMLInChromium: the AAR/IP in a real browser. The DOM has every section of the
// HSEEP template; the screenshot shows the rating badges; printed to PDF, every page
// carries the handling marking and the improvement plan is on a landscape page.
func TestAARHTMLInChromium(t *testing.T) {
	_, v, now := playGoldenDrill(t)
	a, err := BuildAAR(v, now)
	if err != nil {
		t.Fatal(err)
	}
	html, err := a.HTML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "aar.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		t.Fatal(err)
	}
	run := chromium(t, dir, page)
	dom := string(run("--dump-dom"))
	for _, id := range []string{"cover", "handling", "executive-summary", "overview", "analysis", "objective-restore", "decisions",
		"discussion", "hot-wash", "times", "improvement-plan", "participants", "timeline"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the browser's DOM has no section %s", id)
		}
	}
	if n := strings.Count(dom, `class="rating rating-`); n < 6 {
		t.Errorf("%d rating badges in the DOM", n)
	}

	shot := filepath.Join(dir, "aar.png")
	run("--window-size=1000,4000", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var green, red, marking int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case near(r, 0x2e) && near(g, 0x7d) && near(bl, 0x32):
				green++ // P badges
			case near(r, 0xb7) && near(g, 0x1c) && near(bl, 0x1c):
				red++ // U badges
			case near(r, 0xb0) && near(g, 0x00) && near(bl, 0x20):
				marking++ // the handling banner
			}
		}
	}
	if green < 100 || red < 100 || marking < 300 {
		t.Errorf("the screenshot shows %d green (P), %d red (U) and %d marking pixels", green, red, marking)
	}

	pdf := filepath.Join(dir, "aar.pdf")
	run("--no-pdf-header-footer", "--print-to-pdf="+pdf)
	data, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("no PDF: %v %.20q", err, data)
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_CHROMIUM") != "" {
			t.Fatalf("pdftotext (poppler-utils): %v", err)
		}
		t.Skip("pdftotext is not installed (apt-get install poppler-utils)")
	}
	pages := strings.Split(strings.TrimRight(string(text), "\f"), "\f")
	if len(pages) < 6 {
		t.Fatalf("%d pages", len(pages))
	}
	planPage := -1
	for i, p := range pages {
		if strings.Count(p, "TLP:AMBER") < 2 {
			t.Errorf("page %d of %d does not carry the handling marking top and bottom:\n%s", i+1, len(pages), p)
		}
		if !strings.Contains(p, "Page "+strconv.Itoa(i+1)+" of "+strconv.Itoa(len(pages))) {
			t.Errorf("page %d has no page number", i+1)
		}
		if strings.Contains(p, "Appendix A: Improvement plan") {
			planPage = i + 1
		}
	}
	if planPage < 0 {
		t.Fatal("no page holds the improvement plan")
	}
	info, err := exec.Command("pdfinfo", "-f", strconv.Itoa(planPage), "-l", strconv.Itoa(planPage), pdf).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: %s", info)
	}
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	h, _ := strconv.ParseFloat(string(m[2]), 64)
	if w <= h {
		t.Errorf("the improvement plan's page is %gx%g, not landscape", w, h)
	}
	if dst := os.Getenv("MUSTER_SCREENSHOT"); dst != "" {
		_ = os.WriteFile(dst, data, 0o644)
	}
}

func near(v, want uint32) bool { return v+6 >= want && v <= want+6 }
