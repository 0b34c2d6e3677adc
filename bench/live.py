#!/usr/bin/env python3
"""A crowd on the live stream, measured in one run: /summary latency with no listeners, then with
LISTENERS anonymous /live connections open (from many loopback addresses, 20 each) while a village
operator raises and lowers its hand (each a floor event that pokes every listener). Also: what the
caps answer beyond them (one address asking for more than its share; the crowd going past the
global cap), and whether every listener heard every event.
Usage: live.py URL LABEL LISTENERS EXTRA  (EXTRA: connections tried past the global cap).
Prints Markdown table rows. Loopback only; every loop is bounded."""
import asyncio, http.client, json, os, statistics, sys, threading, time, urllib.request

url, label, listeners, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
EVENTS = int(os.environ.get("LIVE_BENCH_EVENTS", "600"))  # floor events sent while /summary is timed
ROUNDS = int(os.environ.get("LIVE_BENCH_ROUNDS", "5"))  # single changes timed to every listener
host, port = url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1])
SAMPLES = 150


def call(method, path, body=None, token=None):
    request = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
        return json.loads(data) if data else None


def summary_latencies(assembly, count):
    out = []
    for _ in range(count):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=60)
        connection.request("GET", f"/api/v1/assemblies/{assembly}/summary")
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200, response.status
        out.append((time.perf_counter() - started) * 1000)
    return out


def rss_kb():
    pid = os.environ.get("LIVE_BENCH_PID")
    if not pid:
        return 0
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1])


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class Listener:
    def __init__(self):
        self.status, self.retry_after, self.events, self.writer = None, None, 0, None
        # A delivery round: when it began, and when this listener heard its first event after that.
        self.since, self.heard_at = None, None


