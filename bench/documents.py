#!/usr/bin/env python3
"""Time and peak memory of every document, for a village, a kecamatan and the whole regency,
on the 100,000-proposal data set (`musrenbang bench-data --proposals 100000 --decide`).

Each document is made by a fresh `musrenbang export document …` process under /usr/bin/time:
the wall time and the peak resident memory of the largest process of the run (the musrenbang
process, or WeasyPrint for a PDF). A baseline run (an empty village list) measures what every
process pays to start (open the database, load the regency's places); it is reported beside.

Usage: bench/documents.py BINARY DATA_DIR OUT.md   (DATA_DIR already holds the data set; see bench/documents)
"""
from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, DATA, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
YEAR = 2027
REPEAT = 3
env = dict(os.environ, MUSRENBANG_DATA_DIR=DATA)
env.pop("DATABASE_URL", None)


def measure(args: list[str]) -> tuple[float, float, int]:
    """Median wall seconds, max peak RSS MiB, bytes of the file written."""
    walls, peaks, size = [], [], 0
    out_dir = tempfile.mkdtemp(prefix="bench-doc-")
    for _ in range(REPEAT):
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", BIN, "export", "document", *args, "--out", out_dir + "/"],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{args}: {result.stderr[-2000:]}")
        wall, peak = result.stderr.strip().splitlines()[-1].split()
        walls.append(float(wall))
        peaks.append(int(peak) / 1024)
        written = result.stdout.strip().rsplit(" (", 1)
        size = int(written[1].split()[0]) if len(written) == 2 else 0
    return statistics.median(walls), max(peaks), size


