#!/usr/bin/env bash
# Checks the package as a user gets it: `npm pack`, install the tarball into an empty folder,
# `npx wisp start` there on a free port, and answer the README's curl.
# Then `wisp import` of a 10,000-row CSV with some bad rows, through the installed command, the
# Python SDK example, and the examples/ (node:test, Vitest, Jest) against the installed package.
#
# What makes it quicker without checking less:
# - better-sqlite3 installs from a local prebuilt binary (prebuild-install's own mechanism, as a
#   user's install takes one from the network), made from the repository's copy when it is the
#   very version the install picks; another version is built from source as before;
# - the test runners the examples need are installed into their own folder in the background,
#   while the package is installed and checked;
# - the Python example is found with dpkg, not by importing the SDK three times.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/wisp-package.XXXXXX")"
server_pid=""
runners_pid=""
# npx runs the installed bin as a child of its own: stopping npx alone would leave the server running.
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  pkill -f "$work/app/node_modules/.bin/wisp start" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  stop_server
  if [ -n "$runners_pid" ]; then wait "$runners_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS
step() { echo "package: [$((SECONDS - started)) s] $*"; }

step "packing"
tarball="$(npm pack --silent --pack-destination "$work")"
mkdir -p "$work/app/examples"

# The examples' test runners, in a folder of their own below the project (they find the package
# in the project's node_modules), installed while the package is.
cat > "$work/app/examples/package.json" <<'JSON'
{ "name": "wisp-package-examples", "private": true, "type": "module" }
JSON
(cd "$work/app/examples" && npm install --no-audit --no-fund --loglevel=error --save-dev vite@8.3.8 vitest@4.1.12 jest@30.5.2 @jest/globals@30.5.2 >"$work/runners.log" 2>&1) &
runners_pid=$!

# better-sqlite3's prebuilt binary, named as prebuild-install looks for it, from the repository's
# own build (same Node.js, same platform). Used only if the install picks the same version.
prebuilds="$work/prebuilds"
mkdir -p "$prebuilds"
node -e '
const pkg = require("./node_modules/better-sqlite3/package.json");
console.log(`${pkg.name}-v${pkg.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);' >"$work/prebuild-name"
if [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  tar -czf "$prebuilds/$(cat "$work/prebuild-name")" -C node_modules/better-sqlite3 build/Release/better_sqlite3.node
fi

cd "$work/app"
# An empty project, as a user's would be, which also wants the official SDK (an optional peer).
cat > package.json <<'JSON'
{ "name": "wisp-package-check", "private": true, "type": "module", "allowScripts": { "better-sqlite3": true } }
JSON
step "installing $tarball (and twilio) into an empty folder"
npm_config_better_sqlite3_local_prebuilds="$prebuilds" \
  npm install --no-audit --no-fund --loglevel=error "$work/$tarball" twilio@^6 >/dev/null
if [ -e node_modules/tsx ] || [ -e node_modules/typescript ]; then
  echo "package: tsx or typescript was installed with the package; neither may be needed at run time"
  exit 1
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# Known credentials, so that nothing depends on what the start banner shows.
export ACCOUNT_SID="AC$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
export AUTH_TOKEN="$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
export WISP_ADMIN_TOKEN="package-check-$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')"
step "npx wisp start on port $port"
PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite:$work/app/data/wisp.db" LOG_LEVEL=warn \
  WISP_ACCOUNT_SID="$ACCOUNT_SID" WISP_AUTH_TOKEN="$AUTH_TOKEN" npx --no-install wisp start >"$work/start.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/start.log"; echo "package: wisp start exited"; exit 1; }
  sleep 0.2
done
# The README's curl, on this port.
curl_line="$(grep -o "curl -u \"\$ACCOUNT_SID:\$AUTH_TOKEN\" '[^']*'" "$repo/README.md" | head -n 1)"
[ -n "$curl_line" ] || { echo "package: README.md has no curl line to check"; exit 1; }
curl_line="${curl_line/127.0.0.1:4000/127.0.0.1:$port}"
step "$curl_line"
body="$(eval "${curl_line/curl /curl -sS --fail }")"
count="$(node -e 'const b=JSON.parse(process.argv[1]); if(!Array.isArray(b.sims)) process.exit(1); console.log(b.sims.length)' "$body")"
[ "$count" = 5 ] || { echo "package: expected 5 demo SIMs, got $count: $body"; exit 1; }
step "the README's curl answered with $count demo SIMs"

# The console and every asset it names are served from the installed package.
# (The page escapes every / in attribute values as &#x2F;.)
page="$(curl -sS --fail "http://127.0.0.1:$port/console/sign-in" | sed 's|&#x2F;|/|g')"
assets="$(printf '%s' "$page" | grep -oE '/console/assets/[a-z]+\.[0-9a-f]+\.(js|css)' | sort -u || true)"
[ "$(printf '%s\n' "$assets" | grep -c .)" = 4 ] || { echo "package: the console's sign-in page names these assets: $assets"; exit 1; }
for asset in $assets; do curl -sS --fail -o /dev/null "http://127.0.0.1:$port$asset" || { echo "package: $asset is not served"; exit 1; }; done
echo "package: /console and its $(printf '%s\n' "$assets" | grep -c .) assets are served"

export WISP_URL="http://127.0.0.1:$port"
node "$repo/scripts/make-cards.mjs" 10000 25 > cards.csv
set +e
npx --no-install wisp import cards.csv --json > import.json
code=$?
set -e
step "wisp import exited $code: $(tr -d '\n ' < import.json)"
node -e '
const s = JSON.parse(require("fs").readFileSync("import.json", "utf8"));
const rejected = require("fs").readFileSync("cards.csv.rejected.csv", "utf8").trim().split("\n").length - 1;
if (s.rows !== 10000 || s.imported !== 9975 || s.rejected !== 25 || rejected !== 25) { console.error("package: unexpected import summary"); process.exit(1); }'
[ "$code" = 1 ] || { echo "package: wisp import with rejected rows must exit 1"; exit 1; }

# The official Python SDK (Debian's python3-twilio) against the same server, when it can be had.
py=/usr/bin/python3
if [ -x "$py" ] && ! dpkg-query -W -f '${Status}' python3-twilio 2>/dev/null | grep -q 'ok installed' && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q python3-twilio >/dev/null 2>&1 || true
fi
if [ -x "$py" ] && dpkg-query -W -f '${Status}' python3-twilio 2>/dev/null | grep -q 'ok installed'; then
  step "examples/python/sims.py with python3-twilio $(dpkg-query -W -f '${Version}' python3-twilio)"
  WISP_ACCOUNT_SID="$ACCOUNT_SID" WISP_AUTH_TOKEN="$AUTH_TOKEN" "$py" "$repo/examples/python/sims.py"
else
  echo "package: SKIPPED examples/python/sims.py: python3-twilio is not installed"
fi
stop_server

step "waiting for the examples' test runners to install"
wait "$runners_pid" || { cat "$work/runners.log"; echo "package: installing the test runners failed"; exit 1; }
runners_pid=""
cp -r "$repo/examples/." examples/
cd examples
step "running examples/ with node:test, Vitest and Jest"
node --test node-test.test.mjs
npx --no-install vitest run vitest.test.mjs
# Jest runs ES modules in a VM of its own, slow to load on a busy machine: a roomier timeout.
NODE_OPTIONS=--experimental-vm-modules npx --no-install jest --rootDir . --testTimeout 30000 jest.test.mjs
step "ok"
