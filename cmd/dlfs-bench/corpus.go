package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/dlfs/dlfs/blob/backend"
	"github.com/dlfs/dlfs/meta"
)

// writeFiles writes n files of size bytes named NAME%05d.bin into dirs
// subfolders of dir (dir itself when dirs is 0), returning their paths.
func writeFiles(dir string, n, dirs, size int, prefix string) ([]string, error) {
	block := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(block); i += 8 {
		binary.LittleEndian.PutUint64(block[i:], rng.Uint64())
	}
	var paths []string
	for i := 0; i < n; i++ {
		d := dir
		if dirs > 0 {
			d = filepath.Join(dir, fmt.Sprintf("d%02d", i%dirs))
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		p := filepath.Join(d, fmt.Sprintf("%s%05d.bin", prefix, i))
		if err := writeFile(p, size, block, uint64(i)); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// writeFile writes size bytes to p, repeating block with a counter in its
// first bytes so that no two MiB are alike.
func writeFile(p string, size int, block []byte, seed uint64) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	for off := 0; off < size; off += len(block) {
		binary.LittleEndian.PutUint64(block, seed<<32|uint64(off))
		chunk := block[:min(len(block), size-off)]
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// metaDataset creates dataset name in store with n metadata-only items
// spread over folders of perDir items (one folder "wide" when perDir is
// n). Every item names the same small blob in the linked folder blobDir,
// whose path is returned.
func metaDataset(store, name, blobDir string, n, perDir int) error {
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(blobDir, "shared.bin"), make([]byte, 4096), 0o644); err != nil {
		return err
	}
	spec, err := backend.LinkSpec(blobDir)
	if err != nil {
		return err
	}
	cat, err := meta.Open(store, meta.Options{})
	if err != nil {
		return err
	}
	defer cat.Close()
	ds, err := cat.CreateDataset(name, spec)
	if err != nil {
		return err
	}
	const batch = 1000
	for start := 0; start < n; start += batch {
		err := cat.Update(func(tx *meta.Tx) error {
			for i := start; i < min(n, start+batch); i++ {
				if err := tx.PutItem(ds, metaRecord(i, perDir), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("items %d..: %w", start, err)
		}
		if start%100_000 == 0 && start > 0 {
			progress("  %s: %d items", name, start)
		}
	}
	return nil
}

// metaRecord returns item i of a metadata-only dataset.
func metaRecord(i, perDir int) *meta.Record {
	dir := "/wide"
	if perDir > 0 {
		dir = fmt.Sprintf("/d%04d", i/perDir)
	}
	it := &meta.Item{ID: meta.NewID(), Filename: fmt.Sprintf("%s/img%07d.jpg", dir, i),
		Type: meta.TypeFile, CreatedAt: "2024-05-26T15:20:08.483Z",
		Metadata: map[string]any{"system": map[string]any{
			"size": json.Number("4096"), "mimetype": "image/jpeg",
			"width": json.Number("640"), "height": json.Number("480")}}}
	return &meta.Record{Item: it, Blob: "shared.bin"}
}

// writeExport writes a Dataloop export of n items (a small binary and a
// JSON with one box annotation each) into 100-item folders under dir.
func writeExport(dir string, n int) error {
	data := make([]byte, 512)
	dsID := meta.NewID()
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("d%04d", i/1000)
		name := fmt.Sprintf("img%07d", i)
		for _, d := range []string{"items", "json"} {
			if i%1000 == 0 {
				if err := os.MkdirAll(filepath.Join(dir, d, sub), 0o755); err != nil {
					return err
				}
			}
		}
		id := meta.NewID()
		item := map[string]any{
			"id": id, "datasetId": dsID, "filename": "/" + sub + "/" + name + ".jpg",
			"dir": "/" + sub, "name": name + ".jpg", "type": "file", "hidden": false,
			"createdAt": "2024-05-26T15:20:08.483Z",
			"metadata": map[string]any{"system": map[string]any{
				"mimetype": "image/jpeg", "size": len(data), "width": 640, "height": 480}},
			"annotations": []any{map[string]any{
				"id": meta.NewID(), "datasetId": dsID, "itemId": id, "type": "box",
				"label": "cat", "coordinates": []any{
					map[string]any{"x": 10.5, "y": 20, "z": 0},
					map[string]any{"x": 110, "y": 220.25, "z": 0}},
				"metadata": map[string]any{"system": map[string]any{"coordinateVersion": "v2"}},
			}},
		}
		js, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "items", sub, name+".jpg"), data, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "json", sub, name+".json"), js, 0o644); err != nil {
			return err
		}
	}
	return nil
}
