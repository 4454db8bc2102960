#!/usr/bin/env bash
# The main job on a fresh Debian machine: install the CJK TrueType font the
# certificate PDFs are set in (as root, when missing), then run the demo:
# go run ./cmd/ecert demo, with any flags given here (--dir, --addr).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "demo.sh: installing fonts-wqy-zenhei"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-zenhei >/dev/null
  else
    echo "demo.sh: the demo needs the Debian package fonts-wqy-zenhei: sudo apt-get install fonts-wqy-zenhei" >&2
    exit 2
  fi
fi
exec go run ./cmd/ecert demo "$@"
