#!/usr/bin/env python3
"""Two server processes against one, behind nginx, on one PostgreSQL (run by bench/cluster, which
starts the database and loads the demo). Starts node A and node B and a local nginx whose site is
deploy/nginx/musrenbang.conf (plain HTTP on loopback, the upstream naming A, or A and B), then:
  1. reads: wrk on a region's detail and /healthz, one node, then two;
  2. writes: proposals and walk-in check-ins from an asyncio HTTP/1.1 keep-alive client (N
     connections, every write with an Idempotency-Key, retried with the same key on a failed
     connection or a 502/503/504), one node, then two;
  3. K listeners on node B's live stream, single check-ins written through node A directly: the
     time from the write to each listener hearing it;
  4. a write storm through nginx to both nodes, node A killed (-9) a third of the way in.
Then every acknowledged write is looked up in PostgreSQL: it must be there exactly once.
Usage: cluster.py tiny|full (environment from bench/cluster). Prints Markdown; exit status 1 when
an acknowledged write is lost or doubled, a listener missed an event, or a phase failed outright.
Loopback only; every loop is bounded."""
import asyncio, json, os, re, resource, signal, subprocess, sys, time, uuid

SIZE = sys.argv[1] if len(sys.argv) > 1 else "full"
BIN, WORK = os.environ["CLUSTER_BIN"], os.environ["CLUSTER_WORK"]
PG_PORT = int(os.environ["CLUSTER_PG_PORT"])
CONFIGURATION = os.environ.get("CLUSTER_CONFIGURATION", "?")
PSQL_URL = f"postgresql://musrenbang@127.0.0.1:{PG_PORT}/cluster"
PASSWORD = os.environ.get("MUSRENBANG_DEMO_PASSWORD", "musrenbang-demo")
HOST = "127.0.0.1"
PORT_A, PORT_B, PORT_NGINX = 8161, 8162, 8160
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX = "nginx" if subprocess.run(["sh", "-c", "command -v nginx"], capture_output=True).returncode == 0 else "/usr/sbin/nginx"

SIZES = {
    # wrk seconds, write seconds per kind, write connections, villages, listeners, live rounds,
    # storm seconds, kill after seconds
    "tiny": dict(wrk=1, write=2, connections=8, villages=4, listeners=20, rounds=3, storm=5, kill_at=1.5),
    "full": dict(wrk=10, write=10, connections=32, villages=20, listeners=200, rounds=20, storm=20, kill_at=7),
}[SIZE]
RUN = uuid.uuid4().hex[:6]
YEAR = time.localtime().tm_year + 1
RETRY_FOR = 30.0  # how long a client keeps retrying one write (same key) before it counts as failed


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def ms(value):
    return "—" if value != value else (f"{value:.1f}" if value < 10 else f"{value:.0f}")


# ---------------------------------------------------------------- processes and their CPU time

