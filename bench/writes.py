#!/usr/bin/env python3
"""bench/writes helpers. `setup BASE CONFIG [SUPPORTS]`: operators for 64 villages of Banyuwangi and an
assembly open for check-in, through the API (prints `assembly year`); with SUPPORTS > 0, also one
citizen per village and enough proposals of their village for that many supports each
(CONFIG.supports: "token proposal-id..." per line). `wrk NAME`: wrk's output
to a row. `raw DB SECONDS KIND`: the rows one API write leaves (copied from the last ones it
wrote) inserted straight into the same SQLite file from one process, one transaction per write,
with the server's durability (WAL, synchronous=NORMAL): the yardstick. `count DB ASSEMBLY`:
rows the run left. Talks to 127.0.0.1 only."""
import datetime
import json
import os
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def setup(base, config, supports=0, villages_wanted=64):
    status, login = call(base, "POST", "/api/v1/auth/login", {"username": "bappeda", "password": "musrenbang-demo"})
    assert status == 200, login
    token, regency = login["token"], login["user"]["regionCode"]
    villages = []
    for district in call(base, "GET", f"/api/v1/regions/{regency}")[1]["children"]:
        villages += [child["code"] for child in call(base, "GET", f"/api/v1/regions/{district['code']}")[1]["children"]]
    villages = sorted(villages)[:villages_wanted]
    stamp = str(int(time.time()))[-6:]
    lines = []
    for village in villages:
        username = f"bench-{stamp}-{village.replace('.', '')}"
        status, body = call(base, "POST", "/api/v1/users", {"username": username, "name": f"Operator bench {village}",
                                                             "password": "bench-password-1", "role": "village_operator",
                                                             "regionCode": village}, token)
        assert status == 201, body
        status, body = call(base, "POST", "/api/v1/auth/login", {"username": username, "password": "bench-password-1"})
        lines.append(f"{body['token']} {village}")
    year = datetime.date.today().year + 1
    status, created = call(base, "POST", "/api/v1/assemblies", {
        "title": f"Bench tulis {stamp}", "level": "village", "regencyCode": regency, "planYear": year,
        "startsAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hubVillageCode": villages[0], "villageCodes": villages}, token)
    assert status == 201, created
    assembly = created["id"]
    assert call(base, "POST", f"/api/v1/assemblies/{assembly}/stage", {"stage": "checkIn"}, token)[0] == 200
    for line in lines:
        operator, village = line.split()
        assert call(base, "POST", f"/api/v1/assemblies/{assembly}/sessions/{village}/stage", {"stage": "checkIn"}, operator)[0] == 200
    with open(config, "w") as out:
        out.write("\n".join(lines) + "\n")
    if supports > 0:
        supporters(base, lines, stamp, year, supports, config + ".supports")
    print(assembly, year)


def supporters(base, lines, stamp, year, supports, config):
    """A citizen of each operator's village (of the first WRITES_SUPPORTERS villages, when set), and
    `supports` proposals of that village for them."""
    from concurrent.futures import ThreadPoolExecutor

    def village_lines(line):
        operator, village = line.split()
        district = village.replace(".", "")[:6]
        nik = f"{district}4101{int(stamp) % 90 + 10:02d}{int(village.replace('.', '')[-4:]) % 10000:04d}"
        status, body = call(base, "POST", "/api/v1/citizens", {"name": f"Pendukung {village}", "nik": nik, "villageCode": village,
                                                               "gender": "female", "password": "bench-password-1"})
        assert status == 201, body
        status, body = call(base, "POST", "/api/v1/auth/login", {"username": nik, "password": "bench-password-1"})
        assert status == 200, body
        proposals = []
        for n in range(supports):
            status, created = call(base, "POST", "/api/v1/proposals", {
                "villageCode": village, "year": year, "title": f"Usulan dukungan {n}: perbaikan jalan dusun",
                "problem": "Jalan rusak dan tergenang saat hujan.", "activity": "Pengaspalan jalan lingkungan", "fieldCode": "02",
                "subfieldCode": "02.03", "kind": "physical", "volume": 100 + n, "unit": "m", "estimatedCost": 50000000,
                "fundingSource": "villageFund", "beneficiaries": {"total": 200, "women": 95, "poor": 30, "disabled": 2},
                "source": "onBehalf"}, operator)
            assert status == 201, created
            proposals.append(str(created["id"]))
        return f"{body['token']} {' '.join(proposals)}"

    wanted = int(os.environ.get("WRITES_SUPPORTERS") or len(lines))
    with ThreadPoolExecutor(8) as pool:
        rows = list(pool.map(village_lines, lines[:wanted]))
    with open(config, "w") as out:
        out.write("\n".join(rows) + "\n")


