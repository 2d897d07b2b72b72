package sysmeta

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// headLen is how many leading bytes are read to recognise the content. It
// matches mimetype's default read limit.
const headLen = 3072

// Probe reads name's content through r (size bytes) and returns the system
// metadata dlfs records for it. Keys and value types are listed in the
// package documentation. The MIME type comes from the content, and from the
// extension of name when the content alone is not conclusive; anything
// unknown is application/octet-stream.
//
// A truncated or corrupt image header is not an error: the map then holds
// the MIME type and size but no width, height, channels or exif. An error
// returned by r (other than io.EOF) is returned, wrapped.
func Probe(r io.ReaderAt, size int64, name string) (map[string]any, error) {
	if size < 0 {
		return nil, fmt.Errorf("probe %s: negative size %d", name, size)
	}
	rr := &recordingReader{r: r}

	head := make([]byte, min(size, headLen))
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("probe %s: read header: %w", name, err)
	}
	head = head[:n]

	mt := detectType(head, name)
	facts := map[string]any{
		"originalname": path.Base(strings.ReplaceAll(name, "\\", "/")),
		"size":         size,
		"mimetype":     mt,
		"encoding":     "7bit",
		"isBinary":     !isTextual(mt),
	}

	if img, ok := probeImage(rr, size, head, mt); ok {
		facts["width"] = img.width
		facts["height"] = img.height
		facts["channels"] = img.channels
		facts["exif"] = map[string]any{"Orientation": img.orientation}
	}
	if rr.err != nil {
		return nil, fmt.Errorf("probe %s: %w", name, rr.err)
	}
	return facts, nil
}

// recordingReader remembers the first error other than io.EOF that the
// wrapped reader returns. Image decoders turn every read error into a
// decoding failure; the record tells a failing disk from a corrupt header.
// One probe uses it from one goroutine.
type recordingReader struct {
	r   io.ReaderAt
	err error // the first real read error
}

// ReadAt reads from the wrapped reader and records a real read error.
func (rr *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := rr.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && rr.err == nil {
		rr.err = fmt.Errorf("read at %d: %w", off, err)
	}
	return n, err
}

// detectType names the MIME type of content that starts with head. The
// content decides; the extension of name is consulted only when the content
// is generic: unknown binary (any type from the extension table is taken) or
// plain text (only a textual type is taken, so a text file named .jpg stays
// text/plain).
func detectType(head []byte, name string) string {
	mt := baseType(mimetype.Detect(head).String())
	if canon, ok := canonicalTypes[mt]; ok {
		mt = canon
	}

	byExt, known := extensionTypes[strings.ToLower(path.Ext(name))]
	switch {
	case !known:
		return mt
	case mt == "application/octet-stream" && !isTextual(byExt):
		return byExt
	case mt == "text/plain" && isTextual(byExt):
		return byExt
	}
	return mt
}

// baseType strips parameters such as "; charset=utf-8" from a MIME type.
func baseType(mt string) string {
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	return strings.TrimSpace(mt)
}

// canonicalTypes renames the detector's answers to the names Dataloop and
// most tools use.
var canonicalTypes = map[string]string{
	"video/matroska":         "video/x-matroska",
	"image/apng":             "image/png", // an animated PNG is a PNG to a PNG decoder
	"image/vnd.mozilla.apng": "image/png",
	"application/ogg":        "audio/ogg", // an Ogg stream that is neither Vorbis/Opus nor Theora
}

// extensionTypes maps lower-case extensions to MIME types for content the
// detector cannot tell apart by its bytes.
var extensionTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jfif": "image/jpeg",
	".png": "image/png", ".webp": "image/webp", ".gif": "image/gif",
	".tif": "image/tiff", ".tiff": "image/tiff", ".bmp": "image/bmp",
	".mp4": "video/mp4", ".mkv": "video/x-matroska", ".webm": "video/webm",
	".avi": "video/x-msvideo", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
	".wav":  "audio/wav",
	".json": "application/json", ".txt": "text/plain", ".md": "text/markdown",
	".csv": "text/csv", ".tsv": "text/tab-separated-values",
	".html": "text/html", ".htm": "text/html", ".xml": "text/xml",
	".yaml": "text/yaml", ".yml": "text/yaml", ".js": "text/javascript",
	".py": "text/x-python", ".go": "text/x-go", ".c": "text/x-c",
	".h": "text/x-c", ".cpp": "text/x-c++", ".java": "text/x-java",
	".sh": "text/x-shellscript", ".rs": "text/x-rust", ".ts": "text/x-typescript",
}

// isTextual reports whether a MIME type names text: text/*, or a type the
// detector files under text/plain (JSON, XML, JavaScript, ...).
func isTextual(mt string) bool {
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	for m := mimetype.Lookup(mt); m != nil; m = m.Parent() {
		if m.Is("text/plain") {
			return true
		}
	}
	return false
}
