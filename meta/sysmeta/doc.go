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
//
// Choices where formats leave room:
//
//   - Image facts (width, height, channels, exif) are given together for
//     JPEG, PNG, GIF, WebP, TIFF and BMP whose header decodes, else omitted.
//   - Channels follow the stored pixels: a palette counts 3, or 4 when a
//     palette entry is translucent (PNG tRNS); PNG and lossless WebP are read
//     from their headers (gray+alpha PNG is 2, VP8L without its alpha bit 3);
//     TIFF uses SamplesPerPixel; a 32-bit BMP has alpha only with a header
//     larger than BITMAPINFOHEADER, as Go's decoder decides.
//   - EXIF orientation is read from a JPEG APP1 Exif segment, a TIFF file's
//     first IFD and a WebP EXIF chunk. PNG eXIf chunks are not read.
//   - MIME types carry no parameters ("text/plain", not "...; charset=utf-8");
//     Matroska is video/x-matroska, APNG image/png, an unrecognised Ogg
//     stream audio/ogg.
package sysmeta