def wrk(name):
    text = sys.stdin.read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    p50 = float(re.search(r"latency_p50_ms ([\d.]+)", text).group(1))
    p99 = float(re.search(r"latency_p99_ms ([\d.]+)", text).group(1))
    print(f"{name}\t{rate:.0f}\t{p50:.1f}\t{p99:.1f}\t{total}\t{bad.group(1) if bad else 0}")


# The rows one write leaves, newest first, per table; unique columns are given fresh values.
SHAPES = {
    "checkin": ["users", "assisted_entries", "attendance", "assembly_events", "assisted_entries", "idempotency_keys", "audit_log"],
    "proposal": ["proposals", "proposal_history", "idempotency_keys", "audit_log"],
}


def raw(db_path, seconds, kind):
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    db.row_factory = sqlite3.Row
    templates = {}
    for table in dict.fromkeys(SHAPES[kind]):
        row = db.execute(f'SELECT * FROM "{table}" ORDER BY rowid DESC LIMIT 1').fetchone()
        templates[table] = dict(row)
    done, started, serial = 0, time.perf_counter(), 0
    latencies = []
    while time.perf_counter() - started < seconds:
        serial += 1
        begin = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        ids = {}
        for table in SHAPES[kind]:
            row = dict(templates[table])
            row.pop("id", None)
            if table == "users":
                row["nik_hash"] = f"raw-{serial}-{time.time_ns()}"
                if row.get("username") is not None:
                    row["username"] = f"raw-{serial}-{time.time_ns()}"
            if table == "idempotency_keys":
                row["key"] = f"raw-{serial}-{time.time_ns()}"
            if table == "attendance":
                row["user_id"] = ids["users"]
            if table == "assisted_entries":
                row["citizen_id"] = ids.get("users", row["citizen_id"])
            if table == "proposal_history":
                row["proposal_id"] = ids["proposals"]
            columns = ", ".join(f'"{c}"' for c in row)
            cursor = db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" for _ in row)})', list(row.values()))
            ids.setdefault(table, cursor.lastrowid)
        if kind == "checkin":
            db.execute("UPDATE assembly_sessions SET last_heartbeat = last_heartbeat WHERE assembly_id = ? AND village_code = ?",
                       (templates["attendance"]["assembly_id"], templates["attendance"]["village_code"]))
        db.execute("COMMIT")
        latencies.append((time.perf_counter() - begin) * 1000)
        done += 1
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(f"raw-{kind}\t{done / elapsed:.0f}\t{latencies[len(latencies) // 2]:.2f}\t{latencies[int(len(latencies) * 0.99)]:.2f}\t{done}\t0")


def count(db_path, assembly):
    db = sqlite3.connect(db_path)
    attendance = db.execute("SELECT count(*) FROM attendance WHERE assembly_id = ?", (assembly,)).fetchone()[0]
    proposals = db.execute("SELECT count(*) FROM proposals WHERE title LIKE 'Usulan bench %'").fetchone()[0]
    print(attendance, proposals)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    elif command == "wrk":
        wrk(sys.argv[2])
    elif command == "raw":
        raw(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    elif command == "count":
        count(sys.argv[2], int(sys.argv[3]))
