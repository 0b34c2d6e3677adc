#!/usr/bin/env bash
# Writes the project's own Janus configuration (never /etc/janus) into DIR: loopback only, the
# VideoRoom, Streaming and HTTP transport and nothing else, the plugin admin key from the
# arguments. ICE uses IFACE (Janus never gathers on loopback; see shared notes).
#   janus-config.sh DIR ADMIN_SECRET ADMIN_KEY [IFACE] [HTTP_PORT] [ADMIN_PORT]
# ADMIN_SECRET "-" (what the project's scripts pass) makes a random one, kept in DIR/admin_secret.
# A secret that contains the admin key is refused and replaced the same way: whoever learns one
# must not learn the other. Everything written is readable by its owner only (the files hold both).
# JANUS_DEBUG_LEVEL overrides the log level (default 3: warnings and errors; 4 logs every session).
set -euo pipefail
dir=$1 secret=$2 key=$3 iface=${4:-eth0} http_port=${5:-8088} admin_port=${6:-7088}
debug_level=${JANUS_DEBUG_LEVEL:-3}
lib=$(dirname "$(ls /usr/lib/*/janus/plugins/libjanus_videoroom.so 2>/dev/null | head -n 1)")/..
umask 077
mkdir -p "$dir/recordings"
chmod 700 "$dir"
if [ -z "$secret" ] || [ "$secret" = "-" ] || { [ -n "$key" ] && [[ "$secret" == *"$key"* ]]; }; then
  [ "$secret" = "-" ] || [ -z "$secret" ] || echo "janus-config: an admin secret derived from the admin key is refused; a random one is used" >&2
  secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
printf '%s\n' "$secret" > "$dir/admin_secret"
cat > "$dir/janus.jcfg" <<JCFG
general: {
  configs_folder = "$dir"
  plugins_folder = "$lib/plugins"
  transports_folder = "$lib/transports"
  events_folder = "$lib/events"
  loggers_folder = "$lib/loggers"
  debug_level = $debug_level
  admin_secret = "$secret"
  session_timeout = 60
  server_name = "musrenbang-janus"
}
media: {
  rtp_port_range = "20000-40000"
}
nat: {
  ice_enforce_list = "$iface"
  ignore_mdns = true
}
plugins: {
  disable = "libjanus_voicemail.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_nosip.so,libjanus_lua.so,libjanus_duktape.so,libjanus_audiobridge.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_echotest.so"
}
transports: {
  disable = "libjanus_rabbitmq.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_websockets.so"
}
events: {
  broadcast = false
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
JCFG
cat > "$dir/janus.transport.http.jcfg" <<JCFG
general: {
  json = "indented"
  base_path = "/janus"
  http = true
  port = $http_port
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_base_path = "/admin"
  admin_http = true
  admin_port = $admin_port
  admin_ip = "127.0.0.1"
  admin_https = false
}
JCFG
cat > "$dir/janus.plugin.videoroom.jcfg" <<JCFG
general: {
  admin_key = "$key"
  lock_rtp_forward = true
}
JCFG
cat > "$dir/janus.plugin.streaming.jcfg" <<JCFG
general: {
  admin_key = "$key"
  # 49000-49999 is the HLS packager's (ffmpeg binds it; see HLSPackager.Settings.ports).
  rtp_port_range = "40001-48999"
}
JCFG
chmod 600 "$dir"/*.jcfg "$dir/admin_secret"
