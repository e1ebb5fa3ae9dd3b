#!/usr/bin/env bash
# Checks the package as a user gets it: `npm pack`, install the tarball into an empty folder,
# `npx wisp start` there on a free port, and answer the README's curl.
# Then `wisp import` of a 10,000-row CSV with some bad rows, through the installed command, and
# the examples/ (node:test, Vitest, Jest) against the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/wisp-package.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "package: packing"
tarball="$(npm pack --silent --pack-destination "$work")"
mkdir "$work/app"
cd "$work/app"
# An empty project, as a user's would be; better-sqlite3 builds its native module on install.
cat > package.json <<'JSON'
{ "name": "wisp-package-check", "private": true, "type": "module", "allowScripts": { "better-sqlite3": true } }
JSON
echo "package: installing $tarball into an empty folder"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null
if [ -e node_modules/tsx ] || [ -e node_modules/typescript ]; then
  echo "package: tsx or typescript was installed with the package; neither may be needed at run time"
  exit 1
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# Known credentials, so that nothing depends on what the start banner shows.
export ACCOUNT_SID="AC$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
export AUTH_TOKEN="$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
export WISP_ADMIN_TOKEN="package-check-$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')"
echo "package: npx wisp start on port $port"
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
echo "package: $curl_line"
body="$(eval "${curl_line/curl /curl -sS --fail }")"
count="$(node -e 'const b=JSON.parse(process.argv[1]); if(!Array.isArray(b.sims)) process.exit(1); console.log(b.sims.length)' "$body")"
[ "$count" = 5 ] || { echo "package: expected 5 demo SIMs, got $count: $body"; exit 1; }
echo "package: the README's curl answered with $count demo SIMs"

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
echo "package: wisp import exited $code: $(tr -d '\n ' < import.json)"
node -e '
const s = JSON.parse(require("fs").readFileSync("import.json", "utf8"));
const rejected = require("fs").readFileSync("cards.csv.rejected.csv", "utf8").trim().split("\n").length - 1;
if (s.rows !== 10000 || s.imported !== 9975 || s.rejected !== 25 || rejected !== 25) { console.error("package: unexpected import summary"); process.exit(1); }'
[ "$code" = 1 ] || { echo "package: wisp import with rejected rows must exit 1"; exit 1; }

# The official Python SDK (Debian's python3-twilio) against the same server, when it can be had.
py=/usr/bin/python3
if [ -x "$py" ] && ! "$py" -c 'import twilio' 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q python3-twilio >/dev/null 2>&1 || true
fi
if [ -x "$py" ] && "$py" -c 'import twilio' 2>/dev/null; then
  echo "package: examples/python/sims.py with python3-twilio $("$py" -c 'import twilio; print(twilio.__version__)')"
  WISP_ACCOUNT_SID="$ACCOUNT_SID" WISP_AUTH_TOKEN="$AUTH_TOKEN" "$py" "$repo/examples/python/sims.py"
else
  echo "package: SKIPPED examples/python/sims.py: python3-twilio is not installed"
fi

echo "package: running examples/ with node:test, Vitest and Jest"
cp -r "$repo/examples" examples
npm install --no-audit --no-fund --loglevel=error --save-dev twilio@^6 vite@8.3.8 vitest@4.1.12 jest@30.5.2 @jest/globals@30.5.2 >/dev/null
node --test examples/node-test.test.mjs
npx --no-install vitest run examples/vitest.test.mjs
NODE_OPTIONS=--experimental-vm-modules npx --no-install jest --rootDir examples examples/jest.test.mjs
echo "package: ok"
