#!/usr/bin/env bash
# build-web.sh - the shop's pages' assets, built once per change into
# build/web/ (FARMLIVE_WEB_DIR's default), which the shop serves:
#
#   build/web/index.html, favicon.svg ...   src/web/'s static files, as they are
#   build/web/assets/NAME-HASH.js|css       each entry point bundled and minified
#                                           by esbuild (npm, locked), its content
#                                           hash in its name; beside it NAME-HASH.*.gz
#   build/web/manifest.json                 {"app.js": "assets/app-HASH.js", ...,
#                                            "imports": {"live.js": ["assets/chunk-HASH.js", ...]}}
#
# Entry points: src/web/app.js and src/web/style.css, and every
# src/web/pages/*.js (a page's own module; what they import from npm, such
# as hls.js, is bundled in; what they import() lazily, such as the player's
# libraries in src/web/lib/player.js, is split into its own hashed chunk,
# assets/chunk-HASH.js, fetched only when the page asks for it: ES modules,
# pages load their entry with <script type="module">). Third-party code comes only from
# src/web/package-lock.json (npm ci when node_modules is missing): nothing
# is fetched by a browser from anywhere but the shop.
#
# src/web/inline/*.js are scripts a page carries inline (allowed by their
# hash in its CSP; pages/page.c reads them through the manifest, whose
# "inline" lists their names): each bundled on its own as a classic script
# (an IIFE: what it imports is copied in), assets/NAME-HASH.js.
#
#   ops/build-web.sh [OUT]     (default build/web; B=DIR moves it to DIR/web)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=src/web
OUT=${1:-${B:-build}/web}
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT") # absolute: B= may be either
if ! cmp -s "$SRC/package-lock.json" "$SRC/node_modules/.farmlive-lock" 2>/dev/null; then
    echo "build-web: npm ci in $SRC"
    (cd "$SRC" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.farmlive-lock)
fi
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp/assets"
for f in "$SRC"/*; do
    case "$(basename "$f")" in
        node_modules | package.json | package-lock.json | pages | lib) ;;
        *) [ -f "$f" ] && cp "$f" "$OUT.tmp/" ;;
    esac
done
entries=("$SRC/app.js" "$SRC/style.css")
for f in "$SRC"/pages/*.js; do [ -f "$f" ] && entries+=("$f"); done
"$SRC/node_modules/.bin/esbuild" "${entries[@]}" --bundle --minify --sourcemap=external \
    --format=esm --splitting --chunk-names='[name]-[hash]' --target=es2020,chrome80,safari14.1 --entry-names='[name]-[hash]' --outdir="$OUT.tmp/assets" \
    --metafile="$OUT.tmp/meta.json" --log-level=warning
inline=()
for f in "$SRC"/inline/*.js; do [ -f "$f" ] && inline+=("$f"); done
if [ ${#inline[@]} -gt 0 ]; then
    "$SRC/node_modules/.bin/esbuild" "${inline[@]}" --bundle --minify --format=iife --target=es2020,chrome80,safari14.1 \
        --entry-names='[name]-[hash]' --outdir="$OUT.tmp/assets" --metafile="$OUT.tmp/meta-inline.json" --log-level=warning
else
    echo '{"outputs":{}}' >"$OUT.tmp/meta-inline.json"
fi
# manifest: entry name -> hashed path, from esbuild's metafile
# and, under "imports", each entry's static imports, transitively (the
# chunks a page's <link rel=modulepreload> names, so they load beside the
# entry instead of after it)
node -e '
const meta = require(process.argv[1]), inl = require(process.argv[2]), out = {}, imports = {}, inline = [];
const rel = (f) => f.slice(f.indexOf("assets/"));
const statics = (file, seen) => {
  for (const i of meta.outputs[file].imports || [])
    if (i.kind === "import-statement" && !seen.has(i.path)) { seen.add(i.path); statics(i.path, seen); }
  return seen;
};
for (const [file, o] of Object.entries(meta.outputs)) {
  if (!o.entryPoint || file.endsWith(".map")) continue;
  const name = o.entryPoint.split("/").pop();
  out[name] = rel(file);
  const s = [...statics(file, new Set())].map(rel);
  if (s.length) imports[name] = s;
}
for (const [file, o] of Object.entries(inl.outputs)) {
  if (!o.entryPoint) continue;
  const name = o.entryPoint.split("/").pop();
  out[name] = rel(file);
  inline.push(name);
}
out.imports = imports;
out.inline = inline;
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
' "$OUT.tmp/meta.json" "$OUT.tmp/meta-inline.json" >"$OUT.tmp/manifest.json"
rm "$OUT.tmp/meta.json" "$OUT.tmp/meta-inline.json"
for f in "$OUT.tmp"/assets/*.js "$OUT.tmp"/assets/*.css; do gzip -9 -k -n "$f"; done
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "build-web: $(jq -r 'keys | join(", ")' "$OUT/manifest.json") -> $OUT"
