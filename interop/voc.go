package interop

import (
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
)

// vocAnnotation is one Pascal VOC file.
type vocAnnotation struct {
	XMLName   xml.Name    `xml:"annotation"`
	Folder    string      `xml:"folder"`
	Filename  string      `xml:"filename"`
	Path      string      `xml:"path,omitempty"`
	Size      vocSize     `xml:"size"`
	Segmented int         `xml:"segmented"`
	Objects   []vocObject `xml:"object"`
}

// vocSize is <size>.
type vocSize struct {
	Width  string `xml:"width"`
	Height string `xml:"height"`
	Depth  string `xml:"depth"`
}

// vocObject is one <object>. Numbers stay strings so that one bad value is
// a Problem for its object only.
type vocObject struct {
	Name      string `xml:"name"`
	Pose      string `xml:"pose"`
	Truncated string `xml:"truncated"`
	Difficult string `xml:"difficult"`
	BndBox    struct {
		XMin string `xml:"xmin"`
		YMin string `xml:"ymin"`
		XMax string `xml:"xmax"`
		YMax string `xml:"ymax"`
	} `xml:"bndbox"`
}

// ReadVOC reads a folder of Pascal VOC files, the file of an item being at
// its relative path with the extension replaced by .xml ("/sub/a.jpg" reads
// sub/a.xml). Each <object> with a <bndbox> becomes a box labelled with its
// <name>; coordinates are taken as pixels of the displayed image, as
// WriteVOC writes them (no 1-based shift). It returns box annotations by
// item path with the Problems met. An unreadable folder or file is an
// error; a file that is not VOC XML is a Problem.
func ReadVOC(dir string, images map[string]Image) (map[string][]map[string]any, []Problem, error) {
	out, problems, err := readSidecars(dir, ".xml", "", images, readVOCFile)
	if err != nil {
		return nil, nil, fmt.Errorf("read voc %s: %w", dir, err)
	}
	return out, problems, nil
}

// readVOCFile reads the boxes of one item.
func readVOCFile(file string, img Image) ([]map[string]any, []Problem, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var va vocAnnotation
	if err := xml.Unmarshal(data, &va); err != nil {
		return nil, []Problem{{file, "", fmt.Sprintf("not a voc annotation: %v", err)}}, nil
	}

	var problems []Problem
	iw, ih := img.DisplaySize()
	w, errW := strconv.Atoi(strings.TrimSpace(va.Size.Width))
	h, errH := strconv.Atoi(strings.TrimSpace(va.Size.Height))
	if errW == nil && errH == nil && iw > 0 && ih > 0 && w > 0 && (w != iw || h != ih) {
		problems = append(problems, Problem{file, "size", fmt.Sprintf(
			"size %dx%d differs from item %s (%dx%d); boxes kept", w, h, img.Path, iw, ih)})
	}

	var anns []map[string]any
	for i, o := range va.Objects {
		ann, reason := vocBox(o, iw, ih)
		if reason != "" {
			problems = append(problems, Problem{file, fmt.Sprintf("object[%d]", i), reason})
			continue
		}
		anns = append(anns, ann)
	}
	return anns, problems, nil
}

// vocBox makes a box of one object, or says why it cannot.
func vocBox(o vocObject, iw, ih int) (map[string]any, string) {
	name := strings.TrimSpace(o.Name)
	if name == "" {
		return nil, "object has no name"
	}
	var v [4]float64
	for i, s := range []string{o.BndBox.XMin, o.BndBox.YMin, o.BndBox.XMax, o.BndBox.YMax} {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Sprintf("malformed bndbox value %q", s)
		}
		v[i] = f
	}
	if v[2] < v[0] || v[3] < v[1] {
		return nil, fmt.Sprintf("bndbox max (%g,%g) is before min (%g,%g)", v[2], v[3], v[0], v[1])
	}
	r := rect{v[0], v[1], v[2], v[3]}
	if r.outside(iw, ih) {
		return nil, outsideReason("bndbox", r, iw, ih)
	}
	return newBox(name, r), ""
}

// WriteVOC writes one Pascal VOC file per image into dir (creating folders
// as needed), at the image's relative path with the extension replaced by
// .xml, and returns the annotations it could not express. Only boxes are
// written, as <object> with <name> and <bndbox> in displayed-image pixels;
// <size> is the displayed size. Every image gets a file.
func WriteVOC(dir string, images []Image) ([]Problem, error) {
	files, _, problems := planSidecars(images, "voc", ".xml", "")
	for _, sf := range files {
		iw, ih := sf.img.DisplaySize()
		folder, name := path.Split(strings.TrimPrefix(sf.img.Path, "/"))
		va := vocAnnotation{
			Folder: strings.TrimSuffix(folder, "/"), Filename: name, Path: sf.img.Path,
			Size: vocSize{strconv.Itoa(iw), strconv.Itoa(ih), "3"},
		}
		for _, bx := range sf.boxes {
			o := vocObject{Name: bx.label, Pose: "Unspecified", Truncated: "0", Difficult: "0"}
			o.BndBox.XMin, o.BndBox.YMin = vocNum(bx.r.X0), vocNum(bx.r.Y0)
			o.BndBox.XMax, o.BndBox.YMax = vocNum(bx.r.X1), vocNum(bx.r.Y1)
			va.Objects = append(va.Objects, o)
		}
		data, err := xml.MarshalIndent(va, "", "  ")
		if err != nil {
			return problems, fmt.Errorf("write voc %s: %w", sf.rel, err)
		}
		data = append([]byte(xml.Header), append(data, '\n')...)
		if err := writeFile(dir, sf.rel, data); err != nil {
			return problems, err
		}
	}
	return problems, nil
}

// vocNum formats a pixel coordinate to a millionth.
func vocNum(v float64) string { return decimal(v, 6) }
