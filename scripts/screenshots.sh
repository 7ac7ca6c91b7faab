#!/bin/sh
# Regenerate the README's screenshots from a real run: `hookcatch demo` in a
# private tmux server (160x48), the pane captured with its colours
# (`tmux capture-pane -e -p`) and turned into SVG by scripts/ansi2svg.py.
#
#   scripts/screenshots.sh            # builds with cargo, writes docs/*.svg
#   HOOKCATCH_BIN=path/to/hookcatch scripts/screenshots.sh
#
# Needs tmux, curl and python3; nothing is downloaded.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${HOOKCATCH_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml"
    bin="$root/target/debug/hookcatch"
fi
work=$(mktemp -d)
socket="hookcatch-shots-$$"
tm() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# Wait (up to 60 s) until the pane shows text matching $1 (grep -E).
wait_for() {
    i=0
    until tm capture-pane -p -t shots | grep -Eq -- "$1"; do
        i=$((i + 1))
        if [ "$i" -gt 600 ]; then
            echo "screenshots: timed out waiting for: $1" >&2
            tm capture-pane -p -t shots >&2
            exit 1
        fi
        sleep 0.1
    done
}

shot() {
    tm capture-pane -e -p -t shots > "$work/$1.ansi"
    python3 "$root/scripts/ansi2svg.py" "$work/$1.ansi" > "$root/docs/screenshot-$1.svg"
    echo "wrote docs/screenshot-$1.svg"
}

mkdir -p "$root/docs"
# A clean environment: no user config or secrets leak into the pictures.
tm new-session -d -x 160 -y 48 -s shots \
    "env -i PATH='$PATH' HOME='$work' XDG_CONFIG_HOME='$work/config' XDG_DATA_HOME='$work/data' \
     TERM=xterm-256color LANG=C.UTF-8 '$bin' demo --port 0 --store '$work/demo.db' \
     --verify github=demo-github-secret"
# The demo's story includes a request sent with a wrong secret (invalid)
# and retries of a receiver that is down; wait until both are in.
wait_for 'invalid'
wait_for '[0-9]+ captured'
sleep 3
tm send-keys -t shots g
sleep 0.5
shot list

# A GitHub push signed with another secret than the one configured: the
# Auth tab explains the invalid signature.
url=$(tm capture-pane -p -t shots | grep -Eo 'http://127\.0\.0\.1:[0-9]+' | head -n 1)
body='{"ref":"refs/heads/main","repository":{"full_name":"acme/api"},"pusher":{"name":"octocat"}}'
sig=$(printf '%s' "$body" | python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"an-old-secret", sys.stdin.buffer.read(), hashlib.sha256).hexdigest())')
curl -sS -o /dev/null --max-time 10 "$url/github" \
    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H 'X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958' \
    -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$body"
tm send-keys -t shots / && tm send-keys -t shots -l 'path:/github' && tm send-keys -t shots Enter
wait_for 'filter'
tm send-keys -t shots g Enter 4
wait_for 'diagnosis'
sleep 0.5
shot auth
tm send-keys -t shots q
