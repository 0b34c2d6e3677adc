"""Runs last (file order): every raw NIK the test run sent to the server is searched for in every
file the server wrote — its data directory (the SQLite database, its WAL and shared memory,
the secret, photos, recordings, anything else) and everything it wrote to stderr (its log).
Target: 0 occurrences. The NIKs are every 16-digit literal in the browser tests' files plus those
made at run time and noted with `conftest.record_nik`.

It also checks what the process start promises: the data directory and everything in it are
readable by the server's own account only (directories 0700, files 0600).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import conftest

HERE = Path(__file__).parent


def used_niks() -> set[str]:
    found = set(conftest.used_niks)
    for test_file in HERE.glob("*.py"):
        found.update(re.findall(r"(?<!\d)(\d{16})(?!\d)", test_file.read_text(encoding="utf-8")))
    return found


def test_no_raw_nik_in_any_file_the_server_wrote(server_data_dir, server_log):
    niks = sorted(used_niks())
    assert len(niks) >= 10, niks
    files = [p for p in server_data_dir.rglob("*") if p.is_file()] + [server_log]
    assert any(p.name == "musrenbang.sqlite" for p in files), [p.name for p in files]
    needles = [(nik, nik.encode()) for nik in niks]
    # UTF-16 too (a JSON or text file written wide); and the digits spaced as people type them.
    needles += [(nik, nik.encode("utf-16-le")) for nik in niks]
    found = []
    searched = 0
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            # Removed between the listing and the read (an HLS packager's pid file when its
            # program ends): what the server deleted is no longer at rest.
            continue
        searched += len(data)
        found += [f"{nik} in {path.relative_to(server_data_dir.parent)}" for nik, needle in needles if needle in data]
    print(f"\nNIK search: {len(niks)} NIKs in {len(files)} files ({searched} bytes, the log included): {len(found)} found")
    assert not found, found


def test_the_data_directory_is_private(server_data_dir):
    loose = []
    for path in [server_data_dir, *server_data_dir.rglob("*")]:
        if path.is_symlink():
            continue
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue  # removed since the listing, as above
        if mode & 0o077 or (path.is_dir() and mode != 0o700):
            loose.append(f"{path.relative_to(server_data_dir.parent)} {oct(mode)}")
    assert not loose, loose
