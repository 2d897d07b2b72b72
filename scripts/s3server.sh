#!/usr/bin/env bash
# s3server.sh start|stop DIR PORT
#
# Runs a local S3-compatible server (versitygw, posix backend) over DIR on
# 127.0.0.1:PORT, for trying dlfs's S3 backend and for its tests. Every
# folder in DIR is a bucket; BUCKET (default dlfs) is created at start.
#
#   scripts/s3server.sh start /tmp/s3 7070    # prints the env exports
#   eval "$(scripts/s3server.sh start /tmp/s3 7070)"
#   scripts/s3server.sh stop /tmp/s3 7070
#
# Credentials: ROOT_ACCESS_KEY / ROOT_SECRET_KEY, default dlfstest /
# dlfstestsecret. versitygw is installed with `go install` when missing.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
ACCESS_KEY="${ROOT_ACCESS_KEY:-dlfstest}"
SECRET_KEY="${ROOT_SECRET_KEY:-dlfstestsecret}"
BUCKET="${BUCKET:-dlfs}"

usage() {
	echo "usage: $0 start|stop DIR PORT" >&2
	exit 2
}

[ $# -eq 3 ] || usage
cmd=$1 dir=$2 port=$3
case "$port" in '' | *[!0-9]*) echo "$0: port must be a number: $port" >&2; exit 2 ;; esac
pidfile="$dir/.versitygw.pid"
logfile="$dir/.versitygw.log"

# find_versitygw prints the binary's path, installing it when missing.
find_versitygw() {
	local gobin
	if command -v versitygw >/dev/null 2>&1; then
		command -v versitygw
		return
	fi
	gobin="$(go env GOPATH)/bin"
	if [ ! -x "$gobin/versitygw" ]; then
		echo "installing versitygw $VERSITYGW_VERSION (a minute or two)" >&2
		go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
	fi
	echo "$gobin/versitygw"
}

# answers tells whether something serves HTTP on the port.
answers() {
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null
}

start() {
	local bin pid
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "$0: already running (pid $(cat "$pidfile")); stop it first" >&2
		exit 1
	fi
	if answers; then
		echo "$0: port $port is already in use" >&2
		exit 1
	fi
	bin=$(find_versitygw)
	mkdir -p "$dir/$BUCKET"
	ROOT_ACCESS_KEY="$ACCESS_KEY" ROOT_SECRET_KEY="$SECRET_KEY" \
		nohup "$bin" --port "127.0.0.1:$port" --keep-alive --quiet posix "$dir" \
		>"$logfile" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"

	for _ in $(seq 100); do
		if answers; then
			echo "# versitygw (pid $pid) serves $dir at http://127.0.0.1:$port" >&2
			echo "export AWS_ACCESS_KEY_ID=$ACCESS_KEY"
			echo "export AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
			echo "export AWS_REGION=us-east-1"
			echo "export DLFS_S3_URL='s3://$BUCKET/datasets?endpoint=http://127.0.0.1:$port&region=us-east-1&path_style=true'"
			return
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$0: versitygw exited; its log:" >&2
			cat "$logfile" >&2
			rm -f "$pidfile"
			exit 1
		fi
		sleep 0.1
	done
	echo "$0: versitygw did not answer on port $port within 10 s; see $logfile" >&2
	kill "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	exit 1
}

stop() {
	local pid
	if [ ! -f "$pidfile" ]; then
		echo "$0: not running ($pidfile missing)" >&2
		return
	fi
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$pidfile"
	echo "# versitygw stopped" >&2
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
