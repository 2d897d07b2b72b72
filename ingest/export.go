package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dlfs/dlfs/meta"
)

// job is one item to store: its bytes on disk and, from an export, its JSON.
type job struct {
	path     string            // item filename, cleaned
	file     string            // the binary on disk
	jsonFile string            // the item JSON it came from, "" for a plain file
	item     *meta.Item        // nil for a plain file: built from its bytes
	anns     []meta.Annotation // nil: keep the stored annotations
}

// source names the file a problem with j is reported against.
func (j *job) source() string {
	if j.jsonFile != "" {
		return j.jsonFile
	}
	return j.file
}

// scanExport reads every JSON under src/json and pairs it with its binary
// under src/items.
func (im *Importer) scanExport(src string) ([]job, []Problem, error) {
	var files []string
	root := filepath.Join(src, "json")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	parsed := im.readExportJSONs(src, files)

	// In walk order, so that which of two JSONs claiming one path wins
	// does not depend on timing.
	var jobs []job
	var probs []Problem
	seen := map[string]string{} // item path -> JSON that claimed it
	for i, r := range parsed {
		p := files[i]
		if r.err != nil {
			probs = append(probs, Problem{File: p, Reason: r.err.Error()})
			continue
		}
		if prev, dup := seen[r.job.path]; dup {
			probs = append(probs, Problem{File: p,
				Reason: fmt.Sprintf("filename %s is claimed by %s too", r.job.path, prev)})
			continue
		}
		seen[r.job.path] = p
		jobs = append(jobs, *r.job)
	}
	return jobs, probs, nil
}

// parsedJSON is one export JSON read by readExportJSONs.
type parsedJSON struct {
	job *job
	err error
}

// readExportJSONs reads the item JSONs with the importer's workers: on
// large exports parsing JSON is most of an import's work.
func (im *Importer) readExportJSONs(src string, files []string) []parsedJSON {
	out := make([]parsedJSON, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < im.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].job, out[i].err = readExportJSON(src, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// readExportJSON parses one export JSON in any of the shapes dlfs accepts
// and finds its binary.
func readExportJSON(src, file string) (*job, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	raw, err := meta.DecodeObject(data)
	if err != nil {
		return nil, describeJSONError(data, err)
	}
	normaliseOldShape(raw)
	anns, err := annotationsOf(raw)
	if err != nil {
		return nil, err
	}
	delete(raw, "annotations")

	j := &job{jsonFile: file, anns: anns}
	if _, ok := raw["filename"]; !ok {
		// A bare {"annotations": [...]}: matched to its binary by path.
		return bareAnnotations(src, file, j)
	}
	fn, _ := raw["filename"].(string)
	if j.path, err = meta.CleanFilename(fn); err != nil {
		return nil, fmt.Errorf("filename: %w", err)
	}
	if j.item, err = meta.ItemFromMap(raw); err != nil {
		return nil, fmt.Errorf("item fields: %w", err)
	}
	if j.item.ID != "" && !meta.IsID(j.item.ID) {
		return nil, fmt.Errorf("id %q is not 24 lowercase hex digits", j.item.ID)
	}
	j.file = filepath.Join(src, "items", filepath.FromSlash(j.path[1:]))
	if _, err := os.Stat(j.file); err != nil {
		return nil, fmt.Errorf("no binary for %s: %s is missing", j.path, j.file)
	}
	return j, nil
}

// normaliseOldShape maps the older export shapes onto the current one:
// "_id" becomes "id", "itemMetadata" becomes "metadata".
func normaliseOldShape(raw map[string]any) {
	if id, ok := raw["_id"]; ok {
		if _, has := raw["id"]; !has {
			raw["id"] = id
		}
		delete(raw, "_id")
	}
	if md, ok := raw["itemMetadata"]; ok {
		if _, has := raw["metadata"]; !has {
			raw["metadata"] = md
		}
		delete(raw, "itemMetadata")
	}
}

// annotationsOf returns the item's annotations array, with the older id
// names ("_id", "annotationId") mapped to "id".
func annotationsOf(raw map[string]any) ([]meta.Annotation, error) {
	v, ok := raw["annotations"]
	if !ok {
		return []meta.Annotation{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		if _, isURL := v.(string); isURL {
			return []meta.Annotation{}, nil // an API answer: a URL, not data
		}
		return nil, fmt.Errorf("annotations: want an array, found %T", v)
	}
	anns := make([]meta.Annotation, 0, len(list))
	for i, a := range list {
		obj, ok := a.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("annotations[%d]: want an object", i)
		}
		for _, old := range []string{"_id", "annotationId"} {
			if id, ok := obj[old]; ok {
				if _, has := obj["id"]; !has {
					obj["id"] = id
				}
				delete(obj, old)
			}
		}
		if t, _ := obj["type"].(string); t == "" {
			return nil, fmt.Errorf("annotations[%d]: no type", i)
		}
		anns = append(anns, meta.Annotation(obj))
	}
	return anns, nil
}

// bareAnnotations pairs a JSON holding only annotations with its binary:
// json/a/b.jpg.json names items/a/b.jpg; json/a/b.json names the one file
// items/a/b.* there is.
func bareAnnotations(src, file string, j *job) (*job, error) {
	rel, _ := filepath.Rel(filepath.Join(src, "json"), file)
	rel = strings.TrimSuffix(filepath.ToSlash(rel), ".json")
	items := filepath.Join(src, "items")
	cand := filepath.Join(items, filepath.FromSlash(rel))
	if fi, err := os.Stat(cand); err != nil || fi.IsDir() {
		matches, _ := filepath.Glob(filepath.Join(items, filepath.FromSlash(rel)) + ".*")
		if len(matches) != 1 {
			return nil, fmt.Errorf("no filename, and no single binary items/%s.* to match it with "+
				"(found %d)", rel, len(matches))
		}
		cand = matches[0]
	}
	r, _ := filepath.Rel(items, cand)
	p, err := meta.CleanFilename("/" + filepath.ToSlash(r))
	if err != nil {
		return nil, err
	}
	j.path, j.file = p, cand
	return j, nil
}

// describeJSONError names the line and column of a syntax error.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := bytes.Count(data[:off], []byte("\n")) + 1
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("malformed JSON at line %d, column %d: %w", line, col, err)
}

// relPath returns file's item path relative to root.
func relPath(root, file string) (string, error) {
	r, err := filepath.Rel(root, file)
	if err != nil {
		return "", err
	}
	return meta.CleanFilename(path.Clean("/" + filepath.ToSlash(r)))
}

// ExportDatasetID returns the datasetId of the first item JSON of the
// export at src, or "" (a plain folder, or no id). A dataset created by
// importing an export takes that id, so that its items keep their
// datasetId.
func ExportDatasetID(src string) string {
	if !IsExport(src) {
		return ""
	}
	id := ""
	filepath.WalkDir(filepath.Join(src, "json"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		var head struct {
			DatasetID string `json:"datasetId"`
		}
		if json.Unmarshal(data, &head) == nil && meta.IsID(head.DatasetID) {
			id = head.DatasetID
			return filepath.SkipAll
		}
		return nil
	})
	return id
}
