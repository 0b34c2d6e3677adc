"""How many database statements one page action costs, read from the server's own /metrics
(musrenbang_db_statement_seconds_count) before and after it. The server must be otherwise idle.

Usage: python3 bench/statements.py BASE_URL [USERNAME PASSWORD]
Prints a Markdown table: action, statements.
"""
from __future__ import annotations

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
username = sys.argv[2] if len(sys.argv) > 2 else "operator-desa"
password = sys.argv[3] if len(sys.argv) > 3 else "musrenbang-demo"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def fetch(path: str, form: dict | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(base + path, data=data, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def statements() -> int:
    with urllib.request.urlopen(base + "/metrics", timeout=30) as response:
        text = response.read().decode()
    return sum(int(float(v)) for v in re.findall(r'^musrenbang_db_statement_seconds_count\{[^}]*\} (\S+)$', text, re.M))


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def measure(label: str, action) -> None:
    before = statements()
    status = action()
    # /metrics itself pings the database once.
    print(f"| {label} | {status} | {statements() - before - 1} |")


status, login_page = fetch("/masuk")
token = csrf(login_page)
status, _ = fetch("/masuk", {"_csrf": token, "username": username, "password": password})
assert status == 303, f"login answered {status}"
status, assemblies = fetch("/api/v1/assemblies")
assembly = re.search(r'"id":(\d+)', assemblies).group(1)
status, me = fetch("/api/v1/me")
village = re.search(r'"regionCode":"([0-9.]+)"', me).group(1)
console = f"/musrenbang/{assembly}/desa/{village}"
status, page = fetch(console)
token = csrf(page)
print("| action | status | statements |")
print("|---|---|---|")
measure("GET console", lambda: fetch(console)[0])
measure("POST minutes (draft)", lambda: fetch(console + "/berita-acara", {
    "_csrf": token, "venue": "Balai Desa", "onlineLink": "", "chair": "Kepala Desa", "minuteTaker": "Sekdes",
    "resourcePersons": "Camat, Bappeda", "agreements": "Disepakati.", "decisionMethod": "consensus"})[0])
measure("GET next page after the POST (shows the outcome once)", lambda: fetch(console)[0])
measure("POST check-in (the demo citizen, by NIK)", lambda: fetch(console + "/hadir", {
    "_csrf": token, "key": "3510135203900001", "role": "community", "gender": "female"})[0])
