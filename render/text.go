package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// maxLabelRunes is where a long label is cut short.
const maxLabelRunes = 40

// labelFont is Go Bold, parsed once; a parsed font may be shared, while
// each rendering makes its own face (faces are not safe for concurrent use).
var labelFont = sync.OnceValues(func() (*opentype.Font, error) {
	return opentype.Parse(gobold.TTF)
})

// labeler writes labels in boxes of the label's colour.
type labeler struct {
	face    font.Face
	ascent  int // pixels above the baseline
	descent int // pixels below the baseline
	pad     int // space around the text inside its box
}

// newLabeler makes a labeler whose text is size pixels high.
func newLabeler(size float64) (*labeler, error) {
	f, err := labelFont()
	if err != nil {
		return nil, fmt.Errorf("parse label font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{
		Size: size, DPI: 72, Hinting: font.HintingFull,
	})
	if err != nil {
		return nil, fmt.Errorf("label font face: %w", err)
	}
	m := face.Metrics()
	return &labeler{
		face:    face,
		ascent:  m.Ascent.Ceil(),
		descent: m.Descent.Ceil(),
		pad:     max(2, int(size/6)),
	}, nil
}

// size returns the width and height of the box that holds text.
func (l *labeler) size(text string) (int, int) {
	w := font.MeasureString(l.face, text).Ceil()
	return w + 2*l.pad, l.ascent + l.descent + 2*l.pad
}

// draw writes text in a box of colour bg whose top-left corner is at.
func (l *labeler) draw(cv *canvas, text string, at image.Point, bg color.RGBA) {
	w, h := l.size(text)
	cv.fillRect(image.Rectangle{at, at.Add(image.Pt(w, h))}, bg, 255)
	d := font.Drawer{
		Dst:  cv.img,
		Src:  image.NewUniform(textColorOn(bg)),
		Face: l.face,
		Dot:  fixed.P(at.X+l.pad, at.Y+l.pad+l.ascent),
	}
	d.DrawString(text)
}

// beside writes text just above the top-left corner of anchor, or inside
// it at the top when there is no room above, kept within the canvas and
// below row top.
func (l *labeler) beside(cv *canvas, anchor rect, text string, bg color.RGBA, top int) {
	w, h := l.size(text)
	x := int(math.Floor(math.Max(anchor.Min.X, 0)))
	y0 := int(math.Floor(math.Max(anchor.Min.Y, float64(top))))
	y := y0 - h
	if y < top {
		y = y0
	}
	x = max(0, min(x, cv.w-w))
	y = max(0, min(y, cv.h-h))
	l.draw(cv, text, image.Pt(x, y), bg)
}

// captionLayout places labels as chips in rows across the top of a canvas
// w pixels wide. It returns each chip's top-left corner and the height of
// the bar that holds them (0 without labels).
func (l *labeler) captionLayout(w int, labels []string) ([]image.Point, int) {
	if len(labels) == 0 {
		return nil, 0
	}
	_, h := l.size("")
	gap := l.pad
	var chips []image.Point
	x, y := gap, gap
	for _, label := range labels {
		cw, _ := l.size(shortLabel(label))
		if x > gap && x+cw > w {
			x, y = gap, y+h+gap
		}
		chips = append(chips, image.Pt(x, y))
		x += cw + gap
	}
	return chips, y + h + gap
}

// captionBar writes labels as chips on a dark bar across the top.
func (l *labeler) captionBar(cv *canvas, labels []string) {
	chips, height := l.captionLayout(cv.w, labels)
	if height == 0 {
		return
	}
	cv.fillRect(image.Rect(0, 0, cv.w, height), color.RGBA{0, 0, 0, 255}, 150)
	for i, label := range labels {
		l.draw(cv, shortLabel(label), chips[i], LabelColor(label))
	}
}

// shortLabel cuts a label to maxLabelRunes, marking the cut.
func shortLabel(label string) string {
	r := []rune(label)
	if len(r) <= maxLabelRunes {
		return label
	}
	return string(r[:maxLabelRunes-1]) + "…"
}
