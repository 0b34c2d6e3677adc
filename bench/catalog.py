#!/usr/bin/env python3
"""The activity dictionary at 20,000 items: writes a generated SIPD-shaped CSV, or measures the
search while typing (GET /api/v1/catalog?q=…&year=…) against a running server as latency
percentiles over one keep-alive connection. Talks to 127.0.0.1 only; every loop is bounded.

  catalog.py generate FILE COUNT
  catalog.py search BASE LABEL N
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import time
import urllib.parse

WORKS = ["Rabat beton jalan lingkungan", "Pembangunan saluran drainase", "Perbaikan gorong-gorong", "Pelatihan kader posyandu",
         "Pengadaan bibit tanaman pangan", "Pembangunan sumur bor", "Pemeliharaan jembatan desa", "Penerangan jalan tenaga surya",
         "Rehabilitasi rumah tidak layak huni", "Pembangunan talud penahan tanah", "Pengadaan alat pertanian", "Pelatihan UMKM olahan ikan"]
PLACES = [("PUPR", "02", "02.03"), ("PUPR", "02", "02.03"), ("PUPR", "02", "02.03"), ("DINKES", "02", "02.02"),
          ("DISPERTAN", "04", "04.02"), ("PUPR", "02", "02.07"), ("PUPR", "02", "02.03"), ("PUPR", "02", "02.07"),
          ("PUPR", "02", "02.04"), ("PUPR", "02", "02.03"), ("DISPERTAN", "04", "04.02"), ("DISKOPUMDAG", "04", "04.05")]
PLACE_WORDS = ["dusun", "lingkungan", "tipe A", "tipe B", "ukuran kecil", "ukuran sedang", "ukuran besar", "paket"]
# What people type: beginnings of words, other forms of the same word, two words.
QUERIES = ["ra", "rab", "rabat", "rabat be", "rabat beton", "saluran", "drainase", "gorong", "perbaik", "diperbaiki",
           "memperbaiki jembatan", "posyandu", "kader", "bibit", "sumur", "sumur bor", "jembatan", "penerangan", "surya",
           "rumah tidak layak", "talud", "alat pertanian", "umkm", "olahan ikan", "pelatihan", "pembangunan jalan", "jalan", "jalan desa"]


def generate(path: str, count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("id_kamus,giat_teks,satuan,anggaran,kode_skpd,kelompok,bidang,sub_bidang,output_teks,is_locked\n")
        for i in range(count):
            k = i % len(WORKS)
            agency, field, subfield = PLACES[k]
            text = f"{WORKS[k]} {PLACE_WORDS[(i // len(WORKS)) % len(PLACE_WORDS)]} {i}"
            out.write(f"{100000 + i},{text},unit,{10000 + (i % 97) * 1000},{agency},,{field},{subfield},{WORKS[k]} terlaksana,{1 if i % 50 == 0 else 0}\n")


def search(base: str, label: str, n: int) -> None:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    times: list[float] = []
    found: list[int] = []
    for i in range(n):
        q = QUERIES[i % len(QUERIES)]
        path = "/api/v1/catalog?" + urllib.parse.urlencode({"q": q, "year": 2027})
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
        found.append(len(json.loads(body)["items"]))
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"| {label} | {n} | {p(0.5):.1f} | {p(0.95):.1f} | {p(0.99):.1f} | {statistics.mean(times):.1f} | {statistics.mean(found):.1f} |")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        search(sys.argv[2], sys.argv[3], int(sys.argv[4]))
