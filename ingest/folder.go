package ingest

import (
	"io/fs"
	"path/filepath"
)

// scanFolder makes every regular file under src an item at its relative
// path. Symlinks and special files are reported and skipped.
func (im *Importer) scanFolder(src string) ([]job, []Problem, error) {
	var jobs []job
	var probs []Problem
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			probs = append(probs, Problem{File: p, Reason: err.Error()})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			probs = append(probs, Problem{File: p, Reason: "not a regular file (skipped)"})
			return nil
		}
		ip, err := relPath(src, p)
		if err != nil {
			probs = append(probs, Problem{File: p, Reason: err.Error()})
			return nil
		}
		jobs = append(jobs, job{path: ip, file: p})
		return nil
	})
	return jobs, probs, err
}