class Node:
    def __init__(self, name, port):
        self.name, self.port, self.process = name, port, None
        self.log_path = os.path.join(WORK, f"node-{name}.log")

    def start(self):
        self.process = subprocess.Popen([BIN, "serve", "--port", str(self.port), "--log-level", "warning"],
                                        stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT)

    def wait_ready(self, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"node {self.name} exited ({self.process.returncode}): {tail(self.log_path)}")
            if http_status(self.port, "/readyz") == 200:
                return
            time.sleep(0.2)
        raise SystemExit(f"node {self.name} not ready after {seconds} s: {tail(self.log_path)}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def lead_taken(since):
    """Milliseconds from `since` until node B says it leads (the floor timer's advisory lock), None after 15 s."""
    while time.monotonic() - since < 15:
        try:
            reader, writer = await asyncio.open_connection(HOST, PORT_B)
            writer.write(f"GET /metrics HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            text = (await asyncio.wait_for(reader.read(), 5)).decode(errors="replace")
            writer.close()
            if re.search(r"^musrenbang_leader 1(\.0)?\s*$", text, re.M):
                return (time.monotonic() - since) * 1000
        except (OSError, asyncio.TimeoutError):
            pass
        await asyncio.sleep(0.1)
    return None


def leads(port):
    import http.client
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode(errors="replace")
        connection.close()
    except OSError:
        return False
    return re.search(r"^musrenbang_leader 1(\.0)?\s*$", text, re.M) is not None


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def http_status(port, path):
    import http.client
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


class Nginx:
    """nginx with the repository's site, rewritten for plain HTTP on loopback and this run's upstream."""

    def __init__(self):
        self.dir = os.path.join(WORK, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.pid_path = os.path.join(self.dir, "nginx.pid")

    def site(self, ports):
        with open(os.path.join(REPO, "deploy/nginx/musrenbang.conf")) as handle:
            text = re.sub(r"#[^\n]*", "", handle.read())
        blocks, depth, start = [], 0, 0
        for index, char in enumerate(text):
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    blocks.append(text[start:index + 1].strip())
                    start = index + 1
        out = []
        for block in blocks:
            if block.startswith("upstream"):
                # The shipped upstream with this run's processes in place of its one server (its other
                # directives, e.g. keepalive, kept). Round robin: one client address would put
                # everything on one process under ip_hash.
                servers = "".join(f"server {HOST}:{port};\n    " for port in ports)
                block = re.sub(r"server 127\.0\.0\.1:8080;", servers.strip(), block)
                block = re.sub(r"^\s*ip_hash;\s*$", "", block, flags=re.M)
            elif "return 301" in block:
                continue  # the plain-HTTP redirect server
            elif block.startswith("server"):
                block = re.sub(r"listen 443[^;]*;", f"listen {HOST}:{PORT_NGINX};", block)
                block = re.sub(r"^\s*listen \[::\][^;]*;\s*$", "", block, flags=re.M)
                block = re.sub(r"^\s*ssl_[^;]*;\s*$", "", block, flags=re.M)
                block = re.sub(r"^\s*add_header Strict-Transport-Security[^;]*;\s*$", "", block, flags=re.M)
            out.append(block)
        return "\n\n".join(out)

    def write(self, ports):
        d = self.dir
        with open(self.conf, "w") as handle:
            handle.write(f"""worker_processes 1;
pid {self.pid_path};
error_log {d}/error.log warn;
events {{ worker_connections 8192; }}
http {{
  include /etc/nginx/mime.types;
  access_log {d}/access.log combined buffer=64k;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
{self.site(ports)}
}}
""")
        check = subprocess.run([NGINX, "-t", "-q", "-c", self.conf, "-p", d], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"nginx -t: {check.stderr}")

    def use(self, ports):
        """Points the upstream at `ports` (starts nginx, or reloads it)."""
        self.write(ports)
        if not self.pid():
            subprocess.run([NGINX, "-c", self.conf, "-p", self.dir], check=True)
            for _ in range(50):
                if self.pid():
                    break
                time.sleep(0.1)
        else:
            os.kill(self.pid(), signal.SIGHUP)
            time.sleep(1.0)  # the old worker finishes, the new one serves
        for _ in range(50):
            if http_status(PORT_NGINX, "/readyz") == 200:
                return
            time.sleep(0.1)
        raise SystemExit("nginx does not answer: " + tail(os.path.join(self.dir, "error.log")))

    def pid(self):
        try:
            with open(self.pid_path) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.pid()
        if pid:
            try:
                os.kill(pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass


def process_ticks():
    """CPU ticks of every process, by pid, with its parent: one read of /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            out[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return out


def machine_ticks():
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)  # busy (without idle, iowait), all


class CpuMeter:
    """Where the cores went during a phase: node A, node B, nginx, PostgreSQL, the load generator
    (this process and wrk), and everything else on the machine (other builds)."""
    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, nodes, nginx):
        self.nodes, self.nginx = nodes, nginx

    def groups(self, ticks):
        def tree(root):
            if root is None:
                return set()
            members, changed = {root}, True
            while changed:
                changed = False
                for pid, (ppid, _) in ticks.items():
                    if ppid in members and pid not in members:
                        members.add(pid)
                        changed = True
            return members
        postmaster = None
        try:
            with open(os.path.join(WORK, "pg/data/postmaster.pid")) as handle:
                postmaster = int(handle.readline())
        except (OSError, ValueError):
            pass
        named = {f"node {n.name}": {n.process.pid} for n in self.nodes if n.process}
        named["nginx"] = tree(self.nginx.pid())
        named["PostgreSQL"] = tree(postmaster)
        return named

    def snapshot(self):
        ticks = process_ticks()
        groups = self.groups(ticks)
        own = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        client = sum(u.ru_utime + u.ru_stime for u in own) * self.HZ
        return dict(time=time.monotonic(), machine=machine_ticks(), client=client,
                    groups={name: {pid: ticks[pid][1] for pid in pids if pid in ticks} for name, pids in groups.items()})

    def between(self, first, second):
        """Cores used by each group (1.0 = one core busy all the time). Per process: a PostgreSQL
        backend that ended during the phase (its node killed) is counted until its last sighting."""
        wall = second["time"] - first["time"]
        cores = lambda ticks: ticks / self.HZ / wall if wall > 0 else 0
        out = {}
        for name, before in first["groups"].items():
            after = second["groups"].get(name, {})
            out[name] = cores(sum(used - before.get(pid, 0) for pid, used in after.items()))
        out["load generator"] = cores(second["client"] - first["client"])
        busy = cores(second["machine"][0] - first["machine"][0])
        out["everything else"] = max(0.0, busy - sum(out.values()))
        out["machine busy"] = busy
        return out


# ---------------------------------------------------------------- a small HTTP/1.1 client

class Connection:
    """One keep-alive HTTP/1.1 connection (Content-Length or chunked bodies), reopened after a failure."""

    def __init__(self, port):
        self.port, self.reader, self.writer = port, None, None

    async def request(self, method, path, body=None, headers=None, timeout=30.0):
        return await asyncio.wait_for(self._request(method, path, body, headers or {}), timeout)

    async def _request(self, method, path, body, headers):
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            data = b"" if body is None else json.dumps(body).encode()
            head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: application/json\r\n"
            if body is not None:
                head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            self.writer.write(head.encode() + b"\r\n" + data)
            await self.writer.drain()
            status_line = await self.reader.readuntil(b"\r\n")
            status = int(status_line.split(b" ")[1])
            fields = {}
            while True:
                line = await self.reader.readuntil(b"\r\n")
                if line == b"\r\n":
                    break
                name, _, value = line.decode("latin-1").partition(":")
                fields[name.strip().lower()] = value.strip()
            if "content-length" in fields:
                payload = await self.reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                payload = b""
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    payload += chunk[:-2]
            else:
                payload = b""
            if fields.get("connection", "").lower() == "close":
                self.close()
            try:
                parsed = json.loads(payload) if payload else None
            except ValueError:
                parsed = None
            return status, parsed
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def call(port, method, path, body=None, token=None, expect=(200, 201, 204)):
    connection = Connection(port)
    try:
        status, parsed = await connection.request(method, path, body, {"Authorization": f"Bearer {token}"} if token else {}, timeout=120)
    finally:
        connection.close()
    if status not in expect:
        raise SystemExit(f"{method} {path} → {status} {parsed}")
    return parsed


# ---------------------------------------------------------------- the writes

class Ledger:
    """Every write sent: its key, what it should have made, and what the client was told."""

    def __init__(self):
        self.writes = []  # dicts: kind, key, marker, phase, acked id or None, attempts, latency
        self.failures = []  # (monotonic time, phase, status or exception name)


class World:
    """What the planner made for this run: operators of V villages and an assembly in its proposal stage."""

    def __init__(self):
        self.villages, self.tokens, self.assembly = [], {}, None
        self.next_person = 0
        self.next_proposal = 0


async def prepare(port):
    world = World()
    login = await call(port, "POST", "/api/v1/auth/login", {"username": "bappeda", "password": PASSWORD})
    planner, regency = login["token"], login["user"]["regionCode"]
    villages = []
    regency_detail = await call(port, "GET", f"/api/v1/regions/{regency}")
    for district in regency_detail["children"]:
        detail = await call(port, "GET", f"/api/v1/regions/{district['code']}")
        villages += [child["code"] for child in detail["children"]]
    world.villages = sorted(villages)[:SIZES["villages"]]
    for village in world.villages:
        username = f"klaster-{RUN}-{village.replace('.', '')}"
        await call(port, "POST", "/api/v1/users", {"username": username, "name": f"Operator klaster {village}",
                                                   "password": f"klaster-{RUN}", "role": "village_operator",
                                                   "regionCode": village}, planner)
        world.tokens[village] = (await call(port, "POST", "/api/v1/auth/login",
                                            {"username": username, "password": f"klaster-{RUN}"}))["token"]
    created = await call(port, "POST", "/api/v1/assemblies", {
        "title": f"Uji klaster {RUN}", "level": "village", "regencyCode": regency, "planYear": YEAR,
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hubVillageCode": world.villages[0],
        "villageCodes": world.villages}, planner)
    world.assembly = created["id"]
    for stage in ["checkIn"]:
        await call(port, "POST", f"/api/v1/assemblies/{world.assembly}/stage", {"stage": stage}, planner)
    for village in world.villages:
        await call(port, "POST", f"/api/v1/assemblies/{world.assembly}/sessions/{village}/stage", {"stage": "checkIn"}, world.tokens[village])
    for stage in ["opening", "dialogue", "proposals"]:
        await call(port, "POST", f"/api/v1/assemblies/{world.assembly}/stage", {"stage": stage}, planner)
    for village in world.villages:
        await call(port, "POST", f"/api/v1/assemblies/{world.assembly}/sessions/{village}/stage", {"stage": "proposals"}, world.tokens[village])
    return world


ROLES = ["community", "community", "womensGroup", "rtRw", "youth", "farmersGroup", "religiousFigure", "bpd", "poorHousehold"]


def next_write(world, kind, phase):
    """The next write of `kind`: its path, body, token and the marker that finds it in the database."""
    if kind == "proposal":
        index = world.next_proposal
        world.next_proposal += 1
        village = world.villages[index % len(world.villages)]
        marker = f"Usulan uji klaster {RUN} nomor {index}"
        body = {"villageCode": village, "year": YEAR, "title": f"{marker}: perbaikan jalan dusun",
                "problem": "Jalan rusak dan tergenang saat hujan.", "activity": "Pengaspalan jalan lingkungan",
                "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical", "volume": 100 + index % 400, "unit": "m",
                "estimatedCost": 50_000_000 + (index % 50) * 1_000_000, "fundingSource": "villageFund",
                "beneficiaries": {"total": 200, "women": 95, "poor": 30, "disabled": 2}, "source": "onBehalf"}
        path = "/api/v1/proposals"
    else:
        index = world.next_person
        world.next_person += 1
        village = world.villages[index % len(world.villages)]
        step = index  # villages share their district's NIK prefix: the rest of the NIK is the write's own
        woman = index % 20 < 9
        # A NIK of the village's district no demo citizen has (serials from 7000 on), one per write.
        day = 1 + step % 28 + (40 if woman else 0)
        month = 1 + (step // 28) % 12
        year = 60 + (step // 336) % 40
        serial = 7000 + step // 13440
        nik = village.replace(".", "")[:6] + f"{day:02d}{month:02d}{year:02d}{serial:04d}"
        marker = f"Warga uji klaster {RUN} nomor {index}"
        body = {"villageCode": village, "nik": nik, "name": marker, "role": ROLES[index % len(ROLES)],
                "gender": "female" if woman else "male"}
        path = f"/api/v1/assemblies/{world.assembly}/attendance"
    return dict(kind=kind, key=f"klaster-{RUN}-{kind}-{index}", marker=marker, phase=phase, path=path, body=body,
                token=world.tokens[village], acked=None, attempts=0, latency=None, error=None)


async def send_write(connection, write, ledger):
    """Sends one write until it is acknowledged, retrying with the same key as a real client would."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {write['token']}", "Idempotency-Key": write["key"]}
    while True:
        write["attempts"] += 1
        status, parsed, reason = None, None, None
        try:
            status, parsed = await connection.request("POST", write["path"], write["body"], headers)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError, IndexError) as error:
            reason = type(error).__name__
        if status in (200, 201) and parsed and "id" in parsed:
            write["acked"], write["status"] = parsed["id"], status
            write["latency"] = (time.monotonic() - started) * 1000
            return
        reason = reason or f"{status} {(parsed or {}).get('code', '') if isinstance(parsed, dict) else ''}".strip()
        ledger.failures.append((time.monotonic(), write["phase"], reason))
        retryable = status in (None, 502, 503, 504) or (status == 409 and isinstance(parsed, dict) and "progress" in json.dumps(parsed).lower())
        if not retryable or time.monotonic() - started > RETRY_FOR:
            write["error"] = reason
            return
        await asyncio.sleep(0.05 * min(write["attempts"], 10))


async def storm(port, world, ledger, kinds, phase, seconds, connections, during=None):
    """`connections` clients writing back to back for `seconds`; `during(elapsed)` is called every 50 ms."""
    writes = []
    deadline = time.monotonic() + seconds
    counter = [0]

    async def client():
        connection = Connection(port)
        try:
            while time.monotonic() < deadline:
                kind = kinds[counter[0] % len(kinds)]
                counter[0] += 1
                write = next_write(world, kind, phase)
                writes.append(write)
                ledger.writes.append(write)
                await send_write(connection, write, ledger)
        finally:
            connection.close()

    started = time.monotonic()
    tasks = [asyncio.create_task(client()) for _ in range(connections)]
    if during:
        while not all(task.done() for task in tasks):
            during(time.monotonic() - started)
            await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    acked = [w for w in writes if w["acked"] is not None]
    latencies = [w["latency"] for w in acked]
    return dict(writes=writes, acked=len(acked), rate=len(acked) / elapsed, p50=pct(latencies, 50), p99=pct(latencies, 99),
                errors=sum(1 for w in writes if w["error"]), retried=sum(1 for w in writes if w["attempts"] > 1), elapsed=elapsed)


# ---------------------------------------------------------------- reads

def wrk(path, seconds):
    result = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "--timeout", "10s", f"http://{HOST}:{PORT_NGINX}{path}"],
                            capture_output=True, text=True, timeout=seconds + 60)
    text = result.stdout

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in socket.groups()) if socket else 0)
    if not rate:
        log(text, result.stderr)
    return dict(rate=float(rate.group(1)) if rate else 0.0, p50=latency("50"), p99=latency("99"), errors=errors)


