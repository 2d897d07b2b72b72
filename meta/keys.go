package meta

// Key layout of the catalog. Dataset and item ids are 24 hex digits, so
// keys concatenate them without separators.
//
//	D<ds>                  dataset record (JSON)
//	N<name>                dataset id, by name
//	I<ds><item>            item record (JSON: item without annotations, blob, inode)
//	A<ds><item>            the item's annotations: the sidecar bytes, pretty JSON
//	E<ds><dir>\x00<name>   folder entry (binary Dirent without its name)
//	X<ds>...               secondary indexes (see the query planner)
//	!seq/inode             inode sequence

const (
	pDataset = 'D'
	pName    = 'N'
	pItem    = 'I'
	pAnn     = 'A'
	pEntry   = 'E'
)

var inodeSeqKey = []byte("!seq/inode")

func dsKey(id string) []byte     { return append([]byte{pDataset}, id...) }
func nameKey(name string) []byte { return append([]byte{pName}, name...) }

func itemKey(ds, id string) []byte {
	return append(append([]byte{pItem}, ds...), id...)
}

func itemPrefix(ds string) []byte { return append([]byte{pItem}, ds...) }

func annKey(ds, id string) []byte {
	return append(append([]byte{pAnn}, ds...), id...)
}

func entPrefix(ds, dir string) []byte {
	b := make([]byte, 0, 2+len(ds)+len(dir))
	b = append(b, pEntry)
	b = append(b, ds...)
	b = append(b, dir...)
	return append(b, 0)
}

func entKey(ds, dir, name string) []byte {
	return append(entPrefix(ds, dir), name...)
}

// joinPath joins a cleaned folder path and a name.
func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
