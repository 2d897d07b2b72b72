package sysmeta

import (
	"encoding/binary"
	"io"
)

// TIFF tags read from the first IFD.
const (
	tagPhotometric     = 0x0106
	tagOrientation     = 0x0112
	tagSamplesPerPixel = 0x0115
)

// Limits that keep a corrupt file from sending the parsers on a long walk.
const (
	maxJPEGSegments = 64 // segments scanned for an Exif APP1 before giving up
	maxWebPChunks   = 64 // RIFF chunks scanned for an EXIF chunk
)

// exifPrefix starts the payload of a JPEG APP1 Exif segment, and sometimes
// of a WebP EXIF chunk, before the TIFF header.
const exifPrefix = "Exif\x00\x00"

// tiffTags are the facts read from a TIFF header's first IFD. Fields are 0
// when the tag is absent, except orientation, which defaults to 1.
type tiffTags struct {
	orientation int
	samples     int
	photometric int
}

// channels answers the channel count of a TIFF image: 3 for a palette
// image, else SamplesPerPixel; fallback when the IFD does not say.
func (t tiffTags) channels(fallback int) int {
	const photometricPalette = 3
	switch {
	case t.photometric == photometricPalette:
		return 3
	case t.samples >= 1 && t.samples <= 8:
		return t.samples
	}
	return fallback
}

// readTIFF walks the first IFD of the TIFF structure in r (size bytes, the
// header at offset 0), in either byte order. Anything malformed ends the
// walk and leaves the defaults.
func readTIFF(r io.ReaderAt, size int64) tiffTags {
	tags := tiffTags{orientation: 1}
	var hdr [8]byte
	if !readFull(r, hdr[:], 0, size) {
		return tags
	}
	var bo binary.ByteOrder
	switch string(hdr[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return tags
	}

	ifd := int64(bo.Uint32(hdr[4:8]))
	var count [2]byte
	if !readFull(r, count[:], ifd, size) {
		return tags
	}
	n := min(int64(bo.Uint16(count[:])), (size-ifd-2)/12)
	entries := make([]byte, 12*max(n, 0))
	if !readFull(r, entries, ifd+2, size) {
		return tags
	}

	for e := entries; len(e) >= 12; e = e[12:] {
		v, ok := tiffValue(bo, e)
		if !ok {
			continue
		}
		switch bo.Uint16(e[0:2]) {
		case tagOrientation:
			if v >= 1 && v <= 8 {
				tags.orientation = v
			}
		case tagSamplesPerPixel:
			tags.samples = v
		case tagPhotometric:
			tags.photometric = v
		}
	}
	return tags
}

// tiffValue reads the first value of a 12-byte IFD entry when it is an
// inline SHORT or LONG.
func tiffValue(bo binary.ByteOrder, entry []byte) (int, bool) {
	const typeShort, typeLong = 3, 4
	if bo.Uint32(entry[4:8]) < 1 {
		return 0, false
	}
	switch bo.Uint16(entry[2:4]) {
	case typeShort:
		return int(bo.Uint16(entry[8:10])), true
	case typeLong:
		v := bo.Uint32(entry[8:12])
		return int(min(v, 1<<31-1)), true
	}
	return 0, false
}

// jpegOrientation scans the JPEG segments before the image data for an
// APP1 Exif segment and returns its orientation, 1 when there is none.
func jpegOrientation(r io.ReaderAt, size int64) int {
	const (
		markerAPP1 = 0xe1
		markerSOS  = 0xda
		markerEOI  = 0xd9
	)
	off := int64(2) // after SOI
	var seg [4]byte
	for range maxJPEGSegments {
		if !readFull(r, seg[:], off, size) || seg[0] != 0xff {
			return 1
		}
		switch marker := seg[1]; {
		case marker == 0xff: // fill byte before a marker
			off++
			continue
		case marker == markerSOS || marker == markerEOI:
			return 1
		}

		length := int64(binary.BigEndian.Uint16(seg[2:4]))
		if length < 2 {
			return 1
		}
		if seg[1] == markerAPP1 && length >= 2+int64(len(exifPrefix)) {
			var id [len(exifPrefix)]byte
			if readFull(r, id[:], off+4, size) && string(id[:]) == exifPrefix {
				start := off + 4 + int64(len(exifPrefix))
				n := min(length-2-int64(len(exifPrefix)), size-start)
				return readTIFF(io.NewSectionReader(r, start, n), n).orientation
			}
		}
		off += 2 + length
	}
	return 1
}

// webpOrientation walks the RIFF chunks of an extended WebP file for an
// EXIF chunk and returns its orientation, 1 when there is none.
func webpOrientation(r io.ReaderAt, size int64) int {
	off := int64(12) // after "RIFF", the file length and "WEBP"
	var hdr [8]byte
	for range maxWebPChunks {
		if !readFull(r, hdr[:], off, size) {
			return 1
		}
		length := int64(binary.LittleEndian.Uint32(hdr[4:8]))
		start := off + 8
		if string(hdr[:4]) == "EXIF" {
			n := min(length, size-start)
			var id [len(exifPrefix)]byte
			if n >= int64(len(id)) && readFull(r, id[:], start, size) &&
				string(id[:]) == exifPrefix {
				start += int64(len(exifPrefix))
				n -= int64(len(exifPrefix))
			}
			return readTIFF(io.NewSectionReader(r, start, n), n).orientation
		}
		off = start + length + length&1 // chunks are padded to even length
	}
	return 1
}

// readFull reads len(p) bytes at off, reporting whether they all lie
// within size and were read.
func readFull(r io.ReaderAt, p []byte, off, size int64) bool {
	if off < 0 || off > size || int64(len(p)) > size-off {
		return false
	}
	n, _ := r.ReadAt(p, off)
	return n == len(p)
}
