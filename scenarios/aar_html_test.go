package scenarios

import (
	"bytes"
	"image/color"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/muster-ir/muster/internal/chromiumtest"
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
	page := chromiumtest.Open(t, "aar.html", html)
	dom := page.DOM()
	for _, id := range []string{"cover", "handling", "executive-summary", "overview", "analysis", "objective-restore", "decisions",
		"discussion", "hot-wash", "times", "improvement-plan", "participants", "timeline"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the browser's DOM has no section %s", id)
		}
	}
	if n := strings.Count(dom, `class="rating rating-`); n < 6 {
		t.Errorf("%d rating badges in the DOM", n)
	}

	_, img := page.Screenshot(1000, 4000)
	n := chromiumtest.Count(img,
		color.RGBA{R: 0x2e, G: 0x7d, B: 0x32}, // P badges
		color.RGBA{R: 0xb7, G: 0x1c, B: 0x1c}, // U badges
		color.RGBA{R: 0xb0, G: 0x00, B: 0x20}) // the handling banner
	green, red, marking := n[0], n[1], n[2]
	if green < 100 || red < 100 || marking < 300 {
		t.Errorf("the screenshot shows %d green (P), %d red (U) and %d marking pixels", green, red, marking)
	}

	pdf, data := page.PDF()
	text, err := exec.Command(chromiumtest.Need(t, "pdftotext", "poppler-utils"), "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
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
