package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/dlfs/dlfs/meta"
)

// maxSpecialSize bounds the JSON files read for a shebang: Dataloop's
// special items are small descriptions, not data.
const maxSpecialSize = 1 << 20

// shebangFile is the part of a special item's content that dlfs reads.
type shebangFile struct {
	Type     string `json:"type"`
	Shebang  string `json:"shebang"`
	Metadata struct {
		DLType   string `json:"dltype"`
		LinkInfo *ref   `json:"linkInfo"`
		Target   *ref   `json:"target"`
	} `json:"metadata"`
	Items []ref `json:"items"`
}

// ref points at an item by id, or at a URL.
type ref struct {
	Type string `json:"type"` // "id" or "url"
	Ref  string `json:"ref"`
}

// ParseSpecial reads the content of a JSON file and returns how it shows
// when it is a Dataloop special item ("shebang": "dataloop"): a link to an
// item id, or a collection or multiview of items. It returns nil, nil for
// any other content, including special items dlfs keeps as plain JSON
// (links to URLs, prompts, saved filters). A shebang item that names no
// item is an error.
func ParseSpecial(data []byte) (*meta.Special, error) {
	if !bytes.Contains(data, []byte(`"shebang"`)) {
		return nil, nil
	}
	var f shebangFile
	if err := json.Unmarshal(data, &f); err != nil || f.Shebang != "dataloop" {
		return nil, nil
	}
	kind := f.Metadata.DLType
	if kind == "" {
		kind = f.Type
	}
	switch kind {
	case "link":
		li := f.Metadata.LinkInfo
		if li == nil {
			return nil, fmt.Errorf("shebang link without metadata.linkInfo")
		}
		if li.Type == "url" {
			return nil, nil
		}
		if li.Type != "id" || !meta.IsID(li.Ref) {
			return nil, fmt.Errorf("shebang link: linkInfo names no item id (type %q, ref %q)",
				li.Type, li.Ref)
		}
		return &meta.Special{Kind: meta.SpecialLink, Refs: []string{li.Ref}}, nil
	case "collection", "multi":
		return collectionOf(kind, f)
	}
	return nil, nil
}

// collectionOf returns the members of a collection or multiview: its
// target first (a similarity collection's reference item), then its items,
// each id once. URL members are left out.
func collectionOf(kind string, f shebangFile) (*meta.Special, error) {
	sp := &meta.Special{Kind: meta.SpecialCollection}
	seen := map[string]bool{}
	refs := f.Items
	if t := f.Metadata.Target; t != nil {
		refs = append([]ref{*t}, refs...)
	}
	for i, r := range refs {
		if r.Type != "id" {
			continue
		}
		if !meta.IsID(r.Ref) {
			return nil, fmt.Errorf("shebang %s: member %d: %q is not an item id", kind, i, r.Ref)
		}
		if !seen[r.Ref] {
			seen[r.Ref] = true
			sp.Refs = append(sp.Refs, r.Ref)
		}
	}
	if len(sp.Refs) == 0 {
		return nil, fmt.Errorf("shebang %s names no item by id", kind)
	}
	return sp, nil
}

// readSpecial reads file and parses it when it may be a special item: a
// .json file of at most maxSpecialSize bytes.
func readSpecial(file string) (*meta.Special, error) {
	if !strings.EqualFold(path.Ext(file), ".json") {
		return nil, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpecialSize+1))
	if err != nil || len(data) > maxSpecialSize {
		return nil, err
	}
	return ParseSpecial(data)
}

// markSpecials finds the special items among the jobs just stored and
// marks them in the catalog. It runs after every item of the import is
// stored, so that links to items stored after them resolve. A special
// item whose targets are not in the dataset is kept, as a plain JSON file
// or with fewer members, and reported.
func (im *Importer) markSpecials(jobs []job, res *Result) error {
	for i := range jobs {
		j := &jobs[i]
		sp, err := readSpecial(j.file)
		if err != nil {
			res.Problems = append(res.Problems, Problem{File: j.file, Reason: err.Error() +
				"; kept as a plain JSON item"})
			continue
		}
		if sp == nil {
			continue
		}
		rec, err := im.cat.ItemByPath(im.ds, j.path)
		if errors.Is(err, meta.ErrNotFound) {
			continue // not stored: already reported
		}
		if err != nil {
			return err
		}
		var missing []string
		err = im.cat.Update(func(tx *meta.Tx) (err error) {
			missing, err = tx.SetSpecial(im.ds, rec.Item.ID, sp)
			return err
		})
		if err != nil {
			return fmt.Errorf("item %s: %w", j.path, err)
		}
		if len(missing) > 0 {
			res.Problems = append(res.Problems, Problem{File: j.source(),
				Reason: fmt.Sprintf("shebang %s: items %s are not in the dataset; %s", sp.Kind,
					strings.Join(missing, ", "), missingEffect(sp))})
		}
	}
	return nil
}

// missingEffect says what becomes of a special item with missing targets.
func missingEffect(sp *meta.Special) string {
	if sp.Kind == meta.SpecialLink {
		return "shown as a plain JSON file until its target is imported"
	}
	return "the collection shows the members found"
}
