#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip is unpacked in
# /autograder/source. It installs Node 20, oneDNN and a C++ compiler (so that the install builds the
# native CPU kernels and training checks run on the onednn backend, several times faster than the wasm fallback), and
# the course's locked dependencies.
set -euo pipefail
cd "${AUTOGRADER_SOURCE:-/autograder/source}"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then
  apt-get update -qq
  apt-get install -y -qq ca-certificates curl gnupg
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y -qq nodejs
fi
# Where apt has them (Debian 12, Ubuntu 22.04 and later); without them the grader says so and uses wasm.
if { [ ! -f /usr/include/oneapi/dnnl/dnnl.hpp ] || ! command -v g++ >/dev/null; } && command -v apt-get >/dev/null; then
  { apt-get update -qq && apt-get install -y -qq libdnnl-dev g++; } ||
    echo "note: libdnnl-dev or g++ is not available from apt here; the training checks will run on the wasm backend"
fi
npx -y pnpm@10 install --frozen-lockfile
chmod +x run_autograder
