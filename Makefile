# dlfs — see README.md. Every target works on a fresh machine with only Go:
# `make deps` installs the system tools the tests drive (as root, or with sudo).

GO       ?= go
STORE    ?= $(CURDIR)/demo/store
MNT      ?= $(CURDIR)/mnt
GOBIN    := $(shell $(GO) env GOPATH)/bin
PKGS     := ./...
APT_PKGS := fuse3 attr vim nano file python3 procps
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build deps test test-short vet demo bench bench-s3 bench-search fuzz install clean

all: build

build:
	$(GO) build -o dlfs ./cmd/dlfs

# deps installs what the tests and the mount need: FUSE 3 (fusermount3),
# attr (getfattr/setfattr), the editors and tools the tests drive, and the
# S3 server the S3 backend's tests start (versitygw, from the Go proxy).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@[ -x "$(GOBIN)/versitygw" ] || { echo "installing versitygw"; \
		$(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0; }

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet $(PKGS)

# test runs every test, FUSE integration included, with the race detector.
test: deps vet
	PATH="$(GOBIN):$$PATH" $(GO) test -race -count=1 -timeout 12m $(PKGS)

test-short: vet
	$(GO) test -count=1 -short $(PKGS)

# demo builds dlfs, generates a sample dataset (300 images with drawn shapes
# and matching annotations), imports it and mounts it at ./mnt in the
# foreground. Ctrl-C unmounts.
demo: deps build
	@rm -rf demo/export
	$(GO) run ./cmd/dlfs-sample -n 300 demo/export
	./dlfs --store $(STORE) import --dataset sample demo/export
	@mkdir -p $(MNT)
	@echo "mounting the sample dataset at $(MNT): try 'ls -l mnt/train/shapes', 'getfattr -d mnt/val/*.png | head'; Ctrl-C unmounts"
	./dlfs --store $(STORE) mount --dataset sample $(MNT)

# bench measures the performance targets (B1-B7) against the native
# filesystem and bindfs in one run (as root; about 15 minutes, -quick about
# 3): make bench BENCH_ARGS="-quick -only B1,B4".
bench: build
	@command -v bindfs >/dev/null || { echo "installing bindfs (the peer measured beside dlfs)"; \
		$(SUDO) apt-get install -y -qq bindfs >/dev/null || echo "no bindfs: no peer figures"; }
	PATH="$(GOBIN):$$PATH" $(GO) run ./cmd/dlfs-bench -dlfs ./dlfs $(BENCH_ARGS)

# bench-s3 measures the S3 backend against a versitygw it starts on
# loopback: a sequential read through the mount against a direct ranged
# download with minio-go, and a re-read from the disk cache against the
# local backend. DLFS_BENCH_MB sets the file size (default 256).
bench-s3: deps
	DLFS_BENCH=1 DLFS_TEST_NORACE=1 PATH="$(GOBIN):$$PATH" $(GO) test -count=1 -v \
		-run 'TestS3Bench$$' -timeout 20m ./integration/

bench-search:
	$(GO) test -run XXX -bench BenchmarkSearch -benchtime 1x -timeout 20m ./meta/

fuzz:
	$(GO) test -run XXX -fuzz FuzzParseShort -fuzztime 2m ./meta/query
	$(GO) test -run XXX -fuzz FuzzParseDQL -fuzztime 2m ./meta/query
	$(GO) test -run XXX -fuzz FuzzProbe -fuzztime 1m ./meta/sysmeta

# install puts dlfs in $(BINDIR), the mount(8) helper mount.fuse.dlfs in
# $(SBINDIR) (so `mount -t fuse.dlfs` and fstab lines work), and the bash
# and zsh completions in place. DESTDIR stages the files for a package.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= /sbin
install: build
	install -D -m 0755 dlfs $(DESTDIR)$(BINDIR)/dlfs
	install -D -m 0755 scripts/mount.fuse.dlfs $(DESTDIR)$(SBINDIR)/mount.fuse.dlfs
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	./dlfs completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dlfs
	./dlfs completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dlfs

clean:
	rm -rf dlfs demo
