#!/usr/bin/env python3
"""Measures, against a running server: creating a proposal (POST /api/v1/proposals) and
rendering a village's ranked list (the API's JSON and the HTML page), as latency percentiles.
Talks to 127.0.0.1 only; every loop is bounded."""

from __future__ import annotations

import json
import statistics
import sys
import time
import urllib.request
import uuid

BASE = sys.argv[1]
LABEL = sys.argv[2]
CREATES = int(sys.argv[3]) if len(sys.argv) > 3 else 200
RENDERS = int(sys.argv[4]) if len(sys.argv) > 4 else 100
VILLAGE = "35.10.13.2007"


def call(method: str, path: str, body: dict | None = None, token: str | None = None, key: str | None = None) -> tuple[float, int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(BASE + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
        return (time.perf_counter() - started) * 1000, response.status, data


def summary(name: str, samples: list[float], size: int | None = None) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    extra = f" | {size / 1024:.0f} KB" if size is not None else ""
    return f"| {LABEL} | {name} | {len(samples)} | {p(0.5):.1f} | {p(0.95):.1f} | {statistics.mean(samples):.1f}{extra} |"


token = json.loads(call("POST", "/api/v1/auth/login", {"username": "operator-desa", "password": "musrenbang-demo"})[2])["token"]
proposal = {
    "villageCode": VILLAGE, "year": 2027, "title": "Perbaikan jalan lingkungan Dusun Krajan",
    "problem": "Jalan berlubang sepanjang 350 m, tergenang saat hujan.", "activity": "Pengaspalan jalan lingkungan",
    "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical", "volume": 350, "unit": "m",
    "estimatedCost": 175000000, "fundingSource": "villageFund", "source": "onBehalf",
    "beneficiaries": {"total": 420, "women": 210, "poor": 60, "disabled": 4},
}
creates = []
for _ in range(CREATES):
    elapsed, status, _ = call("POST", "/api/v1/proposals", proposal, token, key=str(uuid.uuid4()))
    assert status == 201, status
    creates.append(elapsed)

api, html = [], []
api_size = html_size = 0
for _ in range(RENDERS):
    elapsed, status, data = call("GET", f"/api/v1/villages/{VILLAGE}/ranking?year=2027")
    assert status == 200
    api.append(elapsed)
    api_size = len(data)
    elapsed, status, data = call("GET", f"/desa/{VILLAGE}/peringkat?tahun=2027")
    assert status == 200
    html.append(elapsed)
    html_size = len(data)
ranked = len(json.loads(call("GET", f"/api/v1/villages/{VILLAGE}/ranking?year=2027")[2])["items"])

print(summary("create proposal", creates))
print(summary(f"ranked list, API ({ranked} proposals)", api, api_size))
print(summary(f"ranked list, HTML page ({ranked} proposals)", html, html_size))