def main() -> None:
    db = sqlite3.connect(f"file:{DATA}/musrenbang.sqlite?mode=ro", uri=True)
    # The busiest village and kecamatan of the year: the worst case of each level.
    village = db.execute("SELECT village_code, COUNT(*) n FROM proposals WHERE year=? GROUP BY village_code ORDER BY n DESC LIMIT 1",
                         (YEAR,)).fetchone()
    district = db.execute("SELECT district_code, COUNT(*) n FROM proposals WHERE year=? AND level IN ('agency','regency') "
                          "GROUP BY district_code ORDER BY n DESC LIMIT 1", (YEAR,)).fetchone()
    total = db.execute("SELECT COUNT(*) FROM proposals").fetchone()[0]
    in_year = db.execute("SELECT COUNT(*) FROM proposals WHERE year=?", (YEAR,)).fetchone()[0]
    decisions = db.execute("SELECT COUNT(*) FROM proposal_history WHERE event='decision'").fetchone()[0]
    assembly_village = db.execute("SELECT id FROM assemblies WHERE level='village' AND rehearsal_of IS NULL ORDER BY id LIMIT 1").fetchone()[0]
    assembly_district = db.execute("SELECT id FROM assemblies WHERE level='district' AND rehearsal_of IS NULL ORDER BY id DESC LIMIT 1").fetchone()
    proposal = db.execute("SELECT proposal_id, COUNT(*) n FROM proposal_history GROUP BY proposal_id ORDER BY n DESC LIMIT 1").fetchone()[0]
    rows_village = village[1]
    backed = db.execute("SELECT COUNT(*) FROM proposals WHERE district_code=? AND year=? AND level IN ('agency','regency') "
                        "AND status NOT IN ('rejected','merged')", (district[0], YEAR)).fetchone()[0]
    refused_district = db.execute("SELECT COUNT(*) FROM proposals WHERE district_code=? AND year=? AND status='rejected'",
                                  (district[0], YEAR)).fetchone()[0]
    refused_all = db.execute("SELECT COUNT(*) FROM proposals WHERE year=? AND status='rejected'", (YEAR,)).fetchone()[0]
    in_district = db.execute("SELECT COUNT(*) FROM proposals WHERE district_code=? AND year=?", (district[0], YEAR)).fetchone()[0]
    attendance = db.execute("SELECT COUNT(*) FROM attendance WHERE assembly_id=? AND village_code=?",
                            (assembly_village, village[0])).fetchone()[0]
    db.close()

    y = ["--year", str(YEAR)]
    cases = [
        # (document, scope, what it holds, args)
        ("baseline: start + empty list", "village", "0 rows", ["du-rkpdes", "--region", village[0], "--year", "2031", "--format", "csv"]),
        ("DU-RKPDes xlsx", "village", f"{rows_village} proposals", ["du-rkpdes", "--region", village[0], *y, "--format", "xlsx"]),
        ("DU-RKPDes csv", "village", f"{rows_village} proposals", ["du-rkpdes", "--region", village[0], *y, "--format", "csv"]),
        ("RKPDes xlsx", "village", "accepted of the village", ["rkpdes", "--region", village[0], *y, "--format", "xlsx"]),
        ("T-D.4 xlsx", "kecamatan", f"{backed} activities", ["t-d4", "--region", district[0], *y, "--format", "xlsx"]),
        ("T-D.4 csv", "kecamatan", f"{backed} activities", ["t-d4", "--region", district[0], *y, "--format", "csv"]),
        ("not accommodated xlsx", "kecamatan", f"{refused_district} refusals", ["tidak-terakomodir", "--region", district[0], *y, "--format", "xlsx"]),
        ("not accommodated xlsx", "regency", f"{refused_all} refusals", ["tidak-terakomodir", *y, "--format", "xlsx"]),
        ("proposal list xlsx", "village", f"{rows_village} rows", ["usulan", "--region", village[0], *y, "--format", "xlsx"]),
        ("proposal list xlsx", "kecamatan", f"{in_district} rows", ["usulan", "--region", district[0], *y, "--format", "xlsx"]),
        ("proposal list xlsx", "regency", f"{in_year} rows", ["usulan", *y, "--format", "xlsx"]),
        ("proposal list csv", "regency", f"{in_year} rows", ["usulan", *y, "--format", "csv"]),
        ("recap xlsx", "regency", f"{in_year} proposals grouped", ["rekap", *y, "--format", "xlsx"]),
        ("attendance xlsx", "village", f"{attendance} people", ["daftar-hadir", "--region", village[0], "--assembly", str(assembly_village),
                                                               "--as", "bappeda", "--format", "xlsx"]),
        ("BA desa pdf", "village", f"{attendance} attendees, {rows_village} proposals",
         ["berita-acara", "--region", village[0], "--assembly", str(assembly_village), "--as", "bappeda", "--format", "pdf"]),
        ("tracking sheet pdf", "proposal", "its history", ["lembar-pelacakan", "--proposal", str(proposal), "--format", "pdf"]),
    ]
    if assembly_district:
        cases.append(("BA kecamatan pdf", "kecamatan", f"T-D.4 {backed} rows, Lampiran III {refused_district}",
                      ["berita-acara", "--region", district[0], "--assembly", str(assembly_district[0]), "--as", "bappeda", "--format", "pdf"]))
    lines = [f"# Documents benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, SQLite",
             "", f"Data: {total:,} proposals ({in_year:,} in {YEAR}), {decisions:,} decisions. Each row: median of {REPEAT} fresh "
             "`musrenbang export document` processes; peak RSS is the largest process of the run (the PDF engine for PDFs).", "",
             "| document | scope | holds | wall s (median) | peak RSS MiB | file KiB |", "|---|---|---|---|---|---|"]
    for name, scope, holds, args in cases:
        wall, peak, size = measure(args)
        lines.append(f"| {name} | {scope} | {holds} | {wall:.2f} | {peak:.0f} | {size / 1024:.0f} |")
        print(lines[-1], flush=True)
    open_dir = tempfile.mkdtemp(prefix="bench-open-")
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", BIN, "export", "open-data", open_dir], env=env, capture_output=True, text=True)
    wall, peak = result.stderr.strip().splitlines()[-1].split()
    size = sum(os.path.getsize(os.path.join(open_dir, f)) for f in os.listdir(open_dir))
    lines.append(f"| open data set (all CSV + README) | regency, all years | {total:,} proposals, {decisions:,} decisions | {float(wall):.2f} | "
                 f"{int(peak) / 1024:.0f} | {size / 1024:.0f} |")
    print(lines[-1])
    with open(OUT, "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
