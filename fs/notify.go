package fs

import (
	"path"
	"strings"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// Invalidate tells the kernel that entry name of folder dir of dataset
// dsID changed in the catalog behind the mount's back (an import by
// another command): it forgets the entry and its sidecar, positive or
// negative, and the cached attributes and pages of the folder and of the
// entry. Only inodes the kernel knows are touched. It must not be called
// from a FUSE operation (the kernel may hold the folder's lock).
func (s *Server) Invalidate(dsID, dir, name string) {
	parent, missing := s.knownFolder(dsID, dir)
	if parent == nil {
		return
	}
	if missing != "" {
		parent.NotifyEntry(missing)
		return
	}
	parent.NotifyContent(0, 0)
	for _, n := range []string{name, name + sidecarSuffix} {
		if child := parent.GetChild(n); child != nil {
			child.NotifyContent(0, 0)
		}
		parent.NotifyEntry(n)
	}
}

// knownFolder walks the inode tree to folder dir of dataset dsID. It
// returns the folder's inode, or the deepest known one with the name of
// its first unknown child, or nil when the dataset is not mounted.
func (s *Server) knownFolder(dsID, dir string) (*gofs.Inode, string) {
	cur := s.root
	if ds := s.fsys.opt.Dataset; ds != nil {
		if ds.ID != dsID {
			return nil, ""
		}
	} else {
		ds, err := s.fsys.cat.Dataset(dsID)
		if err != nil {
			return nil, ""
		}
		next := cur.GetChild(ds.Name)
		if next == nil {
			return cur, ds.Name
		}
		cur = next
	}
	for _, part := range strings.Split(strings.Trim(path.Clean(dir), "/"), "/") {
		if part == "" {
			continue
		}
		next := cur.GetChild(part)
		if next == nil {
			return cur, part
		}
		cur = next
	}
	return cur, ""
}
