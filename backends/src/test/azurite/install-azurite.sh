#!/bin/sh
# Installs Azurite (the Azure Storage emulator the Table tests run against) into $1 with the
# machine's npm, unless that version is already there. Called by backends/pom.xml.
set -eu
dir=$1
version=$2
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ERROR: the Table storage tests need Azurite $version, installed with npm: install Node.js 20 and npm" >&2
  exit 1
fi
installed=$(node -p "require('$dir/node_modules/azurite/package.json').version" 2>/dev/null || true)
if [ "$installed" = "$version" ] && [ -x "$dir/node_modules/.bin/azurite-table" ]; then
  echo "Azurite $version already installed in $dir"
  exit 0
fi
mkdir -p "$dir"
npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "azurite@$version"
