package incident

import (
	"image/color"
	"os"
	"strings"
	"testing"

	"github.com/muster-ir/muster/internal/chromiumtest"
)

// The HTML report in a real browser: headless Chromium (Debian's chromium, installed
// by .ci/run) parses the page, and its screenshot shows the bars: red for the months
// below the target, green for the others.
func TestAvailabilityHTMLInChromium(t *testing.T) {
	facts, svc, pol := reportFixture(t)
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Year: 2026, Service: "platform", Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	page := chromiumtest.Open(t, "report.html", html)
	dom := page.DOM()
	// The browser's DOM: the chart is an SVG element with a bar per month measured.
	if n := strings.Count(dom, "<rect "); n < 13 || !strings.Contains(dom, "<svg ") || !strings.Contains(dom, "MISSED") {
		t.Fatalf("the browser's DOM has %d rects:\n%.2000s", n, dom)
	}
	shot, img := page.Screenshot(1000, 700)
	n := chromiumtest.Count(img, color.RGBA{R: 0xc6, G: 0x28, B: 0x28}, color.RGBA{R: 0x2e, G: 0x7d, B: 0x32})
	red, green := n[0], n[1]
	// Nine green months of full bars; October, November and December red.
	if green < 9*30*150 || red < 2*30*20 {
		t.Errorf("the screenshot shows %d green and %d red pixels", green, red)
	}
	if dst := os.Getenv("MUSTER_SCREENSHOT"); dst != "" {
		b, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, b, 0o644)
	}
}
