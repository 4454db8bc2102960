#!/usr/bin/env bash
# The one test command: installs what the tests need (as root on Debian),
# then runs the format check, go vet and the race-enabled test suite.
# .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages used by the integration tests (independent verifiers and
# real services). Installed only when missing, and only as root.
DEB_PACKAGES=(
  poppler-utils     # pdfsig, pdftotext, pdffonts, pdftoppm, pdfdetach
  mupdf-tools       # mutool sign -v
  qpdf              # qpdf --check
  zbar-tools        # zbarimg (QR code)
  fonts-wqy-zenhei  # TrueType CJK font for rendering
  fonts-dejavu-core # Latin-only TrueType font (pdfseal font fallback tests)
  libxml2-utils     # xmllint --schema
  xmlsec1           # xmlsec1 --verify
  softhsm2 opensc   # PKCS#11 token and pkcs11-tool
  libnss3-tools     # certutil for pdfsig's NSS database
  openssl           # openssl ts / ocsp
  chromium          # headless browser tests of the portal
)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test.sh: missing Debian packages (integration tests will skip): ${missing[*]}"
  fi
fi

# Go tools used by the integration tests.
GOBIN_DIR="$(go env GOPATH)/bin"
export PATH="$GOBIN_DIR:$PATH"
if ! command -v timestamp-server >/dev/null; then
  echo "test.sh: installing timestamp-server (RFC 3161 TSA)"
  go install github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server@v2.1.3 || echo "test.sh: could not install timestamp-server"
fi

# PostgreSQL for the registry tests: the machine's server, database "test".
export ECERT_TEST_POSTGRES="${ECERT_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

echo "test.sh: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
echo "test.sh: go vet"
go vet ./...
if [ -f bench/go.mod ]; then
  echo "test.sh: bench module (compile and vet only)"
  (cd bench && go vet ./... && go test -run '^$' ./...)
fi
echo "test.sh: go test -race"
go test -race -timeout 20m "$@" ./...
