package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/dlfs/dlfs/ingest"
)

// importFormatFlags are the flags of `dlfs import` for foreign annotation
// formats.
func importFormatFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"},
			Usage: "`FORMAT` of the annotations: dataloop (the default: SRC is an export or " +
				"a plain folder), coco, yolo or voc"},
		&cli.StringFlag{Name: "annotations", Usage: "the `PATH` of the coco, yolo or voc " +
			"annotations (a COCO file, a YOLO or VOC folder); SRC is then the images folder"},
	}
}

// importFormatHelp is appended to the import command's description.
const importFormatHelp = `

With --format coco, yolo or voc, the files under SRC become items as in a
plain-folder import, then the annotations at --annotations attach to them
(each image they name gets them in place of its stored ones): COCO matches
images[].file_name to the item paths, YOLO and VOC read the file at the
item's path with its extension replaced (.txt, .xml). Without
--annotations, SRC must be a folder written by dlfs export --format: its
images/ and its annotations.json, labels/ or annotations/. Each mismatch
(an annotation for an image that is not there, an unknown category or
class, a box outside its image) is listed with its file and position; the
rest imports and the exit status is 2.

   dlfs import --dataset street --format coco --annotations coco/instances.json ./images
   dlfs import --dataset street --format yolo --annotations ./labels ./images
   dlfs import --dataset street --format voc ./voc-export`

// foreignFormat reports whether the options ask for a foreign format,
// checking the combination.
func foreignFormat(opt importOptions) (bool, error) {
	switch opt.format {
	case "", "dataloop":
		if opt.annotations != "" {
			return false, fmt.Errorf("import: --annotations needs --format coco, yolo or voc")
		}
		return false, nil
	}
	if _, err := ingest.ForeignAnnotations(opt.format); err != nil {
		return false, fmt.Errorf("import: --format: %w", err)
	}
	return true, nil
}

// foreignInputs returns the images folder and the annotations to import.
func foreignInputs(opt importOptions) (images, annotations string, err error) {
	if opt.annotations != "" {
		return opt.src, opt.annotations, nil
	}
	images, annotations, ok := ingest.ForeignLayout(opt.format, opt.src)
	if !ok {
		name, _ := ingest.ForeignAnnotations(opt.format)
		return "", "", fmt.Errorf("import %s: no --annotations given, and %s holds no %s/ "+
			"and %s as dlfs export --format %s writes", opt.src, opt.src, ingest.ForeignImages,
			name, opt.format)
	}
	return images, annotations, nil
}

// importForeign runs an import of foreign annotations onto the images.
func importForeign(ctx context.Context, im *ingest.Importer, opt importOptions,
) (*ingest.Result, error) {
	images, annotations, err := foreignInputs(opt)
	if err != nil {
		return nil, err
	}
	return im.ImportForeign(ctx, opt.format, annotations, images)
}
