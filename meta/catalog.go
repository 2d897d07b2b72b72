package meta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
)

// Catalog is the Badger index of a store: datasets, items, folders and
// annotations. It is safe for concurrent use. Only one process may hold a
// store's catalog at a time; a second Open fails with ErrLocked.
type Catalog struct {
	db   *badger.DB
	dir  string   // read-only after Open
	lock *os.File // flock held for the catalog's life

	seqMu  sync.Mutex // protects inodes
	inodes *badger.Sequence

	// writeMu serialises writing transactions, so that folder creation
	// and path checks never race (Badger would retry them on conflict,
	// but serial writes are simpler to reason about and fast enough).
	writeMu sync.Mutex

	refs     atomic.Int32 // Open and Retain calls not yet closed
	barriers sync.Map     // barrier number -> chan struct{}, see Barrier
	barrierN atomic.Uint64
}

// Options tune Open.
type Options struct {
	// Logger receives Badger's messages; nil discards them.
	Logger *slog.Logger
	// InMemory keeps the catalog in memory only (tests, benchmarks).
	InMemory bool
}

// Open opens (creating when needed) the catalog in dir/catalog.
func Open(dir string, opt Options) (*Catalog, error) {
	c := &Catalog{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := c.takeLock(); err != nil {
		return nil, err
	}
	bopt := badger.DefaultOptions(filepath.Join(dir, "catalog"))
	bopt.Logger = badgerLogger{opt.Logger}
	bopt.InMemory = opt.InMemory
	if opt.InMemory {
		bopt.Dir, bopt.ValueDir = "", ""
	}
	bopt.NumCompactors = 2
	bopt.ValueThreshold = 4 << 10
	bopt.NumVersionsToKeep = 1
	// Memory stays bounded whatever the catalog's size: a mount walking a
	// million items measured 130 MiB in the block and index caches and
	// 42 MiB in the memtable with 64/32/32 MiB; the blocks are read from
	// mapped files, so small caches cost little speed.
	bopt.MemTableSize = 16 << 20
	bopt.BlockCacheSize = 16 << 20
	bopt.IndexCacheSize = 16 << 20
	// Writers are serialised by writeMu, so Badger's conflict tracking
	// (a fingerprint per key read by every writing transaction) is waste.
	bopt.DetectConflicts = false
	db, err := badger.Open(bopt)
	if err != nil {
		c.lock.Close()
		return nil, fmt.Errorf("open catalog in %s: %w", dir, err)
	}
	c.db = db
	seq, err := db.GetSequence(inodeSeqKey, 1000)
	if err != nil {
		db.Close()
		c.lock.Close()
		return nil, fmt.Errorf("open catalog in %s: inode sequence: %w", dir, err)
	}
	c.inodes = seq
	c.refs.Store(1)
	return c, nil
}

// takeLock takes an exclusive flock on dir/lock, naming the holder when it
// is taken already.
func (c *Catalog) takeLock() error {
	p := filepath.Join(c.dir, "lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open store %s: %w", c.dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(p)
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another process"
		}
		return fmt.Errorf("store %s: %w (held by %s); stop it, or run the "+
			"command against another --store", c.dir, ErrLocked, who)
	}
	f.Truncate(0)
	f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+" ("+filepath.Base(os.Args[0])+")\n"), 0)
	c.lock = f
	return nil
}

// Dir returns the store folder.
func (c *Catalog) Dir() string { return c.dir }

// Retain adds a reference to the catalog, for code that shares it with
// another user (a mount running commands in-process): the catalog stays
// open until Close has been called once for Open and once per Retain.
func (c *Catalog) Retain() *Catalog {
	c.refs.Add(1)
	return c
}

// Close drops a reference; the last one releases the catalog and its lock.
func (c *Catalog) Close() error {
	if c.refs.Add(-1) > 0 {
		return nil
	}
	c.seqMu.Lock()
	err := c.inodes.Release()
	c.seqMu.Unlock()
	if cerr := c.db.Close(); err == nil {
		err = cerr
	}
	c.lock.Truncate(0)
	c.lock.Close()
	return err
}

