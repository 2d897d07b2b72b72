package sample

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dlfs/dlfs/meta/sysmeta"
)

// Stats counts what Generate wrote.
type Stats struct {
	Items       int // image items, one binary and one JSON each
	Annotations int // annotations over all items, class annotations included
}

// folder is one folder of the sample dataset and how its images look.
type folder struct {
	dir       string
	split     string // metadata.user.split
	noise     int    // background noise amplitude
	minShapes int
	maxShapes int
}

// folders, and the share of items each gets out of every twenty.
var folders = []struct {
	folder
	share int
}{
	{folder{"/train/shapes", "train", 0, 1, 3}, 8},
	{folder{"/train/scenes", "train", 14, 3, 6}, 4},
	{folder{"/val", "val", 8, 1, 6}, 4},
	{folder{"/test", "test", 8, 1, 6}, 4},
}

// sizes are the image dimensions drawn from, width by height.
var sizes = [][2]int{{320, 240}, {400, 300}, {480, 360}, {512, 384}, {640, 480}, {360, 480}}

// epoch is the creation time of the first item; later items follow it.
var epoch = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// unannotatedEvery makes every so many items unannotated: drawn, but with no
// annotations yet, as in a dataset still being labelled.
const unannotatedEvery = 20

// Generate writes n synthetic image items under dest in the Dataloop
// export layout (items/ and json/) and reports what it wrote. The output
// depends only on n and seed. Existing files of the same names are
// replaced; other files in dest are left alone.
func Generate(dest string, n int, seed int64) (Stats, error) {
	if n <= 0 {
		return Stats{}, fmt.Errorf("generate sample in %s: item count %d is not positive", dest, n)
	}
	datasetID := objectID(rand.New(rand.NewPCG(uint64(seed), 0)), epoch)

	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		mu    sync.Mutex // protects stats and errs
		stats Stats
		errs  []error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				anns, err := writeItem(dest, i, seed, datasetID)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					stats.Items++
					stats.Annotations += anns
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		return stats, fmt.Errorf("generate sample in %s: %w", dest, err)
	}
	return stats, nil
}

// folderFor returns the folder of the i-th item.
func folderFor(i int) folder {
	slot := i % 20
	for _, f := range folders {
		if slot < f.share {
			return f.folder
		}
		slot -= f.share
	}
	return folders[len(folders)-1].folder
}

// writeItem draws the i-th image, writes it and its item JSON under dest,
// and returns how many annotations it has.
func writeItem(dest string, i int, seed int64, datasetID string) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)+1))
	f := folderFor(i)
	data, ext, shapes, err := drawImage(rng, f)
	if err != nil {
		return 0, fmt.Errorf("item %d: %w", i, err)
	}

	filename := path.Join(f.dir, fmt.Sprintf("img_%04d%s", i, ext))
	item, err := describeItem(rng, i, filename, data, shapes, f, datasetID)
	if err != nil {
		return 0, fmt.Errorf("item %s: %w", filename, err)
	}
	doc, err := json.MarshalIndent(item, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("item %s: %w", filename, err)
	}

	jsonName := strings.TrimSuffix(filename, ext) + ".json"
	if err := writeFile(filepath.Join(dest, "items", filename), data); err != nil {
		return 0, err
	}
	if err := writeFile(filepath.Join(dest, "json", jsonName), append(doc, '\n')); err != nil {
		return 0, err
	}
	return len(item.Annotations), nil
}

// drawImage renders one image for folder f and encodes it as PNG or JPEG.
func drawImage(rng *rand.Rand, f folder) (data []byte, ext string, shapes []shape, err error) {
	size := sizes[rng.IntN(len(sizes))]
	m := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
	paintBackground(m, rng, f.noise)
	shapes = placeShapes(rng, size[0], size[1], f.minShapes+rng.IntN(f.maxShapes-f.minShapes+1))
	for _, s := range shapes {
		s.draw(m)
	}

	var buf bytes.Buffer
	if rng.IntN(2) == 0 {
		ext = ".png"
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, m)
	} else {
		ext = ".jpg"
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("encode %s: %w", ext, err)
	}
	return buf.Bytes(), ext, shapes, nil
}

// describeItem builds the item JSON of an image and its annotations.
func describeItem(rng *rand.Rand, i int, filename string, data []byte, shapes []shape,
	f folder, datasetID string) (*itemJSON, error) {
	name := path.Base(filename)
	system, err := sysmeta.Probe(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		return nil, err
	}

	jitter := time.Duration(rng.IntN(60000)) * time.Millisecond
	created := epoch.Add(time.Duration(i)*time.Minute + jitter)
	item := &itemJSON{
		ID:        objectID(rng, created),
		DatasetID: datasetID,
		CreatedAt: timestamp(created),
		UpdatedAt: timestamp(created),
		Creator:   creator,
		Dir:       path.Dir(filename),
		Filename:  filename,
		Name:      name,
		Type:      "file",
		Metadata: itemMetadata{System: system, User: userMetadata{
			Split:      f.split,
			Difficulty: min(3, 1+(len(shapes)-1)/2),
			Shapes:     len(shapes),
		}},
		Annotations: []annotationJSON{},
	}
	if i%unannotatedEvery == unannotatedEvery-1 {
		return item, nil
	}

	at := created.Add(time.Duration(1+rng.IntN(3600)) * time.Second)
	for _, s := range shapes {
		item.Annotations = append(item.Annotations, annotate(s, rng, item, at))
		at = at.Add(time.Duration(1+rng.IntN(30)) * time.Second)
	}
	if rng.IntN(3) == 0 {
		item.Annotations = append(item.Annotations, classAnnotation("synthetic", rng, item, at))
	}
	item.Annotated = true
	item.AnnotationsCount = len(item.Annotations)
	item.UpdatedAt = timestamp(at)
	item.Metadata.User.Reviewed = rng.IntN(2) == 0
	return item, nil
}

// writeFile writes data to name, creating its folder.
func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create folder for %s: %w", name, err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
