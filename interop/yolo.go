package interop

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// YOLOLabelsFile names the file of a YOLO folder that lists the labels, one
// a line; the line number, from 0, is the class id.
const YOLOLabelsFile = "labels.txt"

// ReadYOLO reads a YOLO folder: labels.txt and, for each item, the .txt
// file at the item's relative path with its extension replaced ("/sub/a.jpg"
// reads sub/a.txt). Each line is "class xc yc w h", the box centre and size
// divided by the displayed width and height. It returns box annotations by
// item path with the Problems met; an item without a file has no boxes. A
// missing or unreadable labels.txt or folder is an error.
func ReadYOLO(dir string, images map[string]Image) (map[string][]map[string]any, []Problem, error) {
	labels, err := readYOLOLabels(filepath.Join(dir, YOLOLabelsFile))
	if err != nil {
		return nil, nil, err
	}
	read := func(file string, img Image) ([]map[string]any, []Problem, error) {
		return readYOLOFile(file, labels, img)
	}
	out, problems, err := readSidecars(dir, ".txt", YOLOLabelsFile, images, read)
	if err != nil {
		return nil, nil, fmt.Errorf("read yolo %s: %w", dir, err)
	}
	return out, problems, nil
}

// readYOLOLabels reads labels.txt, dropping trailing blank lines.
func readYOLOLabels(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read yolo labels: %w", err)
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines, nil
}

// readYOLOFile reads the boxes of one item.
func readYOLOFile(file string, labels []string, img Image) ([]map[string]any, []Problem, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	iw, ih := img.DisplaySize()
	var anns []map[string]any
	var problems []Problem
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if iw <= 0 || ih <= 0 {
			problems = append(problems, Problem{file, "",
				fmt.Sprintf("item %s has no known size; its boxes are skipped", img.Path)})
			return nil, problems, nil
		}
		ann, reason := parseYOLOLine(line, labels, iw, ih)
		if reason != "" {
			problems = append(problems, Problem{file, fmt.Sprintf("line %d", n), reason})
			continue
		}
		anns = append(anns, ann)
	}
	return anns, problems, sc.Err()
}

// parseYOLOLine makes a box of one line, or says why it cannot.
func parseYOLOLine(line string, labels []string, iw, ih int) (map[string]any, string) {
	f := strings.Fields(line)
	if len(f) != 5 {
		return nil, fmt.Sprintf("malformed line: %d fields, want class xc yc w h", len(f))
	}
	class, err := strconv.Atoi(f[0])
	if err != nil {
		return nil, fmt.Sprintf("malformed class %q", f[0])
	}
	if class < 0 || class >= len(labels) || labels[class] == "" {
		return nil, fmt.Sprintf("unknown class %d (%s has %d labels)",
			class, YOLOLabelsFile, len(labels))
	}
	var v [4]float64
	for i := range v {
		if v[i], err = strconv.ParseFloat(f[i+1], 64); err != nil ||
			math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			return nil, fmt.Sprintf("malformed number %q", f[i+1])
		}
	}
	if v[2] < 0 || v[3] < 0 {
		return nil, fmt.Sprintf("negative box size %s %s", f[3], f[4])
	}

	w, h := float64(iw), float64(ih)
	r := rect{(v[0] - v[2]/2) * w, (v[1] - v[3]/2) * h, (v[0] + v[2]/2) * w, (v[1] + v[3]/2) * h}
	if r.outside(iw, ih) {
		return nil, outsideReason("box", r, iw, ih)
	}
	return newBox(labels[class], r), ""
}

// WriteYOLO writes labels.txt and one .txt per image into dir (creating
// folders as needed), and returns the annotations it could not express.
// Only boxes are written; the class ids follow the byte order of the labels.
// Every image gets a file, empty when it has no box.
func WriteYOLO(dir string, images []Image) ([]Problem, error) {
	files, labels, problems := planSidecars(images, "yolo", ".txt", YOLOLabelsFile)
	classes := map[string]int{}
	for i, l := range labels {
		classes[l] = i
	}
	list := ""
	if len(labels) > 0 {
		list = strings.Join(labels, "\n") + "\n"
	}
	if err := writeFile(dir, YOLOLabelsFile, []byte(list)); err != nil {
		return problems, err
	}

	for _, sf := range files {
		var b strings.Builder
		iw, ih := sf.img.DisplaySize()
		w, h := float64(iw), float64(ih)
		for _, bx := range sf.boxes {
			r := bx.r
			fmt.Fprintf(&b, "%d %s %s %s %s\n", classes[bx.label],
				yoloNum((r.X0+r.X1)/2/w), yoloNum((r.Y0+r.Y1)/2/h),
				yoloNum((r.X1-r.X0)/w), yoloNum((r.Y1-r.Y0)/h))
		}
		if err := writeFile(dir, sf.rel, []byte(b.String())); err != nil {
			return problems, err
		}
	}
	return problems, nil
}

// yoloNum formats a normalised coordinate to eight decimals.
func yoloNum(v float64) string { return decimal(v, 8) }

// writeFile writes data to the slash-separated rel under dir.
func writeFile(dir, rel string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}
