// Package sysmeta reads the facts Dataloop keeps in an item's
// metadata.system from the item's bytes: its original name, size, MIME type,
// encoding, whether it is binary, and for images the pixel dimensions, the
// number of channels and the EXIF orientation.
//
// Probe reads only what it needs: the first few KiB to recognise the content,
// the image header for the dimensions, and the EXIF segment or TIFF IFD for
// the orientation. It never decodes pixels, so probing a large image costs a
// few small reads.
//
// Values in the returned map are plain Go integers, strings, booleans and
// maps, so json.Marshal writes them as Dataloop does:
//
//	originalname string  base name of the file
//	size         int64   byte length
//	mimetype     string  type/subtype without parameters
//	encoding     string  always "7bit"
//	isBinary     bool    false for text, JSON and other textual types
//	width        int     stored pixel width (not rotated by EXIF)
//	height       int     stored pixel height
//	channels     int     1 gray, 2 gray+alpha, 3 colour, 4 colour+alpha or CMYK
//	exif         map[string]any{"Orientation": int}, 1 when there is no EXIF
package sysmeta
