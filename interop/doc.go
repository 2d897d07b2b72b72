// Package interop converts between Dataloop annotations and the foreign
// annotation formats COCO, YOLO and Pascal VOC.
//
// The converters are pure: they read and write files and streams, and know an
// item only through an Image (its path, pixel size, EXIF orientation and, for
// export, its Dataloop annotations). They never touch the catalog or the
// blob store; cmd/dlfs wires them into `dlfs import` and `dlfs export`.
//
// Reading never stops at the first mismatch. An annotation for an image that
// is not there, an unknown category or class, a box outside its image or a
// malformed line becomes a Problem naming the file and the position inside it,
// the annotation is skipped, and the rest is imported. A read fails with an
// error only when a whole file cannot be read or parsed. Writing reports the
// annotations it cannot express in the target format (points, rotated boxes,
// ...) as Problems naming the item path and the annotation's index.
//
// Coordinates are Dataloop's: pixels of the displayed image, x to the right
// and y down. The displayed size is the stored size with width and height
// swapped for EXIF orientations 5 to 8. Numbers in produced annotations are
// json.Number, like those meta.DecodeAnnotations returns.
package interop