# ---------------------------------------------------------------- live: written on A, heard on B

class Listener:
    def __init__(self):
        self.heard = []  # monotonic times of attendance events
        self.status = None
        self.writer = None


async def listen(assembly, listener, ready):
    try:
        reader, writer = await asyncio.open_connection(HOST, PORT_B)
    except OSError as error:
        listener.status = f"connect: {error}"
        ready.release()
        return
    listener.writer = writer
    writer.write(f"GET /api/v1/assemblies/{assembly}/live?maxSeconds=600&start=now HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        listener.status = int(head.split(" ")[1])
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        listener.status = f"head: {error}"
    ready.release()
    if listener.status != 200:
        writer.close()
        return
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event: attendance"):
                listener.heard.append(time.monotonic())
    except (ConnectionError, asyncio.CancelledError):
        return


async def live_rounds(world, ledger):
    listeners = [Listener() for _ in range(SIZES["listeners"])]
    ready = asyncio.Semaphore(0)
    tasks = []
    for listener in listeners:
        tasks.append(asyncio.create_task(listen(world.assembly, listener, ready)))
    for _ in listeners:
        await ready.acquire()
    refused = [l.status for l in listeners if l.status != 200]
    await asyncio.sleep(1.0)  # node B's hub holds every listener
    open_listeners = [l for l in listeners if l.status == 200]
    from_ack, from_send, write_ms, before_ack, missed = [], [], [], 0, 0
    connection = Connection(PORT_A)
    for _ in range(SIZES["rounds"]):
        write = next_write(world, "checkIn", "live")
        ledger.writes.append(write)
        counts = [len(l.heard) for l in open_listeners]
        sent = time.monotonic()
        await send_write(connection, write, ledger)
        acked = time.monotonic()
        write_ms.append((acked - sent) * 1000)
        deadline = acked + 10
        while time.monotonic() < deadline and any(len(l.heard) <= c for l, c in zip(open_listeners, counts)):
            await asyncio.sleep(0.005)
        for listener, count in zip(open_listeners, counts):
            if len(listener.heard) > count:
                heard = listener.heard[count]
                from_send.append((heard - sent) * 1000)
                from_ack.append(max(0.0, heard - acked) * 1000)
                before_ack += heard < acked
            else:
                missed += 1
        await asyncio.sleep(0.3)
    connection.close()
    await asyncio.sleep(0.5)
    # Every listener heard every round's event, and nothing twice.
    counts = [len(l.heard) for l in open_listeners]
    for listener in listeners:
        if listener.writer:
            listener.writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return dict(open=len(open_listeners), refused=refused, from_ack=from_ack, from_send=from_send, write_ms=write_ms,
                before_ack=before_ack, missed=missed, heard_min=min(counts) if counts else 0,
                heard_max=max(counts) if counts else 0)


# ---------------------------------------------------------------- checking the database

def psql(query):
    result = subprocess.run(["psql", PSQL_URL, "-AtF", "\t", "-c", query], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"psql: {result.stderr}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def verify(world, ledger):
    """Each acknowledged write exactly once, with the id the client was told; an unacknowledged one at most once."""
    proposals = {}
    # Compared in lower case: the server may tidy a name's or a title's capitals.
    for pid, title in psql(f"SELECT id, title FROM proposals WHERE title ILIKE 'Usulan uji klaster {RUN} nomor %'"):
        proposals.setdefault(title.split(":")[0].lower(), []).append(int(pid))
    people = {}
    for uid, name in psql(f"SELECT id, name FROM users WHERE name ILIKE 'Warga uji klaster {RUN} nomor %'"):
        people.setdefault(name.lower(), []).append(int(uid))
    attendance = {}
    for aid, uid in psql(f"SELECT id, user_id FROM attendance WHERE assembly_id = {world.assembly}"):
        attendance.setdefault(int(uid), []).append(int(aid))
    problems = []
    by_phase = {}
    for write in ledger.writes:
        counts = by_phase.setdefault(write["phase"], dict(acked=0, lost=0, doubled=0, wrong=0, unacked=0, unacked_stored=0))
        if write["kind"] == "proposal":
            stored = proposals.get(write["marker"].lower(), [])
        else:
            users = people.get(write["marker"].lower(), [])
            if len(users) > 1:
                problems.append(f"{write['key']}: {len(users)} accounts for one walk-in ({users})")
                counts["doubled"] += 1
            stored = [a for u in users for a in attendance.get(u, [])]
        if write["acked"] is None:
            counts["unacked"] += 1
            counts["unacked_stored"] += len(stored) == 1
            if len(stored) > 1:
                counts["doubled"] += 1
                problems.append(f"{write['key']} (not acknowledged) stored {len(stored)} times: {stored}")
            continue
        counts["acked"] += 1
        if not stored:
            counts["lost"] += 1
            problems.append(f"{write['key']} acknowledged as {write['acked']} but not in the database")
        elif len(stored) > 1:
            counts["doubled"] += 1
            problems.append(f"{write['key']} acknowledged as {write['acked']}, stored {len(stored)} times: {stored}")
        elif stored[0] != write["acked"]:
            counts["wrong"] += 1
            problems.append(f"{write['key']} acknowledged as {write['acked']}, stored as {stored[0]}")
    return by_phase, problems


# ---------------------------------------------------------------- the run

def cpu_line(label, cores):
    order = ["node A", "node B", "nginx", "PostgreSQL", "load generator", "everything else", "machine busy"]
    return f"| {label} | " + " | ".join(f"{cores.get(name, 0):.2f}" for name in order) + " |"


async def main():
    out = []
    failed = []
    nodes = [Node("A", PORT_A), Node("B", PORT_B)]
    nginx = Nginx()
    meter = CpuMeter(nodes, nginx)
    ledger = Ledger()
    cpu_rows = []

    def measured(label, first):
        cpu_rows.append(cpu_line(label, meter.between(first, meter.snapshot())))

    try:
        for node in nodes:
            node.start()
            node.wait_ready()  # one at a time: the second finds the schema migrated
        log(f"nodes up; load average {os.getloadavg()[0]:.1f}")
        world = await prepare(PORT_A)
        log(f"assembly {world.assembly}, {len(world.villages)} villages")

        reads, writes = {}, {}
        for label, ports in (("one node", [PORT_A]), ("two nodes", [PORT_A, PORT_B])):
            nginx.use(ports)
            for name, path in (("region detail", "/api/v1/regions/35.10.13"), ("/healthz", "/healthz")):
                if SIZE != "tiny":
                    wrk(path, 1)  # warm-up: connections, caches
                first = meter.snapshot()
                reads[(label, name)] = wrk(path, SIZES["wrk"])
                measured(f"read {name}, {label}", first)
                log(f"read {name} {label}: {reads[(label, name)]['rate']:.0f}/s")
            for kind, name in (("proposal", "proposal"), ("checkIn", "walk-in check-in")):
                first = meter.snapshot()
                writes[(label, name)] = await storm(PORT_NGINX, world, ledger, [kind], f"{name}, {label}", SIZES["write"], SIZES["connections"])
                measured(f"write {name}, {label}", first)
                log(f"write {name} {label}: {writes[(label, name)]['rate']:.0f}/s, errors {writes[(label, name)]['errors']}")

        first = meter.snapshot()
        live = await live_rounds(world, ledger)
        measured(f"live: {SIZES['listeners']} listeners on B, writes on A", first)
        log(f"live: p50 {ms(pct(live['from_ack'], 50))} ms, missed {live['missed']}")

        # The storm: both nodes behind nginx, node A killed a third of the way in.
        killed = {}

        def kill_a(elapsed):
            if not killed and elapsed >= SIZES["kill_at"]:
                os.kill(nodes[0].process.pid, signal.SIGKILL)
                killed["at"] = time.monotonic()
                killed["leader"] = asyncio.create_task(lead_taken(killed["at"]))
                log(f"node A killed at {elapsed:.1f} s")

        leader_before = "A" if leads(PORT_A) else "B" if leads(PORT_B) else "neither"
        first = meter.snapshot()
        kill = await storm(PORT_NGINX, world, ledger, ["proposal", "checkIn"], "storm, node A killed", SIZES["storm"],
                           SIZES["connections"], during=kill_a)
        measured(f"storm, node A killed at {SIZES['kill_at']} s", first)
        nodes[0].process.wait()
        leader_after = await killed["leader"] if killed else None
        storm_failures = [(t, reason) for t, phase, reason in ledger.failures if phase == "storm, node A killed"]
        after_kill = [w for w in kill["writes"] if w["acked"] is not None]

        by_phase, problems = verify(world, ledger)
        listener_problem = live["missed"] > 0 or live["refused"] or live["heard_min"] != SIZES["rounds"] or live["heard_max"] != SIZES["rounds"]

        # ------------------------------------------------------------ the report
        load = os.getloadavg()
        out.append(f"# Two nodes vs one behind nginx on one PostgreSQL, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                   f"{CONFIGURATION} build, {os.cpu_count()} cores, size `{SIZE}`")
        out.append("")
        out.append(f"Binary `{BIN}`.")
        out.append("")
        out.append(f"Node A :{PORT_A} and node B :{PORT_B} (`musrenbang serve`, one data directory, one secret), nginx 1 worker "
                   f"(deploy/nginx/musrenbang.conf over plain HTTP, round-robin upstream), one PostgreSQL 15 "
                   f"(fsync off: a throwaway cluster), the demo loaded; load generator on the same machine. "
                   f"Load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min).")
        out.append("")
        out.append(f"### Reads: wrk -t2 -c64 -d{SIZES['wrk']}s through nginx")
        out.append("")
        out.append("| endpoint | nodes | req/s | p50 ms | p99 ms | errors |")
        out.append("|---|---|---|---|---|---|")
        for (label, name), r in reads.items():
            out.append(f"| `{'GET /api/v1/regions/35.10.13' if name == 'region detail' else 'GET /healthz'}` | {label} | "
                       f"{r['rate']:.0f} | {ms(r['p50'])} | {ms(r['p99'])} | {r['errors']} |")
        out.append("")
        out.append(f"### Writes: {SIZES['connections']} keep-alive connections through nginx, {SIZES['write']} s each, "
                   f"every write with an Idempotency-Key ({len(world.villages)} village operators, assembly in its proposal stage)")
        out.append("")
        out.append("| write | nodes | acknowledged | ops/s | p50 ms | p99 ms | retried | errors |")
        out.append("|---|---|---|---|---|---|---|---|")
        for (label, name), r in writes.items():
            out.append(f"| {name} | {label} | {r['acked']} | {r['rate']:.0f} | {ms(r['p50'])} | {ms(r['p99'])} | {r['retried']} | {r['errors']} |")
        out.append("")
        out.append(f"### Live: {live['open']} listeners on node B's `/live`, {SIZES['rounds']} walk-in check-ins written one at a time through node A (direct)")
        out.append("")
        out.append("| measure | p50 ms | p99 ms | max ms |")
        out.append("|---|---|---|---|")
        out.append(f"| the write on A (sent → acknowledged) | {ms(pct(live['write_ms'], 50))} | {ms(pct(live['write_ms'], 99))} | {ms(max(live['write_ms'] or [float('nan')]))} |")
        out.append(f"| acknowledged → heard on B (0 when heard before the ack) | {ms(pct(live['from_ack'], 50))} | {ms(pct(live['from_ack'], 99))} | {ms(max(live['from_ack'] or [float('nan')]))} |")
        out.append(f"| sent → heard on B | {ms(pct(live['from_send'], 50))} | {ms(pct(live['from_send'], 99))} | {ms(max(live['from_send'] or [float('nan')]))} |")
        out.append("")
        out.append(f"{len(live['from_send'])} deliveries ({live['before_ack']} before the client had the ack); not heard within 10 s: "
                   f"{live['missed']}; events heard per listener: {live['heard_min']}–{live['heard_max']} of {SIZES['rounds']}; "
                   f"refused listeners: {len(live['refused'])}.")
        out.append("")
        out.append(f"### Node A killed (-9) {SIZES['kill_at']} s into a {SIZES['storm']} s write storm through nginx (proposals and check-ins alternating)")
        out.append("")
        if storm_failures:
            window = (storm_failures[-1][0] - storm_failures[0][0]) * 1000
            since_kill = (storm_failures[0][0] - killed["at"]) * 1000 if killed else float("nan")
            reasons = {}
            for _, reason in storm_failures:
                reasons[reason] = reasons.get(reason, 0) + 1
            failing = (f"{len(storm_failures)} failed attempts ({', '.join(f'{n}× {r}' for r, n in sorted(reasons.items()))}), "
                       f"the first {ms(since_kill)} ms after the kill, over {ms(window)} ms from the first to the last")
        else:
            failing = "no attempt failed"
        retried = [w for w in kill["writes"] if w["attempts"] > 1]
        out.append("| measure | value |")
        out.append("|---|---|")
        out.append(f"| writes acknowledged / sent | {len(after_kill)} / {len(kill['writes'])} |")
        out.append(f"| ops/s over the storm · p50 / p99 ms | {kill['rate']:.0f} · {ms(kill['p50'])} / {ms(kill['p99'])} |")
        out.append(f"| time writes were failing | {failing} |")
        out.append(f"| writes retried with their key (then acknowledged) | {len(retried)} ({sum(1 for w in retried if w['acked'] is not None)}); "
                   f"longest from first send to ack {ms(max([w['latency'] for w in retried if w['latency']] or [float('nan')]))} ms |")
        out.append(f"| of those, answered 200 (node A had stored it before it died: node B answered with the first result) "
                   f"/ 201 (made on B) | {sum(1 for w in retried if w.get('status') == 200)} / {sum(1 for w in retried if w.get('status') == 201)} |")
        out.append(f"| writes given up (not acknowledged within {RETRY_FOR:.0f} s of retries) | {kill['errors']} |")
        out.append(f"| node B leads (`musrenbang_leader` 1; before the kill: {leader_before}) | {'within ' + ms(leader_after) + ' ms of the kill (asked every 100 ms)' if leader_after is not None else 'NOT within 15 s'} |")
        out.append("")
        out.append("### Every write, looked up in PostgreSQL")
        out.append("")
        out.append("| phase | acknowledged | lost | doubled | stored under another id | not acknowledged (of which stored once) |")
        out.append("|---|---|---|---|---|---|")
        for phase, c in by_phase.items():
            out.append(f"| {phase} | {c['acked']} | {c['lost']} | {c['doubled']} | {c['wrong']} | {c['unacked']} ({c['unacked_stored']}) |")
        out.append("")
        out.append("### Where the cores went (1.00 = one core busy for the whole phase; 2 cores in all)")
        out.append("")
        out.append("| phase | node A | node B | nginx | PostgreSQL | load generator | everything else | machine busy |")
        out.append("|---|---|---|---|---|---|---|---|")
        out += cpu_rows
        out.append("")
        if problems:
            out.append("Problems:")
            out += [f"- {p}" for p in problems[:30]]
            failed.append(f"{len(problems)} acknowledged writes lost, doubled or misnumbered")
        if listener_problem:
            failed.append("a listener missed an event (or heard one twice, or was refused)")
        for (label, name), r in writes.items():
            if r["errors"]:
                failed.append(f"{r['errors']} write errors in '{name}, {label}'")
        if kill["errors"]:
            failed.append(f"{kill['errors']} writes given up during the storm")
        if leader_after is None:
            failed.append("node B did not take the lead after node A died")
        out.append(f"Result: {'FAILED: ' + '; '.join(failed) if failed else 'every acknowledged write stored exactly once; every listener heard every event'}.")
    finally:
        nginx.stop()
        for node in nodes:
            node.stop()
    print("\n".join(out))
    return 1 if failed else 0


sys.exit(asyncio.run(main()))
