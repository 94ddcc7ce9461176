#!/usr/bin/env bash
# Builds the npm package `scopekit-web` into target/npm/scopekit-web (or $1): the ES modules
# of web/ listed in web/package.json, plus pkg/ built by wasm-bindgen WITH TypeScript
# declarations (build-wasm.sh builds the page's pkg without them). Then validates it with
# `npm pack --dry-run` (add --pack to write the .tgz into target/npm/).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${SCOPEKIT_TOOLS:-$HOME/.cache/scopekit-tools}
TARGET=${CARGO_TARGET_DIR:-target}
OUT=${1:-target/npm/scopekit-web}
wb_version=$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
cargo build --release -p scopekit-wasm --target wasm32-unknown-unknown
rm -rf "$OUT"
mkdir -p "$OUT/pkg"
"$TOOLS/wasm-bindgen-$wb_version/bin/wasm-bindgen" --target web \
  --out-dir "$OUT/pkg" "$TARGET/wasm32-unknown-unknown/release/scopekit_wasm.wasm"
rm -f "$OUT/pkg/.gitignore" "$OUT/pkg/package.json"
# The package's own files, as web/package.json lists them (pkg/ entries come from above).
node -e '
  const fs = require("fs");
  const [out] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync("web/package.json", "utf8"));
  for (const f of pkg.files) {
    if (f.startsWith("pkg/")) {
      if (!fs.existsSync(`${out}/${f}`)) { console.error(`missing ${f} (wasm-bindgen output changed?)`); process.exit(1); }
      continue;
    }
    fs.copyFileSync(`web/${f}`, `${out}/${f}`);
  }
  fs.copyFileSync("web/package.json", `${out}/package.json`);
' "$OUT"
for f in README.md LICENSE-MIT LICENSE-APACHE; do [ -f "$f" ] && cp "$f" "$OUT/"; done
(cd "$OUT" && npm pack --dry-run --json --ignore-scripts > ../pack.json)
node -e '
  const [report] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const files = report.files.map((f) => f.path);
  for (const need of ["embed.js", "scopekit-view.js", "scopekit.d.ts", "pkg/scopekit_wasm_bg.wasm", "pkg/scopekit_wasm.d.ts"]) {
    if (!files.includes(need)) { console.error(`package lacks ${need}`); process.exit(1); }
  }
  console.log(`${report.name}@${report.version}: ${files.length} files, ${(report.size / 1024).toFixed(0)} KiB packed, ${(report.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
' "$(dirname "$OUT")/pack.json"
if [ "${2:-}" = "--pack" ]; then (cd "$OUT" && npm pack --ignore-scripts --pack-destination ..); fi
