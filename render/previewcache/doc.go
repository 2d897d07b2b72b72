// Package previewcache keeps rendered previews (see package render) on
// disk, bounded by their total size, so that a preview is drawn once per
// (blob, annotations, renderer version) and then served like a plain file.
//
// A Cache is a folder of files named by their key (64 hex digits). The
// folder is the index: on Open the files are listed, their sizes and
// modification times read, and the least recently used ones removed while
// the total passes the cap. A file's time is refreshed when it is used
// (at most once an hour), so the order survives a restart. A file is
// written under a temporary name, synced and renamed, so a reader never
// sees a partial preview; temporary files left by a crash are removed on
// Open.
//
// Get renders a missing preview at most once however many callers ask for
// it at the same time, and at most Workers renderings run at once.
//
// Source and Key tie an item to its preview: the key hashes the blob key,
// the output format, the EXIF orientation, a hash of the annotations JSON
// and RendererVersion, so a change to any of them makes a new preview
// (the old one ages out of the cache). Previewer puts the pieces together
// for a dataset: it reads the item from the catalog and its bytes from the
// blob store and renders through the cache.
package previewcache
