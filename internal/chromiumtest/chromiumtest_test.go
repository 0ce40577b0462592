package chromiumtest

import (
	"image"
	"image/color"
	"testing"
)

func TestCountNearColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	img.Set(0, 0, color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff})
	img.Set(1, 0, color.RGBA{R: 0xc6 + 6, G: 0x28 - 6, B: 0x28, A: 0xff}) // within 6
	img.Set(2, 0, color.RGBA{R: 0xc6 + 7, G: 0x28, B: 0x28, A: 0xff})     // too far
	img.Set(3, 0, color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff})
	got := Count(img, color.RGBA{R: 0xc6, G: 0x28, B: 0x28}, color.RGBA{R: 0x2e, G: 0x7d, B: 0x32}, color.RGBA{})
	if got[0] != 2 || got[1] != 1 || got[2] != 4 { // the four untouched pixels are black
		t.Fatalf("counts %v, want [2 1 4]", got)
	}
}
