// Package chromiumtest opens a page in a real browser for tests: Debian's headless
// chromium (installed by .ci/run) parses the page, dumps its DOM, takes a screenshot
// or prints it to PDF. A test skips when chromium is not installed, and fails instead
// when MUSTER_REQUIRE_CHROMIUM is set (CI sets it), so the browser checks cannot pass
// silently there.
package chromiumtest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Need is the path of a program the browser tests need (chromium, pdftotext). When it
// is not installed the test skips, or fails when MUSTER_REQUIRE_CHROMIUM is set; apt
// names the Debian package that installs it.
func Need(t testing.TB, program, apt string) string {
	t.Helper()
	bin, err := exec.LookPath(program)
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_CHROMIUM") != "" {
			t.Fatalf("%s is not installed (apt-get install %s)", program, apt)
		}
		t.Skipf("%s is not installed (apt-get install %s)", program, apt)
	}
	return bin
}

// Page is one HTML page on disk, opened in headless chromium.
type Page struct {
	t    testing.TB
	bin  string
	dir  string
	path string
}

// Open writes html to a file called name in a directory of the test's own and returns
// the page; it skips or fails the test as Need does when chromium is not installed.
func Open(t testing.TB, name string, html []byte) *Page {
	t.Helper()
	bin := Need(t, "chromium", "chromium")
	dir := t.TempDir()
	p := &Page{t: t, bin: bin, dir: dir, path: filepath.Join(dir, name)}
	if err := os.WriteFile(p.path, html, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Dir is the page's directory, where the screenshot and the PDF go.
func (p *Page) Dir() string { return p.dir }

// Run runs headless chromium with args on the page and returns what it printed; it
// fails the test, with chromium's stderr, when chromium fails or takes two minutes.
func (p *Page) Run(args ...string) []byte {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(p.dir, "profile")}, args...)
	cmd := exec.CommandContext(ctx, p.bin, append(all, "file://"+p.path)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		p.t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// DOM is the page's DOM as the browser built it.
func (p *Page) DOM() string {
	p.t.Helper()
	return string(p.Run("--dump-dom"))
}

// Screenshot renders the page in a window of width x height pixels; it returns the
// PNG file's path and its decoded image.
func (p *Page) Screenshot(width, height int) (string, image.Image) {
	p.t.Helper()
	shot := filepath.Join(p.dir, "screenshot.png")
	p.Run("--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		p.t.Fatal(err)
	}
	return shot, img
}

// PDF prints the page to PDF without the browser's own header and footer; it returns
// the file's path and its bytes, and fails the test when they are no PDF.
func (p *Page) PDF() (string, []byte) {
	p.t.Helper()
	pdf := filepath.Join(p.dir, "page.pdf")
	p.Run("--no-pdf-header-footer", "--print-to-pdf="+pdf)
	data, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		p.t.Fatalf("no PDF: %v %.20q", err, data)
	}
	return pdf, data
}

// Count counts the pixels of img of each colour, within 6 of it on every channel
// (anti-aliasing and colour profiles move a colour a little).
func Count(img image.Image, colors ...color.RGBA) []int {
	n := make([]int, len(colors))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			for i, c := range colors {
				if near(r, c.R) && near(g, c.G) && near(bl, c.B) {
					n[i]++
					break
				}
			}
		}
	}
	return n
}

func near(v uint32, want uint8) bool { w := uint32(want); return v+6 >= w && v <= w+6 }