async def listen(assembly, source, listener, ready):
    try:
        reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    except OSError:
        listener.status = "connect failed"
        ready.release()
        return
    listener.writer = writer
    writer.write(f"GET /api/v1/assemblies/{assembly}/live?maxSeconds=900&start=now HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    listener.status = int(head.split(" ")[1])
    for line in head.split("\r\n"):
        if line.lower().startswith("retry-after:"):
            listener.retry_after = int(line.split(":")[1])
    ready.release()
    if listener.status != 200:
        writer.close()
        return
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event: "):
                listener.events += 1
                if listener.since is not None and listener.heard_at is None:
                    listener.heard_at = time.monotonic()
    except (ConnectionError, asyncio.CancelledError):
        return


async def crowd(assembly, writes):
    ready = asyncio.Semaphore(0)
    tasks, greedy, crowd_listeners, beyond = [], [], [], []

    async def open_from(source, count, into):
        for _ in range(count):
            listener = Listener()
            into.append(listener)
            tasks.append(asyncio.create_task(listen(assembly, source, listener, ready)))
            await ready.acquire()

    # One address asks for more than its share first (per-client cap), then the crowd, then past the global cap.
    await open_from("127.0.0.9", 40, greedy)
    admitted_greedy = sum(1 for l in greedy if l.status == 200)
    address = 10
    while sum(1 for l in greedy + crowd_listeners if l.status == 200) < listeners:
        # 20 from each loopback address (under the per-client share), 250 addresses to a /24.
        source = f"127.0.0.{address}" if address < 250 else f"127.2.{address // 250}.{address % 250 + 1}"
        await open_from(source, min(20, listeners - sum(1 for l in greedy + crowd_listeners if l.status == 200)), crowd_listeners)
        address += 1
    for index in range(0, extra, 20):
        await open_from(f"127.0.1.{index // 20 + 1}", min(20, extra - index), beyond)
    loop = asyncio.get_running_loop()
    # The floor moves while the API is timed (in a thread: the event loop keeps reading the streams).
    stop = threading.Event()
    sent = [0]

    def writer():
        village, token = writes
        while not stop.is_set() and sent[0] < EVENTS:
            if sent[0] % 2 == 0:
                call("POST", f"/api/v1/assemblies/{assembly}/floor/hands", {"villageCode": village, "topic": "Bench"}, token)
            else:
                call("DELETE", f"/api/v1/assemblies/{assembly}/floor/hands/{village}", None, token)
            sent[0] += 1
            time.sleep(0.25)

    thread = threading.Thread(target=writer)
    thread.start()
    crowd_rss = rss_kb()
    loaded = await loop.run_in_executor(None, summary_latencies, assembly, SAMPLES)
    stop.set()
    thread.join()
    await asyncio.sleep(2)
    # One change at a time, reaching every listener: how long from the write to each listener's
    # first event after it (the client is one Python process reading every stream, so its own
    # reading of N sockets is included: an upper bound on the server's fan-out).
    open_listeners = [l for l in greedy + crowd_listeners if l.status == 200]
    delays, missed = [], 0
    buckets_before = await loop.run_in_executor(None, delivery_buckets)
    village, token = writes
    for round_index in range(ROUNDS):
        await asyncio.sleep(1)
        started = time.monotonic()
        for listener in open_listeners:
            listener.since, listener.heard_at = started, None
        if round_index % 2 == 0:
            await loop.run_in_executor(None, call, "POST", f"/api/v1/assemblies/{assembly}/floor/hands", {"villageCode": village, "topic": "Bench"}, token)
        else:
            await loop.run_in_executor(None, call, "DELETE", f"/api/v1/assemblies/{assembly}/floor/hands/{village}", None, token)
        deadline = started + 15
        while time.monotonic() < deadline and any(l.heard_at is None for l in open_listeners):
            await asyncio.sleep(0.02)
        delays += [(l.heard_at - started) * 1000 for l in open_listeners if l.heard_at is not None]
        missed += sum(1 for l in open_listeners if l.heard_at is None)
        for listener in open_listeners:
            listener.since = None
    buckets_after = await loop.run_in_executor(None, delivery_buckets)
    server_delivery = {le: buckets_after.get(le, 0) - buckets_before.get(le, 0) for le in buckets_after}
    heard = [l.events for l in greedy + crowd_listeners if l.status == 200]
    for listener in greedy + crowd_listeners:
        if listener.writer:
            listener.writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    refused_greedy = [l for l in greedy if l.status != 200]
    refused_beyond = [l for l in beyond if l.status != 200]
    return dict(loaded=loaded, crowd_rss=crowd_rss, open=len(heard), greedy=(admitted_greedy, refused_greedy), beyond=refused_beyond,
                sent=sent[0] + ROUNDS, heard=heard, delays=delays, missed=missed, server_delivery=server_delivery)


def delivery_buckets():
    """The server's own histogram of read → written to each listener (musrenbang_live_delivery_seconds)."""
    with urllib.request.urlopen(url + "/metrics", timeout=60) as response:
        text = response.read().decode()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("musrenbang_live_delivery_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_percentile(buckets, q):
    """The upper bound of the bucket holding the q-th percentile (a histogram says no more)."""
    total = buckets.get(float("inf"), 0)
    if not total:
        return None
    for le in sorted(buckets):
        if buckets[le] >= q / 100 * total:
            return le
    return float("inf")


def main():
    login = call("POST", "/api/v1/auth/login", {"username": "operator-desa", "password": os.environ.get("LIVE_BENCH_PASSWORD", "musrenbang-demo")})
    village = login["user"]["regionCode"]
    assembly = call("GET", "/api/v1/assemblies")["items"][0]["id"]
    call("GET", f"/api/v1/assemblies/{assembly}/summary")
    idle = summary_latencies(assembly, SAMPLES)
    idle_rss = rss_kb()
    result = asyncio.run(crowd(assembly, (village, login["token"])))
    loaded, heard = result["loaded"], result["heard"]
    admitted_greedy, refused_greedy = result["greedy"]
    statuses = lambda ls: ", ".join(f"{n}× {s}" for s, n in sorted({l.status: sum(1 for m in ls if m.status == l.status) for l in ls}.items())) or "none"
    retry = lambda ls: f"{min(l.retry_after or 0 for l in ls)}–{max(l.retry_after or 0 for l in ls)} s" if ls else "—"
    print(f"| {label} | /summary idle p50 / p95 | {statistics.median(idle):.0f} / {pct(idle, 95):.0f} ms |")
    print(f"| {label} | /summary under {result['open']} listeners p50 / p95 | {statistics.median(loaded):.0f} / {pct(loaded, 95):.0f} ms |")
    print(f"| {label} | one address asking for 40 | {admitted_greedy} open; refused: {statuses(refused_greedy)} (Retry-After {retry(refused_greedy)}) |")
    print(f"| {label} | {extra} more past the global cap | refused: {statuses(result['beyond'])} (Retry-After {retry(result['beyond'])}) |")
    if idle_rss:
        print(f"| {label} | server RSS idle / with the crowd open | {idle_rss // 1024} / {result['crowd_rss'] // 1024} MB |")
    print(f"| {label} | floor events sent during the run / heard per listener (min–max) | {result['sent']} / {min(heard)}–{max(heard)} |")
    delays = result["delays"]
    if delays:
        print(f"| {label} | one change to all {result['open']} listeners, {ROUNDS} rounds: p50 / p99 / max | "
              f"{statistics.median(delays):.0f} / {pct(delays, 99):.0f} / {max(delays):.0f} ms ({result['missed']} not heard within 15 s) |")
    server = result["server_delivery"]
    if server.get(float("inf")):
        within = server.get(1.0, 0) / server[float("inf")]
        print(f"| {label} | the same rounds, server side (read → written to each connection; /metrics): p50 ≤ / p99 ≤ | "
              f"{bucket_percentile(server, 50):g} / {bucket_percentile(server, 99):g} s ({within:.1%} of {server[float('inf')]:.0f} deliveries within 1 s) |")


main()
