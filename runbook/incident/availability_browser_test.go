package incident

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The HTML report in a real browser: headless Chromium (Debian's chromium, installed
// by .ci/run) parses the page, and its screenshot shows the bars: red for the months
// below the target, green for the others.
func TestAvailabilityHTMLInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is not installed (apt-get install chromium)")
		}
		t.Skip("chromium is not installed")
	}
	facts, svc, pol := reportFixture(t)
	r, err := BuildAvailability(facts, svc, pol, AvailabilityQuery{Year: 2026, Service: "platform", Now: reportNow})
	if err != nil {
		t.Fatal(err)
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		t.Fatal(err)
	}
	chromium := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)
		cmd := exec.CommandContext(ctx, bin, append(all, "file://"+page)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return out.Bytes()
	}
	dom := string(chromium("--dump-dom"))
	// The browser's DOM: the chart is an SVG element with a bar per month measured.
	if n := strings.Count(dom, "<rect "); n < 13 || !strings.Contains(dom, "<svg ") || !strings.Contains(dom, "MISSED") {
		t.Fatalf("the browser's DOM has %d rects:\n%.2000s", n, dom)
	}
	shot := filepath.Join(dir, "report.png")
	chromium("--window-size=1000,700", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var red, green int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			switch {
			case near(r, 0xc6) && near(g, 0x28) && near(bl, 0x28):
				red++
			case near(r, 0x2e) && near(g, 0x7d) && near(bl, 0x32):
				green++
			}
		}
	}
	// Nine green months of full bars; October, November and December red.
	if green < 9*30*150 || red < 2*30*20 {
		t.Errorf("the screenshot shows %d green and %d red pixels", green, red)
	}
	if dst := os.Getenv("MUSTER_SCREENSHOT"); dst != "" {
		b, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, b, 0o644)
	}
}

func near(v, want uint32) bool { return v+6 >= want && v <= want+6 }
