#!/usr/bin/env bash
# Makes the README screenshot of the incident screen from a real run: builds muster,
# works a demo incident through the CLI, opens it in the TUI inside tmux (120x34,
# true colour), captures the pane with its colours (tmux capture-pane -e) and renders
# it with Charm's freeze (pinned in tools/go.mod) to tui/screenshot/incident.svg and
# incident.png.
#
#   tui/screenshot/shoot.sh            # from the repository root; needs go and tmux
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
socket="muster-shot-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

command -v tmux >/dev/null || { echo "shoot.sh: tmux is needed" >&2; exit 2; }
(cd "$root" && go build -o "$work/muster" ./cmd/muster)

export MUSTER_HOME="$work/home"
m() { "$work/muster" --actor "maria@ops" "$@"; }
id=$(m incident start --runbook service-outage --severity critical --title "Checkout API down for all users")
m incident step "$id" open-incident --done >/dev/null
m incident step "$id" confirm-outage --done --note "synthetic checks fail from 3 regions since 09:41 UTC" >/dev/null
m incident note "$id" "Maria is incident commander; DB on-call paged" >/dev/null
m incident step "$id" assign-owner-and-severity --done >/dev/null
m incident escalate "$id" --to "incident lead" --reason "critical: checkout down for all users" >/dev/null
m incident step "$id" escalate-to-incident-lead --done >/dev/null

# Wait until the pane shows $1 (a fixed string), for at most 10 seconds.
wait_for() {
  for _ in $(seq 100); do
    if tmux -L "$socket" capture-pane -p -t shot | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "shoot.sh: the screen never showed: $1" >&2
  tmux -L "$socket" capture-pane -p -t shot >&2
  exit 1
}

tmux -L "$socket" new-session -d -x 120 -y 34 -s shot \
  "env MUSTER_HOME='$MUSTER_HOME' TERM=xterm-256color COLORTERM=truecolor '$work/muster' --actor maria@ops incident resume $id; sleep 60"
wait_for "Escalate to leadership"
tmux -L "$socket" send-keys -t shot Down
wait_for "Post the first status page notice"
sleep 0.5
# freeze does not know SGR 39/49 (default colours) that tmux writes: spell them out,
# and start each line from the default style.
tmux -L "$socket" capture-pane -e -p -t shot |
  sed -e $'s/\x1b\\[39m/\x1b[38;2;201;209;217m/g' -e $'s/\x1b\\[49m/\x1b[48;2;13;17;23m/g' -e $'s/^/\x1b[0m/' >"$work/incident.ans"
tmux -L "$socket" send-keys -t shot q

cd "$here/tools"
for ext in svg png; do
  go tool freeze --language ansi --window --padding 20 --margin 0 --font.size 14 \
    --background "#0d1117" --output "$here/incident.$ext" "$work/incident.ans"
done
echo "wrote $here/incident.svg and $here/incident.png (incident $id)"
