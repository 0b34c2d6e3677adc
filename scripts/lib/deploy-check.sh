#!/usr/bin/env bash
# Checks deploy/ as it will be installed:
#   deploy-check.sh WORK BIN PORT
# - every systemd unit with `systemd-analyze verify` in a root laid out like the server's
#   (/opt/musrenbang/bin/musrenbang, the system's own units); any warning fails;
# - the nginx site with `nginx -t` (a self-signed certificate), then a real nginx with it in front
#   of the server on PORT: HTTPS, the redirect, and the live stream arriving unbuffered.
set -euo pipefail
work=$1 bin=$2 port=$3
rm -rf "$work"; mkdir -p "$work"
fail() { echo "deploy-check: $*" >&2; exit 1; }
deploy=$(cd "$(dirname "$0")/../../deploy" && pwd)
lib=$(cd "$(dirname "$0")" && pwd)

if command -v systemd-analyze >/dev/null && [ -d /usr/lib/systemd/system ]; then
  root="$work/root"
  mkdir -p "$root/opt/musrenbang/bin" "$root/opt/musrenbang/lib" "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/bin"
  cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$bin" "$root/opt/musrenbang/bin/musrenbang"
  cp "$lib/janus-config.sh" "$root/opt/musrenbang/lib/"
  if command -v janus >/dev/null; then cp "$(command -v janus)" "$root/usr/bin/janus"; else printf '#!/bin/sh\n' > "$root/usr/bin/janus"; chmod +x "$root/usr/bin/janus"; fi
  cp "$deploy"/systemd/* "$root/etc/systemd/system/"
  for unit in "$deploy"/systemd/*; do
    name=$(basename "$unit")
    out=$(systemd-analyze verify --root="$root" "/etc/systemd/system/$name" 2>&1) || fail "systemd-analyze verify $name: $out"
    [ -z "$out" ] || fail "systemd-analyze verify $name warns: $out"
    echo "systemd-analyze verify $name: ok"
  done
  systemd-analyze security --offline=yes --root="$root" musrenbang.service 2>/dev/null | tail -n 1 || true
else
  echo "SKIPPED systemd-analyze verify: systemd-analyze is not installed"
fi

nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || fail "nginx is not installed (scripts/lib/install-deps.sh test installs it)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=musrenbang.test" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" >/dev/null 2>&1
# The site as shipped; only the certificate, the ports and the upstream's port differ here.
sed -e "s#/etc/ssl/musrenbang/#$work/#" -e "s/listen 443 /listen 127.0.0.1:18443 /; s/listen \[::\]:443 /listen [::1]:18443 /" \
    -e "s/listen 80;/listen 127.0.0.1:18480;/; s/listen \[::\]:80;/listen [::1]:18480;/" \
    -e "s/server 127.0.0.1:8080;/server 127.0.0.1:$port;/" "$deploy/nginx/musrenbang.conf" > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log $work/access.log;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  include $work/site.conf;
}
CONF
"$nginx" -t -q -c "$work/nginx.conf" -p "$work" || fail "nginx -t rejected deploy/nginx/musrenbang.conf"
echo "nginx -t: ok"
"$nginx" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 1 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done
curl -skf --resolve musrenbang.example.go.id:18443:127.0.0.1 https://musrenbang.example.go.id:18443/readyz | grep -q ready \
  || fail "the server does not answer through nginx"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve musrenbang.example.go.id:18480:127.0.0.1 http://musrenbang.example.go.id:18480/usulan)
case $code in "301 https://musrenbang.example.go.id/usulan") ;; *) fail "plain HTTP does not move to HTTPS: $code" ;; esac
code=$(curl -sk -o /dev/null -w '%{http_code}' --resolve musrenbang.example.go.id:18443:127.0.0.1 -H 'X-Forwarded-For: 203.0.113.9' https://musrenbang.example.go.id:18443/metrics)
[ "$code" = 200 ] || fail "/metrics from this machine through nginx: $code"
# The live stream held open 30 s: its first events must arrive at once, not when it ends.
curl -skN --max-time 3 --resolve musrenbang.example.go.id:18443:127.0.0.1 \
  "https://musrenbang.example.go.id:18443/api/v1/assemblies/1/live?maxSeconds=30" > "$work/live.txt" 2>/dev/null || true
grep -q '^data:' "$work/live.txt" || fail "no live event came through nginx within 3 s (buffered?): $(head -c 300 "$work/live.txt")"
echo "live stream through nginx: $(grep -c '^data:' "$work/live.txt") events within 3 s of a 30 s stream"
kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"
echo "deploy-check: all good"