// nextInode returns a fresh inode number. Numbers below 16 are left for
// the mount's own nodes.
func (c *Catalog) nextInode() (uint64, error) {
	c.seqMu.Lock()
	defer c.seqMu.Unlock()
	n, err := c.inodes.Next()
	if err != nil {
		return 0, fmt.Errorf("allocate inode: %w", err)
	}
	return n + 16, nil
}

// view runs fn in a read-only transaction.
func (c *Catalog) view(fn func(txn *badger.Txn) error) error {
	return c.db.View(fn)
}

// Update runs fn in one writing transaction: everything fn does is stored
// together, or nothing is. Writers are serialised.
func (c *Catalog) Update(fn func(tx *Tx) error) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	txn := c.db.NewTransaction(true)
	defer txn.Discard()
	tx := &Tx{c: c, txn: txn}
	if err := fn(tx); err != nil {
		return err
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit catalog: %w", err)
	}
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// IsTxnTooBig reports whether err says a transaction grew past Badger's
// limit; the caller then commits smaller batches.
func IsTxnTooBig(err error) bool { return errors.Is(err, badger.ErrTxnTooBig) }

// badgerLogger routes Badger's messages to slog: errors and warnings as
// such, the rest at debug level.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) log(level slog.Level, f string, args ...any) {
	if b.l == nil {
		return
	}
	b.l.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(f, args...)), "component", "badger")
}

func (b badgerLogger) Errorf(f string, a ...any)   { b.log(slog.LevelError, f, a...) }
func (b badgerLogger) Warningf(f string, a ...any) { b.log(slog.LevelWarn, f, a...) }
func (b badgerLogger) Infof(f string, a ...any)    { b.log(slog.LevelDebug, f, a...) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.log(slog.LevelDebug, f, a...) }

// Change names a folder entry that a committed transaction wrote or
// removed: an item or folder created, changed, moved or deleted.
type Change struct {
	DatasetID string
	Dir, Name string // the entry's folder ("/" for the root) and name
}

// datasetIDLen is the length of a dataset id in keys.
const datasetIDLen = 24

// barrierPrefix marks the keys Barrier removes; they are never stored.
const barrierPrefix = "!barrier/"

// Watch calls fn, from one goroutine and in commit order, for every folder
// entry change committed after Watch starts, until ctx ends; it then
// returns ctx's error. Changes reach fn shortly after their commit; use
// Barrier to wait for them.
func (c *Catalog) Watch(ctx context.Context, fn func(Change)) error {
	matches := []pb.Match{{Prefix: []byte{pEntry}}, {Prefix: []byte(barrierPrefix)}}
	return c.db.Subscribe(ctx, func(kvs *badger.KVList) error {
		for _, kv := range kvs.Kv {
			if n, ok := strings.CutPrefix(string(kv.Key), barrierPrefix); ok {
				if ch, ok := c.barriers.LoadAndDelete(n); ok {
					close(ch.(chan struct{}))
				}
				continue
			}
			rest := string(kv.Key[1:])
			if len(rest) < datasetIDLen {
				continue
			}
			dir, name, ok := strings.Cut(rest[datasetIDLen:], "\x00")
			if ok {
				fn(Change{DatasetID: rest[:datasetIDLen], Dir: dir, Name: name})
			}
		}
		return nil
	}, matches)
}

// Barrier returns once every change committed before it has been passed
// to a running Watch, or with ctx's error.
func (c *Catalog) Barrier(ctx context.Context) error {
	n := strconv.FormatUint(c.barrierN.Add(1), 10)
	ch := make(chan struct{})
	c.barriers.Store(n, ch)
	defer c.barriers.Delete(n)
	err := c.db.Update(func(txn *badger.Txn) error {
		return txn.Delete([]byte(barrierPrefix + n))
	})
	if err != nil {
		return fmt.Errorf("catalog barrier: %w", err)
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CountItems returns the number of items of dataset dsID, from the keys
// alone.
func (c *Catalog) CountItems(dsID string) (int, error) {
	n := 0
	err := c.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.PrefetchValues = false
		opt.Prefix = itemPrefix(dsID)
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count items of %s: %w", dsID, err)
	}
	return n, nil
}
