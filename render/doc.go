// Package render draws an item's annotations on its image. It serves the
// mount's .dlfs/preview/ tree and the `dlfs render` command.
//
// Render decodes the image (jpeg, png, webp, tiff, bmp, gif), turns it
// upright according to its EXIF orientation, draws the annotations and
// encodes the result: JPEG (quality 90) for a JPEG source, PNG otherwise.
// The output depends only on the input, byte for byte, so its size and a
// hash of it can serve as a cache key.
//
// # Coordinate space
//
// Annotation coordinates are taken in the space of the image as displayed,
// that is after the EXIF orientation is applied. The Dataloop annotation
// studio works on the picture the browser shows, and browsers apply EXIF
// orientation, so an annotator's clicks land in the displayed space; the
// platform's converters agree (the YOLO export swaps width and height for
// orientations 5 to 8 before it normalises coordinates, which only makes
// sense when coordinates are already in the displayed frame). Render
// therefore rotates the pixels first and draws the coordinates unchanged
// on the rotated picture. Binary masks are likewise taken at the displayed
// size (a mask of another size is stretched to fit).
//
// # Shapes
//
// Drawn: box (optionally rotated about its centre by the angle in degrees
// that follows its two corners; positive turns clockwise on screen),
// segment (outline and a translucent fill; several rings combine by the
// even-odd rule, so an inner ring is a hole), polyline (also the older flat
// list of points), point, ellipse, binary (a tint over the mask's non-zero
// pixels) and class (a caption bar at the top). Each drawn shape gets its
// label beside it in a box of the label's colour. Every other type is
// skipped and named in Result.Skipped, as is any annotation whose
// coordinates cannot be read. Video key frames (metadata.system.snapshots_)
// are ignored: an image has only frame 0.
package render
