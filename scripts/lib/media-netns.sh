#!/usr/bin/env bash
# Runs a command in a network namespace of its own with a Janus started inside: loopback plus a
# veth pair (10.77.0.1 / 10.77.0.2) for ICE, since Janus never gathers on loopback (shared notes).
# Nothing inside can reach or depend on the host's interfaces.
#   media-netns.sh SCRATCH_DIR COMMAND...
# Inside COMMAND: MUSRENBANG_TEST_JANUS_URL / _KEY, and MUSRENBANG_JANUS_RESTART, a script that
# kills Janus and starts it again with the same configuration (for the restart tests).
set -euo pipefail
scratch=$1; shift
if [ "${MUSRENBANG_IN_NETNS:-}" != 1 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo -E"
  exec $sudo_cmd env MUSRENBANG_IN_NETNS=1 unshare -n "$0" "$scratch" "$@"
fi
ip link set lo up
ip link add mb0 type veth peer name mb1
ip addr add 10.77.0.1/24 dev mb0
ip addr add 10.77.0.2/24 dev mb1
ip link set mb0 up
ip link set mb1 up
here=$(cd "$(dirname "$0")" && pwd)
janus_dir="$scratch/janus-netns"
key=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$here/janus-config.sh" "$janus_dir" - "$key" mb0 18188 17188
cat > "$scratch/janus-restart" <<SH
#!/usr/bin/env bash
# Stops the namespace's Janus (SIGKILL, like a crash) and starts it again; waits until it answers.
[ -f "$janus_dir/pid" ] && kill -9 "\$(cat "$janus_dir/pid")" 2>/dev/null && sleep \${1:-0}
janus -F "$janus_dir" -C "$janus_dir/janus.jcfg" -o -L "$janus_dir/janus.log" -N >/dev/null 2>&1 &
echo \$! > "$janus_dir/pid"
for _ in \$(seq 1 50); do curl -sf http://127.0.0.1:18188/janus/info >/dev/null && exit 0; sleep 0.2; done
echo "Janus did not start" >&2; tail -20 "$janus_dir/janus.log" >&2; exit 1
SH
chmod +x "$scratch/janus-restart"
"$scratch/janus-restart"
trap 'kill -9 "$(cat "$janus_dir/pid")" 2>/dev/null || true' EXIT
export MUSRENBANG_TEST_JANUS_URL=http://127.0.0.1:18188/janus MUSRENBANG_TEST_JANUS_KEY=$key
export MUSRENBANG_JANUS_RESTART="$scratch/janus-restart" MUSRENBANG_JANUS_DIR="$janus_dir"
"$@"
