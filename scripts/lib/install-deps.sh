#!/usr/bin/env bash
# Installs what the project needs on Debian and is missing. `install-deps.sh run` for the server,
# `install-deps.sh test` adds PostgreSQL, Chromium, the document checkers (poppler, LibreOffice,
# openpyxl) and Python's Playwright for the test suite, and openapi-spec-validator and schemathesis
# in .build/venv-openapi (run from the repository's root).
set -euo pipefail
want=${1:-run}
command -v swift >/dev/null || [ -x /opt/swift/usr/bin/swift ] || { echo "Swift 6.3 is required (expected in PATH or /opt/swift)" >&2; exit 1; }
packages=()
if [ "$want" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
  [ -x /usr/lib/chromium/chromium ] || packages+=(chromium)
  fc-list 2>/dev/null | grep -qi dejavu || packages+=(fonts-dejavu-core)
  # The deployment's own checks: `nginx -t` on deploy/nginx (and a real nginx in front of a
  # server), `systemd-analyze verify` on deploy/systemd, a certificate made with openssl.
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || packages+=(nginx)
  # The RTMP restream's test: nginx's RTMP module plays the social-media platform on loopback.
  [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || packages+=(libnginx-mod-rtmp)
  command -v systemd-analyze >/dev/null || packages+=(systemd)
  command -v openssl >/dev/null || packages+=(openssl)
  python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)
  # The benchmarks' load generator (bench/overhead, bench/writes, bench/cluster; CI runs them tiny).
  command -v wrk >/dev/null || packages+=(wrk)
fi
# Papers: WeasyPrint renders the print templates to PDF; Liberation Sans (Arial's metrics) and
# DejaVu (its fallback, with the ☒/☐ glyphs) are the fonts the print stylesheet asks for. Their
# Recommends (numpy, scipy… through fonttools) are not needed, so these come without them.
lean=()
command -v weasyprint >/dev/null || lean+=(weasyprint)
fc-list 2>/dev/null | grep -qi "liberation sans" || lean+=(fonts-liberation)
fc-list 2>/dev/null | grep -qi dejavu || lean+=(fonts-dejavu-core)
# Photos: ExifTool removes their metadata (the GPS position, camera, time) before they are stored
# or served; without it photo uploads answer 503. Its Recommends (archive formats) are not needed.
command -v exiftool >/dev/null || lean+=(libimage-exiftool-perl)
if [ "$want" = test ]; then
  # Independent readers of what the documents feature writes: pdftotext/pdftoppm, LibreOffice.
  command -v pdftotext >/dev/null || lean+=(poppler-utils)
  command -v soffice >/dev/null || lean+=(libreoffice-calc-nogui)
fi
# Video: Janus, its recording tools, and ffmpeg to join a recording's sound and picture.
command -v janus >/dev/null || packages+=(janus janus-tools)
command -v ffmpeg >/dev/null || packages+=(ffmpeg)
if [ ${#packages[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${packages[@]}" >/dev/null
fi
if [ ${#lean[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  [ ${#packages[@]} -gt 0 ] || $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi
if [ "$want" = test ]; then
  python3 -c "import playwright, axe_playwright_python, pytest, qrcode, openpyxl" 2>/dev/null \
    || python3 -m pip install -q playwright axe-playwright-python pytest qrcode openpyxl
  # The API description's checks (docs/openapi/check.py, scripts/lib/api-fuzz.sh), pinned, in a venv
  # of their own so schemathesis's dependencies never meet Playwright's.
  openapi_tools=(openapi-spec-validator==0.9.0 schemathesis==4.32.5)
  venv="$(cd "$(dirname "$0")/../.." && pwd)/.build/venv-openapi"
  installed=$("$venv/bin/python" -m pip freeze 2>/dev/null || true)
  for tool in "${openapi_tools[@]}"; do
    grep -qx "$tool" <<<"$installed" && continue
    python3 -m venv "$venv" && "$venv/bin/python" -m pip install -q "${openapi_tools[@]}"
    break
  done
fi
