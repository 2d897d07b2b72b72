package meta

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Entry kinds in a folder listing.
const (
	KindFile = 1
	KindDir  = 2
	KindLink = 3 // a symlink: Target holds where it points
)

// Dirent is one name in a folder, holding everything stat needs, so that a
// folder is listed, and each entry stat'ed, by one prefix scan.
type Dirent struct {
	Name     string
	Kind     uint8
	Hidden   bool
	Inode    uint64
	Size     int64 // file bytes; 0 for folders
	MtimeNs  int64 // updatedAt, else createdAt
	BtimeNs  int64 // createdAt
	AnnSize  int64 // length of the sidecar X.annotations.json
	AnnCount uint32
	ItemID   string // "" for a folder without a dir item
	Target   string // symlink target, for KindLink
}

const direntVersion = 1

// encode writes the dirent value (the name lives in the key).
func (d *Dirent) encode() []byte {
	b := make([]byte, 0, 64+len(d.Target))
	b = append(b, direntVersion, d.Kind)
	if d.Hidden {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.LittleEndian.AppendUint64(b, d.Inode)
	b = binary.LittleEndian.AppendUint64(b, uint64(d.Size))
	b = binary.LittleEndian.AppendUint64(b, uint64(d.MtimeNs))
	b = binary.LittleEndian.AppendUint64(b, uint64(d.BtimeNs))
	b = binary.LittleEndian.AppendUint64(b, uint64(d.AnnSize))
	b = binary.LittleEndian.AppendUint32(b, d.AnnCount)
	id, _ := hex.DecodeString(d.ItemID)
	b = append(b, byte(len(id)))
	b = append(b, id...)
	b = binary.AppendUvarint(b, uint64(len(d.Target)))
	b = append(b, d.Target...)
	return b
}

const direntFixed = 3 + 8*5 + 4 + 1

// decodeDirent reads a dirent value written by encode.
func decodeDirent(name string, b []byte) (Dirent, error) {
	if len(b) < direntFixed || b[0] != direntVersion {
		return Dirent{}, fmt.Errorf("folder entry %q: bad record", name)
	}
	d := Dirent{Name: name, Kind: b[1], Hidden: b[2] == 1}
	p := b[3:]
	d.Inode = binary.LittleEndian.Uint64(p)
	d.Size = int64(binary.LittleEndian.Uint64(p[8:]))
	d.MtimeNs = int64(binary.LittleEndian.Uint64(p[16:]))
	d.BtimeNs = int64(binary.LittleEndian.Uint64(p[24:]))
	d.AnnSize = int64(binary.LittleEndian.Uint64(p[32:]))
	d.AnnCount = binary.LittleEndian.Uint32(p[40:])
	n := int(p[44])
	p = p[45:]
	if len(p) < n {
		return Dirent{}, fmt.Errorf("folder entry %q: bad record", name)
	}
	if n > 0 {
		d.ItemID = hex.EncodeToString(p[:n])
	}
	p = p[n:]
	tl, k := binary.Uvarint(p)
	if k <= 0 || uint64(len(p)-k) < tl {
		return Dirent{}, fmt.Errorf("folder entry %q: bad record", name)
	}
	d.Target = string(p[k : k+int(tl)])
	return d, nil
}
