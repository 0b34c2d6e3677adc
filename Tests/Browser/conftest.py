"""Browser tests for the Musrenbang web app.

Run with:  python3 -m pytest -q Tests/Browser

The session starts one server on a fresh temporary data directory (migrate + demo),
so every run begins with an empty citizen table. The binary is taken from
$MUSRENBANG_BIN (default .build/debug/musrenbang); it is copied into the temp dir
first so that a rebuild of the checkout during the run cannot pull it away.
Chromium is Debian's (/usr/lib/chromium/chromium, override with $CHROMIUM_PATH);
no browser is downloaded.
"""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

DEFAULT_BIN = "/work/main/.build/debug/musrenbang"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
# Nothing listens on port 9 (discard) in the test namespace: a platform that refuses.
RESTREAM_URL = "rtmp://127.0.0.1:9/live/kunci-rahasia-{assembly}"
HEALTH_TIMEOUT = 60.0
MOBILE_VIEWPORT = {"width": 360, "height": 740}

_failed_tests: list[str] = []
_server_data_dir: Path | None = None  # set by the `server` fixture; read through `server_data_dir`
_server_log: Path | None = None  # everything the server wrote to stderr; read through `server_log`
# NIKs the tests send that no test file spells out (made at run time); test_zz_nik_leak searches
# the server's files for these and for every 16-digit literal in the test files.
used_niks: set[str] = set()


def record_nik(nik: str) -> str:
    """Notes a NIK a test sends to the server, for the closing search of the server's files."""
    used_niks.add(nik)
    return nik


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _failed_tests.append(item.nodeid)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_binary(path: Path, timeout: float = 60.0) -> None:
    """The checkout may be mid-rebuild: the binary can be briefly missing or half-written."""
    deadline = time.monotonic() + timeout
    last_size = -1
    while time.monotonic() < deadline:
        if path.is_file() and os.access(path, os.X_OK):
            size = path.stat().st_size
            if size == last_size and size > 0:
                return
            last_size = size
        time.sleep(1.0)
    raise RuntimeError(f"musrenbang binary not found (or still changing) at {path}")


def _run(cmd: list[str], env: dict[str, str], timeout: float = 120.0) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )


@pytest.fixture(scope="session")
def server():
    """Yields the base URL (http://127.0.0.1:PORT) of a freshly migrated demo server."""
    global _server_data_dir, _server_log
    source_bin = Path(os.environ.get("MUSRENBANG_BIN", DEFAULT_BIN))
    _wait_for_binary(source_bin)

    tmp = Path(tempfile.mkdtemp(prefix="musrenbang-browser-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    _server_data_dir = data_dir
    binary = tmp / "musrenbang"
    shutil.copy2(source_bin, binary)

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # force SQLite in our data dir
    env.pop("MUSRENBANG_BEHIND_TLS", None)
    env["MUSRENBANG_DATA_DIR"] = str(data_dir)
    env["MUSRENBANG_SECRET"] = "browser-test-secret-0123456789ab"  # 32 chars
    # The demo's password is random per installation unless named; the suite logs in by script.
    env["MUSRENBANG_DEMO_PASSWORD"] = "musrenbang-demo"
    # The whole suite comes from one address: logins and registrations get room (the limits
    # themselves are tested in Swift, RateLimitTests, and by the abuse tests).
    env.setdefault("MUSRENBANG_RATE_LIMITS", "login=600/60,register=300/60,activate=300/60")

    _run([str(binary), "migrate", "--data-dir", str(data_dir)], env)
    _run([str(binary), "demo", "--data-dir", str(data_dir)], env)

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [str(binary), "serve", "--data-dir", str(data_dir), "--port", str(port), "--host", "127.0.0.1"]
    if os.environ.get("MUSRENBANG_TEST_JANUS_URL"):
        # The media tests: a real Janus (started by scripts/lib/media-netns.sh in its own namespace).
        command += ["--janus", os.environ["MUSRENBANG_TEST_JANUS_URL"]]
        env["JANUS_ADMIN_KEY"] = os.environ.get("MUSRENBANG_TEST_JANUS_KEY", "")
        # Two public WebRTC viewers per server (test_media's public page needs two, one per feed):
        # test_hls fills them to see a third viewer given HLS.
        env.setdefault("MUSRENBANG_WEBRTC_VIEWERS", "2")
        # The regency's live platform, which is down here: the control room names it, the HLS
        # encode pushes to it, and the program plays on regardless (test_hls).
        env.setdefault("MUSRENBANG_RESTREAM_URL", RESTREAM_URL)
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    stderr_tail: collections.deque[str] = collections.deque(maxlen=50)
    _server_log = tmp / "server-stderr.log"  # beside the data directory, not in it
    log_file = open(_server_log, "w", encoding="utf-8")

    def read_stderr() -> None:
        for line in proc.stderr:
            stderr_tail.append(line)
            log_file.write(line)
            log_file.flush()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()

    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while True:
            if proc.poll() is not None:
                reader.join(timeout=2)
                raise RuntimeError(
                    f"server exited with {proc.returncode} before /healthz answered:\n" + "".join(stderr_tail)
                )
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not answer /healthz within {HEALTH_TIMEOUT:.0f} s:\n" + "".join(stderr_tail)
                )
            time.sleep(0.2)

        yield base_url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        reader.join(timeout=2)
        log_file.close()
        if _failed_tests:
            print(f"\n--- last {len(stderr_tail)} lines of server stderr ({len(_failed_tests)} failed test(s)) ---")
            print("".join(stderr_tail), end="")
            print("--- end of server stderr ---")
        if not os.environ.get("MUSRENBANG_KEEP_TMP"): shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(server):
    return server


@pytest.fixture(scope="session")
def server_data_dir(server) -> Path:
    """The running server's data directory (its SQLite database is `musrenbang.sqlite`): read it, never write."""
    assert _server_data_dir is not None
    return _server_data_dir


@pytest.fixture(scope="session")
def server_log(server) -> Path:
    """The file holding everything the running server has written to stderr (its JSON log lines)."""
    assert _server_log is not None
    return _server_log


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        # Fake camera and microphone (a test pattern and a beep), granted without a prompt.
        args=["--headless=new", "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--disable-background-timer-throttling",
              "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
    )
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser):
    """Factory for extra mobile contexts (closed at teardown)."""
    contexts = []

    def make(**kwargs):
        options = {"viewport": MOBILE_VIEWPORT, "locale": "id-ID"}
        options.update(kwargs)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh mobile-sized (360x740) context: no cookies, no session."""
    return new_context().new_page()
