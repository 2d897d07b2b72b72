package render

import (
	"hash/fnv"
	"image/color"
)

// palette holds saturated colours far apart in hue and lightness, so that
// neighbouring labels stay distinguishable on photographs.
var palette = []color.RGBA{
	{230, 25, 75, 255},   // red
	{60, 180, 75, 255},   // green
	{255, 225, 25, 255},  // yellow
	{0, 130, 200, 255},   // blue
	{245, 130, 48, 255},  // orange
	{145, 30, 180, 255},  // purple
	{70, 240, 240, 255},  // cyan
	{240, 50, 230, 255},  // magenta
	{210, 245, 60, 255},  // lime
	{100, 60, 255, 255},  // violet
	{170, 110, 40, 255},  // brown
	{128, 0, 0, 255},     // maroon
	{0, 0, 128, 255},     // navy
	{128, 128, 0, 255},   // olive
	{255, 105, 180, 255}, // pink
	{0, 255, 127, 255},   // spring green
}

// LabelColor returns the colour a label is drawn in: a hash of the label
// picks one of a fixed palette of well-separated, saturated colours, so the
// same label has the same colour in every preview and every run.
func LabelColor(label string) color.RGBA {
	h := fnv.New32a()
	h.Write([]byte(label))
	return palette[h.Sum32()%uint32(len(palette))]
}

// textColorOn returns black or white, whichever reads better on bg.
func textColorOn(bg color.RGBA) color.RGBA {
	// Relative luminance with the Rec. 601 weights, in 0..255000.
	lum := 299*int(bg.R) + 587*int(bg.G) + 114*int(bg.B)
	if lum > 150000 {
		return color.RGBA{0, 0, 0, 255}
	}
	return color.RGBA{255, 255, 255, 255}
}
