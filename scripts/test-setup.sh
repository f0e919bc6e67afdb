#!/usr/bin/env bash
# Installs the system packages the test suite needs (Debian/Ubuntu, as root): real OpenSSH hosts,
# minimal shells, AIDE for the benchmark, poppler for PDF checks, Chromium for the console tests,
# shellcheck for the scanner's lint.
set -euo pipefail
packages=(
  openssh-server openssh-client sudo iproute2 util-linux   # test fleet: sshd hosts in mount namespaces
  busybox dash bash                                        # minimal and alternative shells for the scanner
  attr acl libcap2-bin e2fsprogs                           # extended attributes, ACLs, capabilities, ext flags
  aide                                                     # benchmark peer
  poppler-utils                                            # pdftotext for the PDF report tests
  chromium                                                 # Playwright runs Debian's Chromium, never a downloaded one
  python3 openssl gzip
  patch                                                    # the content diff test applies Driftwatch's unified diffs
  shellcheck                                               # npm run lint: the scanner's sh parts (lint:scanner)
)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
