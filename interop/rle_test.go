package interop

import (
	"errors"
	"slices"
	"testing"
)

// The example runs below were worked out by hand from the rules of the
// compressed form (see DecodeRLEString):
//
//	count  stored value      5-bit groups        characters
//	2      2                 2                   '2' (48+2)
//	5      5                 5                   '5'
//	5      5                 5                   '5'
//	40     40-5 = 35         3 then 1 (35=3+32)  'S' (48+3+0x20), '1' (48+1)
//	1      1-5 = -4          28, sign bit set    'L' (48+28)
//	3      3-40 = -37        27 then 30 (sign)   'k' (48+27+0x20), 'N' (48+30)
var (
	exampleCounts = []int{2, 5, 5, 40, 1, 3}
	exampleString = "255S1LkN"
)

func TestRLEStringExample(t *testing.T) {
	if got := EncodeRLEString(exampleCounts); got != exampleString {
		t.Errorf("EncodeRLEString = %q, want %q", got, exampleString)
	}
	got, err := DecodeRLEString(exampleString)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, exampleCounts) {
		t.Errorf("DecodeRLEString = %v, want %v", got, exampleCounts)
	}
}

func TestDecodeRLEStringErrors(t *testing.T) {
	for _, s := range []string{
		"S",             // a continued group with nothing after it
		"2 5",           // a byte below '0'
		"2\x7f",         // a byte above '0'+63
		"ooooooooooooo", // a count longer than 64 bits
	} {
		if _, err := DecodeRLEString(s); !errors.Is(err, errRLEString) {
			t.Errorf("DecodeRLEString(%q) = %v, want errRLEString", s, err)
		}
	}
}

// A 4 wide, 3 high mask; read column by column it is 0 0 1 | 1 1 1 | 1 0 0
// | 0 0 0, that is 2 off, 5 on, 5 off.
var (
	exampleMask = Mask{Width: 4, Height: 3, Bits: []bool{
		false, true, true, false,
		false, true, false, false,
		true, true, false, false,
	}}
	exampleMaskRLE = RLE{Height: 3, Width: 4, Counts: []int{2, 5, 5}}
)

func TestRLEMaskExample(t *testing.T) {
	got := EncodeRLE(exampleMask)
	if got.Width != 4 || got.Height != 3 || !slices.Equal(got.Counts, exampleMaskRLE.Counts) {
		t.Errorf("EncodeRLE = %+v, want %+v", got, exampleMaskRLE)
	}
	m, err := exampleMaskRLE.Mask()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Bits, exampleMask.Bits) {
		t.Errorf("Mask = %v, want %v", m.Bits, exampleMask.Bits)
	}
	if r, ok := m.Bounds(); !ok || r != (rect{0, 0, 3, 3}) {
		t.Errorf("Bounds = %v %v, want (0,0)-(3,3)", r, ok)
	}
	if m.Area() != 5 {
		t.Errorf("Area = %d, want 5", m.Area())
	}

	// A mask whose first pixel is set starts with an empty run.
	first := Mask{Width: 2, Height: 1, Bits: []bool{true, false}}
	if got := EncodeRLE(first).Counts; !slices.Equal(got, []int{0, 1, 1}) {
		t.Errorf("EncodeRLE(first set) = %v, want [0 1 1]", got)
	}
}

func TestRLEMaskErrors(t *testing.T) {
	for _, r := range []RLE{
		{Height: 3, Width: 4, Counts: []int{2, 5, 4}},   // short of 12 pixels
		{Height: 3, Width: 4, Counts: []int{2, 5, 6}},   // past 12 pixels
		{Height: 3, Width: 4, Counts: []int{2, -1, 11}}, // negative run
		{Height: 0, Width: 4, Counts: nil},
	} {
		if _, err := r.Mask(); err == nil {
			t.Errorf("%+v: Mask succeeded", r)
		}
	}
}

func TestMaskDataURLRoundTrip(t *testing.T) {
	url, err := MaskToDataURL(exampleMask)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MaskFromDataURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != 4 || got.Height != 3 || !slices.Equal(got.Bits, exampleMask.Bits) {
		t.Errorf("round trip gave %+v, want %+v", got, exampleMask)
	}
	if _, err := MaskFromDataURL("data:image/jpeg;base64,AAAA"); err == nil {
		t.Error("a jpeg url was accepted")
	}
}

func FuzzDecodeRLEString(f *testing.F) {
	f.Add(exampleString)
	f.Add("")
	f.Add("S")
	f.Add("0000000000000000")
	f.Add("PPPPPPPPPPPPP")
	f.Fuzz(func(t *testing.T, s string) {
		counts, err := DecodeRLEString(s)
		if err != nil {
			return
		}
		again, err := DecodeRLEString(EncodeRLEString(counts))
		if err != nil {
			t.Fatalf("re-decoding %v: %v", counts, err)
		}
		if !slices.Equal(again, counts) {
			t.Fatalf("round trip of %q: %v became %v", s, counts, again)
		}
	})
}
