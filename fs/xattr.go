package fs

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/dlfs/dlfs/meta"
)

// Extended attribute names (see the README's table).
const (
	xattrPrefix   = "user.dl."
	xattrMetadata = "user.dl.metadata."
	maxXattrValue = 64 << 10 // larger values answer E2BIG
)

// xattr is one attribute name and value.
type xattr struct {
	name  string
	value []byte
}

// itemXattrs returns the attributes of an item, in a stable order.
func itemXattrs(rec *meta.Record, anns []meta.Annotation) []xattr {
	it := rec.Item
	annotated, _ := json.Marshal(it.Annotated)
	if it.Annotated == nil {
		annotated = []byte("false")
	}
	out := []xattr{
		{"user.dl.id", []byte(it.ID)},
		{"user.dl.dataset_id", []byte(it.DatasetID)},
		{"user.dl.created_at", []byte(it.CreatedAt)},
		{"user.dl.updated_at", []byte(orDefault(it.UpdatedAt, it.CreatedAt))},
		{"user.dl.annotated", annotated},
		{"user.dl.annotations_count", []byte(strconv.Itoa(it.AnnotationsCount))},
	}
	itemJSON, _ := json.Marshal(it)
	out = append(out, xattr{"user.dl.item", itemJSON})

	var leaves []xattr
	flattenMetadata(xattrMetadata[:len(xattrMetadata)-1], it.Metadata, &leaves)
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].name < leaves[j].name })
	out = append(out, leaves...)

	sys, _ := it.Metadata["system"].(map[string]any)
	if mt, ok := sys["mimetype"].(string); ok && mt != "" {
		out = append(out, xattr{"user.mime_type", []byte(mt)})
	}
	if desc, ok := it.Metadata["description"].(map[string]any); ok {
		if text, ok := desc["text"].(string); ok {
			out = append(out, xattr{"user.xdg.comment", []byte(text)})
		}
	}
	if raw, ok := it.Extra["url"]; ok {
		var url string
		if json.Unmarshal(raw, &url) == nil && url != "" {
			out = append(out, xattr{"user.xdg.origin.url", []byte(url)})
		}
	}
	if tags := labelsOf(anns); tags != "" {
		out = append(out, xattr{"user.xdg.tags", []byte(tags)})
	}
	return out
}

// flattenMetadata appends one attribute per leaf of v under prefix:
// strings raw, every other value (arrays, numbers, empty objects) as JSON.
func flattenMetadata(prefix string, v any, out *[]xattr) {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		for k, child := range m {
			flattenMetadata(prefix+"."+k, child, out)
		}
		return
	}
	if prefix == xattrMetadata[:len(xattrMetadata)-1] {
		return // no metadata at all
	}
	*out = append(*out, xattr{prefix, leafValue(v)})
}

// leafValue encodes a metadata leaf for an xattr.
func leafValue(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// labelsOf returns the distinct labels of anns, comma-separated, in order
// of first appearance.
func labelsOf(anns []meta.Annotation) string {
	seen := map[string]bool{}
	var labels []string
	for _, a := range anns {
		if l := a.Label(); l != "" && !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	return strings.Join(labels, ",")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// unsupportedXattr reports names dlfs keeps none of (security labels,
// ACLs): they answer ENOTSUP at once, so that tools stop asking.
func unsupportedXattr(name string) bool {
	return strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "system.posix_acl_") ||
		strings.HasPrefix(name, "trusted.")
}

// getXattr copies the value of name from attrs into dest, following the
// getxattr(2) size protocol.
func getXattr(attrs []xattr, name string, dest []byte) (uint32, syscall.Errno) {
	for _, a := range attrs {
		if a.name != name {
			continue
		}
		if len(a.value) > maxXattrValue {
			return 0, syscall.E2BIG
		}
		if len(dest) == 0 {
			return uint32(len(a.value)), 0
		}
		if len(dest) < len(a.value) {
			return uint32(len(a.value)), syscall.ERANGE
		}
		return uint32(copy(dest, a.value)), 0
	}
	return 0, syscall.ENODATA
}

// listXattrs writes the NUL-separated names into dest.
func listXattrs(attrs []xattr, dest []byte) (uint32, syscall.Errno) {
	size := 0
	for _, a := range attrs {
		size += len(a.name) + 1
	}
	if len(dest) == 0 {
		return uint32(size), 0
	}
	if len(dest) < size {
		return uint32(size), syscall.ERANGE
	}
	p := 0
	for _, a := range attrs {
		p += copy(dest[p:], a.name)
		dest[p] = 0
		p++
	}
	return uint32(size), 0
}

// attrsOf returns the attributes of item id, or of a plain folder.
func (fsys *filesystem) attrsOf(ds *meta.Dataset, id string) ([]xattr, syscall.Errno) {
	if id == "" {
		return []xattr{{"user.dl.dataset_id", []byte(ds.ID)}}, 0
	}
	key := ds.ID + id
	if fsys.xattrs != nil {
		if attrs, ok := fsys.xattrs.get(key); ok {
			return attrs, 0
		}
	}
	rec, err := fsys.cat.Record(ds.ID, id)
	if err != nil {
		return nil, fsys.errnoOf("getxattr", err)
	}
	var anns []meta.Annotation
	if rec.Item.AnnotationsCount > 0 {
		if anns, err = fsys.cat.Annotations(ds.ID, id); err != nil {
			return nil, fsys.errnoOf("getxattr", err)
		}
	}
	attrs := itemXattrs(rec, anns)
	if fsys.xattrs != nil {
		fsys.xattrs.put(key, attrs)
	}
	return attrs, 0
}

// Getxattr answers one attribute of a file item.
func (n *fileNode) Getxattr(ctx context.Context, name string, dest []byte) (uint32, syscall.Errno) {
	if unsupportedXattr(name) {
		return 0, syscall.ENOTSUP
	}
	_, _, id := n.where()
	attrs, errno := n.fsys.attrsOf(n.ds, id)
	if errno != 0 {
		return 0, errno
	}
	return getXattr(attrs, name, dest)
}

// Listxattr lists the attributes of a file item.
func (n *fileNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	_, _, id := n.where()
	attrs, errno := n.fsys.attrsOf(n.ds, id)
	if errno != 0 {
		return 0, errno
	}
	return listXattrs(attrs, dest)
}

// folderItem returns the id of the folder's dir item, or "".
func (n *dirNode) folderItem() string {
	p := n.dirPath()
	if p == "/" {
		return ""
	}
	d, err := n.fsys.cat.Stat(n.ds, p)
	if err != nil {
		return ""
	}
	return d.ItemID
}

// Getxattr answers one attribute of a folder.
func (n *dirNode) Getxattr(ctx context.Context, name string, dest []byte) (uint32, syscall.Errno) {
	if unsupportedXattr(name) {
		return 0, syscall.ENOTSUP
	}
	attrs, errno := n.fsys.attrsOf(n.ds, n.folderItem())
	if errno != 0 {
		return 0, errno
	}
	return getXattr(attrs, name, dest)
}

// Listxattr lists the attributes of a folder.
func (n *dirNode) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	attrs, errno := n.fsys.attrsOf(n.ds, n.folderItem())
	if errno != 0 {
		return 0, errno
	}
	return listXattrs(attrs, dest)
}
