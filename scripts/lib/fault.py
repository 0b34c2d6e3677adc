#!/usr/bin/env python3
"""Crash and fault safety, proven against a real server process.

  fault.py --bin .build/debug/musrenbang --database sqlite|postgres [--pg-dir DIR --pg-url URL]
           [--kills 20] [--pg-restarts 10] [--villages 6] [--workers 12] [--out report.md]

1. Prepares a fresh database (one planner, an assembly of N villages with an operator each, a few
   citizens with passwords) and starts `musrenbang serve`.
2. Kill phase: a mixed write storm through the public API — walk-in check-ins, proposals,
   supports, questions, and floor cycles (raise, grant, mute, unmute, end) — every request with
   its own `Idempotency-Key`, while the server is killed with SIGKILL `--kills` times at random
   moments and started again. A request that got no answer (connection refused or cut, 503) is
   sent again with the same key until it is answered.
3. PostgreSQL phase (postgres only): the storm goes on while PostgreSQL is restarted
   (`pg_ctl restart -m fast`) `--pg-restarts` times. Measures how long the server takes to be
   ready again after each restart, how requests caught by it were answered (503, never 500; none
   hanging), then that `musrenbang_db_sessions_in_use` is back to 0 when idle.
4. Counts, in the database itself, every effect against what was acknowledged: lost (acknowledged
   but absent) and duplicated (present twice, or a counter/event that moved twice). A live
   listener kept reconnecting (with Last-Event-ID) throughout must have heard every event once.
5. SIGTERM must stop the server (after all the kills and restarts) within 15 s.

Exit status 0 only when nothing was lost or duplicated, no request was answered 500 or left
unanswered, the sessions gauge is 0 when idle, and SIGTERM stopped the server. Loopback only.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

HOST = "127.0.0.1"


def now():
    return time.monotonic()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0            # HTTP attempts, first sends and retries
        self.requests = 0        # logical requests (one key each)
        self.acknowledged = 0    # answered 2xx
        self.retried = 0         # logical requests that needed more than one attempt
        self.no_answer = 0       # attempts that got no HTTP answer (refused, cut, timed out)
        self.status = {}         # status -> count, for every answer
        self.failures = []       # logical requests that ended in an unexpected answer
        self.slowest_failure = 0.0   # seconds: the slowest attempt that did not succeed
        self.samples_500 = []

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)

    def answered(self, status, seconds, body):
        with self.lock:
            self.status[status] = self.status.get(status, 0) + 1
            if status >= 300:
                self.slowest_failure = max(self.slowest_failure, seconds)
            if status >= 500 and status != 503 and len(self.samples_500) < 5:
                self.samples_500.append(f"{status} {body[:200]!r}")


class Client:
    def __init__(self, port, stats, stop_retrying):
        self.port = port
        self.stats = stats
        self.stop_retrying = stop_retrying

    def once(self, method, path, body=None, token=None, key=None, timeout=60, extra=None):
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if key:
            headers["Idempotency-Key"] = key
        if extra:
            headers.update(extra)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def deliver(self, method, path, body=None, token=None, ok=(200, 201, 204), give_up=180):
        """One logical request with its own key, sent until it is answered. Returns (status, json) or None."""
        key = str(uuid.uuid4())
        self.stats.add(requests=1)
        attempts = 0
        started = now()
        delay = 0.05
        while True:
            attempts += 1
            self.stats.add(sent=1)
            t0 = now()
            try:
                status, data, headers = self.once(method, path, body, token, key)
            except (OSError, http.client.HTTPException):
                self.stats.add(no_answer=1)
                with self.stats.lock:
                    self.stats.slowest_failure = max(self.stats.slowest_failure, now() - t0)
                status = None
            if status is not None:
                self.stats.answered(status, now() - t0, data)
                if status in ok:
                    self.stats.add(acknowledged=1, retried=1 if attempts > 1 else 0)
                    try:
                        return status, json.loads(data) if data else {}
                    except ValueError:
                        return status, {}
                if status < 500 and status not in (408, 429):
                    with self.stats.lock:
                        self.stats.failures.append(f"{method} {path} → {status} after {attempts} attempts: {data[:300]!r}")
                    return None
            if now() - started > give_up:
                with self.stats.lock:
                    self.stats.failures.append(f"{method} {path}: no answer in {give_up} s ({attempts} attempts)")
                return None
            time.sleep(delay)
            delay = min(0.5, delay * 2)


SERVERS = []  # every server started, stopped at exit whatever happened


class Server:
    def __init__(self, args, data_dir, database_url, log_path):
        SERVERS.append(self)
        self.args = args
        self.data_dir = data_dir
        self.database_url = database_url
        self.log = open(log_path, "ab")
        self.process = None

    def env(self):
        env = dict(os.environ)
        # One client address and a few accounts write far faster than any limit allows: a load test.
        env.update(MUSRENBANG_DATA_DIR=self.data_dir, DATABASE_URL=self.database_url, MUSRENBANG_SECRET="fault-test-secret-" + "x" * 16,
                   MUSRENBANG_RATE_LIMITS="off")
        return env

    def command(self, *words):
        subprocess.run([self.args.bin, *words], env=self.env(), cwd=self.data_dir, check=True,
                       stdout=subprocess.DEVNULL, stderr=self.log)

    def start(self, timeout=90):
        # Another server on the port would answer /readyz for this one.
        with socket.socket() as probe:
            if probe.connect_ex((HOST, self.args.port)) == 0:
                raise RuntimeError(f"port {self.args.port} is already in use")
        self.process = subprocess.Popen([self.args.bin, "serve", "--host", HOST, "--port", str(self.args.port),
                                         "--log-level", "warning"],
                                        env=self.env(), cwd=self.data_dir, stdout=self.log, stderr=self.log)
        deadline = now() + timeout
        while now() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode} while starting")
            try:
                conn = http.client.HTTPConnection(HOST, self.args.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server not ready in time")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def sigterm(self, timeout=15):
        started = now()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
            return now() - started
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


class Database:
    """Read-only questions to the database itself, never through the server."""

    def __init__(self, kind, url, sqlite_path):
        self.kind, self.url, self.sqlite_path = kind, url, sqlite_path

    def rows(self, sql):
        if self.kind == "sqlite":
            connection = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30)
            try:
                return [tuple(str(v) if v is not None else "" for v in row) for row in connection.execute(sql)]
            finally:
                connection.close()
        parts = urllib.parse.urlparse(self.url)
        out = subprocess.run(["psql", "-h", parts.hostname, "-p", str(parts.port), "-U", parts.username or "postgres",
                              "-d", parts.path.lstrip("/"), "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]


class Listener(threading.Thread):
    """A live listener that reconnects with Last-Event-ID whatever happens, and keeps every id it heard."""

    def __init__(self, port, assembly):
        super().__init__(daemon=True)
        self.port, self.assembly = port, assembly
        self.heard = []
        self.reconnects = 0
        self.stopped = threading.Event()

    def run(self):
        last = 0
        while not self.stopped.is_set():
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
                conn.request("GET", f"/api/v1/assemblies/{self.assembly}/live?maxSeconds=15",
                             headers={"Last-Event-ID": str(last), "Accept": "text/event-stream"})
                response = conn.getresponse()
                if response.status != 200:
                    response.read()
                    raise OSError(f"live answered {response.status}")
                while not self.stopped.is_set():
                    line = response.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        last = int(line[4:].strip())
                        self.heard.append(last)
                conn.close()
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.1)
            self.reconnects += 1


def nik_for(village, n, woman):
    """A NIK that passes the rules: the village's district, a valid birth date, a unique serial."""
    prefix = village[:8].replace(".", "")
    serial = n % 10000
    month = 1 + (n // 10000) % 12
    day = 1 + (n // 120000) % 28 + (40 if woman else 0)
    return prefix + f"{day:02d}{month:02d}{80 + (n // 3360000) % 19:02d}{serial:04d}"


class Storm:
    def __init__(self, args, client, run_id, ctx):
        self.args, self.client, self.run_id, self.ctx = args, client, run_id, ctx
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counter = 0
        self.acked = {"checkin": set(), "proposal": {}, "support": set(), "question": set(), "turn": set(), "floor": 0,
                      "proposal_events": 0}
        self.proposals_by_village = {}
        self.latencies_ok = []

    def next_index(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def checkin(self):
        ctx = self.ctx
        n = self.next_index()
        village = random.choice(ctx["villages"])
        woman = n % 20 < 9
        name = f"Warga fault {self.run_id} {n}"
        answer = self.client.deliver("POST", f"/api/v1/assemblies/{ctx['assembly']}/attendance", {
            "villageCode": village, "nik": nik_for(village, n + ctx["nik_offset"], woman), "name": name,
            "role": "community", "gender": "female" if woman else "male"}, ctx["operators"][village])
        if answer:
            with self.lock:
                self.acked["checkin"].add(name)

    def proposal(self):
        ctx = self.ctx
        n = self.next_index()
        village = random.choice(ctx["villages"])
        title = f"Usulan fault {self.run_id} {n}"
        answer = self.client.deliver("POST", "/api/v1/proposals", {
            "villageCode": village, "year": ctx["year"], "title": title, "problem": "Jalan rusak dan tergenang saat hujan.",
            "activity": "Pengaspalan jalan lingkungan", "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical",
            "volume": 100, "unit": "m", "estimatedCost": 50000000, "fundingSource": "villageFund",
            "beneficiaries": {"total": 200, "women": 95, "poor": 30, "disabled": 2}, "source": "onBehalf"},
            ctx["operators"][village])
        if answer:
            with self.lock:
                self.acked["proposal"][title] = answer[1].get("id")
                self.proposals_by_village.setdefault(village, []).append(answer[1].get("id"))
                if village in ctx["proposal_villages"]:
                    self.acked["proposal_events"] += 1

    def support(self):
        ctx = self.ctx
        with self.lock:
            choices = []
            for citizen in ctx["citizens"]:
                for proposal in self.proposals_by_village.get(citizen["village"], [])[-20:]:
                    if (citizen["id"], proposal) not in citizen["claimed"]:
                        choices.append((citizen, proposal))
            if not choices:
                return False
            citizen, proposal = random.choice(choices)
            citizen["claimed"].add((citizen["id"], proposal))
        answer = self.client.deliver("POST", f"/api/v1/proposals/{proposal}/supports", None, citizen["token"])
        if answer:
            with self.lock:
                self.acked["support"].add((str(proposal), str(citizen["id"])))
        return True

    def question(self):
        ctx = self.ctx
        n = self.next_index()
        village = random.choice(ctx["question_villages"])
        body = f"Pertanyaan fault {self.run_id} {n}: kapan jalan desa diperbaiki?"
        answer = self.client.deliver("POST", f"/api/v1/assemblies/{ctx['assembly']}/questions",
                                     {"body": body, "villageCode": village}, ctx["operators"][village])
        if answer:
            with self.lock:
                self.acked["question"].add(body)

    def worker(self):
        while not self.stop.is_set():
            r = random.random()
            if r < 0.40:
                self.checkin()
            elif r < 0.65:
                self.proposal()
            elif r < 0.85:
                if not self.support():
                    self.proposal()
            else:
                self.question()

    def floor_worker(self, village):
        ctx = self.ctx
        base = f"/api/v1/assemblies/{ctx['assembly']}/floor"
        cycle = 0
        while not self.stop.is_set():
            cycle += 1
            topic = f"fault {self.run_id} {village} {cycle}"
            steps = [("POST", base + "/hands", {"villageCode": village, "topic": topic}, ctx["operators"][village]),
                     ("POST", base + "/grant", {"villageCode": village}, ctx["planner"]),
                     ("POST", base + "/mute", {"villageCode": village}, ctx["planner"]),
                     ("POST", base + "/unmute", {"villageCode": village}, ctx["planner"]),
                     ("POST", base + "/end", {"villageCode": village}, ctx["planner"])]
            for method, path, body, token in steps:
                if not self.client.deliver(method, path, body, token):
                    return  # the failure is recorded; this village's floor cannot go on
                with self.lock:
                    self.acked["floor"] += 1
            with self.lock:
                self.acked["turn"].add(topic)


def setup(args, client, server, run_id):
    """A planner, the assembly, one operator per village, citizens with passwords; stages set for the storm."""
    server.command("user", "create", "--username", "fault-planner", "--password", "fault-planner-pw", "--role", "planner",
                   "--region", "35.10")
    server.start()

    def call(method, path, body=None, token=None, ok=(200, 201, 204)):
        status, data, _ = client.once(method, path, body, token)
        if status not in ok:
            raise RuntimeError(f"setup {method} {path} → {status} {data[:300]!r}")
        return json.loads(data) if data else {}

    planner = call("POST", "/api/v1/auth/login", {"username": "fault-planner", "password": "fault-planner-pw"})["token"]
    villages = []
    for district in call("GET", "/api/v1/regions/35.10")["children"]:
        villages += [v["code"] for v in call("GET", f"/api/v1/regions/{district['code']}")["children"]]
    villages = sorted(villages)[: args.villages]
    year = time.gmtime().tm_year + 1
    assembly = call("POST", "/api/v1/assemblies", {
        "title": f"Uji gangguan {run_id}", "level": "village", "regencyCode": "35.10", "planYear": year,
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "hubVillageCode": villages[0],
        "villageCodes": villages}, planner)["id"]
    operators = {}
    for village in villages:
        username = f"op-{run_id}-{village.replace('.', '')}"
        call("POST", "/api/v1/users", {"username": username, "name": f"Operator {village}", "password": "operator-pw-123",
                                       "role": "village_operator", "regionCode": village}, planner)
        operators[village] = call("POST", "/api/v1/auth/login", {"username": username, "password": "operator-pw-123"})["token"]
    base = f"/api/v1/assemblies/{assembly}"
    call("PUT", base + "/floor/rules", {"maximumOnStage": 8, "speakingLimit": 3600, "warningBefore": 60}, planner)
    half = max(1, len(villages) // 2)
    question_villages, proposal_villages = villages[:half], villages[half:] or villages[:1]
    for stage in ["checkIn", "opening", "dialogue", "proposals"]:
        call("POST", base + "/stage", {"stage": stage}, planner)
    for village in question_villages:
        call("POST", f"{base}/sessions/{village}/stage", {"stage": "dialogue"}, operators[village])
    for village in proposal_villages:
        if village not in question_villages:
            call("POST", f"{base}/sessions/{village}/stage", {"stage": "proposals"}, operators[village])
    citizens = []
    for i in range(args.citizens):
        village = villages[i % len(villages)]
        nik = nik_for(village, 9_000_000 + i, i % 2 == 0)
        call("POST", "/api/v1/citizens", {"name": f"Pendukung {i}", "nik": nik, "villageCode": village,
                                          "gender": "female" if i % 2 == 0 else "male", "password": "pendukung-pw-1"})
        # A self-registration does not say which account it made (nor whether the NIK had one): the login does.
        logged_in = call("POST", "/api/v1/auth/login", {"username": nik, "password": "pendukung-pw-1"})
        citizens.append({"village": village, "id": logged_in["user"]["id"], "token": logged_in["token"], "claimed": set()})
    return {"planner": planner, "villages": villages, "assembly": assembly, "operators": operators, "year": year,
            "question_villages": question_villages, "proposal_villages": set(proposal_villages) - set(question_villages),
            "citizens": citizens, "nik_offset": random.randrange(0, 500) * 10000}


def metric(port, name):
    status, data, _ = Client(port, Stats(), None).once("GET", "/metrics")
    total = 0.0
    for line in data.decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def pg_ctl(pg_dir, action):
    binary = sorted(p for p in os.listdir("/usr/lib/postgresql"))[-1]
    command = f"/usr/lib/postgresql/{binary}/bin/pg_ctl -D '{pg_dir}/data' -m fast -w -t 60 {action} >/dev/null 2>&1"
    if os.getuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True)
    else:
        subprocess.run(["sh", "-c", command], check=True)


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def verify(db, storm, ctx, run_id, listener):
    """Lost and duplicated effects, read from the database."""
    acked = storm.acked
    report = {}
    assembly = ctx["assembly"]

    def counted(sql):
        found = {}
        for row in db.rows(sql):
            found[row[0]] = found.get(row[0], 0) + int(row[1])
        return found

    props = counted(f"SELECT title, count(*) FROM proposals WHERE title LIKE 'Usulan fault {run_id} %' GROUP BY title")
    report["proposals"] = (len(acked["proposal"]), sum(1 for t in acked["proposal"] if t not in props),
                           sum(c - 1 for c in props.values() if c > 1))
    names = counted(f"SELECT u.name, count(*) FROM attendance a JOIN users u ON u.id = a.user_id "
                    f"WHERE a.assembly_id = {assembly} AND u.name LIKE 'Warga fault {run_id} %' GROUP BY u.name")
    accounts = counted(f"SELECT name, count(*) FROM users WHERE name LIKE 'Warga fault {run_id} %' GROUP BY name")
    report["check-ins"] = (len(acked["checkin"]), sum(1 for n in acked["checkin"] if n not in names),
                           sum(c - 1 for c in names.values() if c > 1) + sum(c - 1 for c in accounts.values() if c > 1))
    pairs = set(db.rows("SELECT proposal_id, user_id FROM supports"))
    drift = int(db.rows("SELECT count(*) FROM proposals p WHERE support_count <> "
                        "(SELECT count(*) FROM supports s WHERE s.proposal_id = p.id)")[0][0])
    report["supports"] = (len(acked["support"]), sum(1 for p in acked["support"] if p not in pairs), drift)
    questions = counted(f"SELECT body, count(*) FROM questions WHERE body LIKE 'Pertanyaan fault {run_id} %' GROUP BY body")
    report["questions"] = (len(acked["question"]), sum(1 for b in acked["question"] if b not in questions),
                           sum(c - 1 for c in questions.values() if c > 1))
    turns = counted(f"SELECT topic, count(*) FROM floor_turns WHERE topic LIKE 'fault {run_id} %' GROUP BY topic")
    report["floor turns"] = (len(acked["turn"]), sum(1 for t in acked["turn"] if t not in turns),
                             sum(c - 1 for c in turns.values() if c > 1))
    events = counted(f"SELECT kind, count(*) FROM assembly_events WHERE assembly_id = {assembly} GROUP BY kind")
    # Every acknowledged action wrote exactly one event: more is a second effect, fewer a lost one.
    for kind, want in [("attendance", len(acked["checkin"])), ("question", len(acked["question"])),
                       ("floor", acked["floor"]), ("proposal", acked["proposal_events"])]:
        got = events.get(kind, 0)
        report[f"{kind} events"] = (want, max(0, want - got), max(0, got - want))
    ids = [int(r[0]) for r in db.rows(f"SELECT id FROM assembly_events WHERE assembly_id = {assembly} ORDER BY id")]
    deadline = now() + 20
    while now() < deadline and (not ids or not listener.heard or listener.heard[-1] < ids[-1]):
        time.sleep(0.2)
    heard = list(listener.heard)
    missing = len(set(ids) - set(heard))
    report["live events heard"] = (len(ids), missing, len(heard) - len(set(heard)))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--database", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--pg-url", help="URL of an empty PostgreSQL database (postgres)")
    parser.add_argument("--pg-dir", help="the throwaway cluster's folder, to restart it (postgres)")
    parser.add_argument("--work", required=True, help="a scratch folder")
    parser.add_argument("--port", type=int, default=18420)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kill-every", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"))
    parser.add_argument("--pg-restarts", type=int, default=0)
    parser.add_argument("--pg-restart-every", type=float, default=3.0)
    parser.add_argument("--villages", type=int, default=6)
    parser.add_argument("--floor-villages", type=int, default=3)
    parser.add_argument("--citizens", type=int, default=6)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", help="append the report (markdown) here")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    random.seed()
    run_id = uuid.uuid4().hex[:6]
    os.makedirs(args.work, exist_ok=True)
    database_url = args.pg_url if args.database == "postgres" else f"sqlite:{args.work}/musrenbang.sqlite"
    server = Server(args, args.work, database_url, os.path.join(args.work, "server.log"))
    stats = Stats()
    client = Client(args.port, stats, None)
    started = now()
    ctx = setup(args, client, server, run_id)
    setup_seconds = now() - started
    listener = Listener(args.port, ctx["assembly"])
    listener.start()
    storm = Storm(args, client, run_id, ctx)
    threads = [threading.Thread(target=storm.worker, daemon=True) for _ in range(args.workers)]
    threads += [threading.Thread(target=storm.floor_worker, args=(v,), daemon=True) for v in ctx["villages"][: args.floor_villages]]
    for t in threads:
        t.start()

    # Kill phase.
    downtimes = []
    kill_started = now()
    for _ in range(args.kills):
        time.sleep(random.uniform(*args.kill_every))
        server.kill9()
        t0 = now()
        server.start()
        downtimes.append(now() - t0)
    kill_seconds = now() - kill_started
    acked_after_kills = stats.acknowledged

    # PostgreSQL phase.
    recoveries, outage_statuses = [], {}
    if args.pg_restarts:
        time.sleep(1.0)
        for _ in range(args.pg_restarts):
            before = dict(stats.status)
            pg_ctl(args.pg_dir, "restart")
            up = now()
            while True:
                try:
                    status, _, _ = client.once("GET", "/readyz", timeout=5)
                    if status == 200:
                        break
                except OSError:
                    pass
                if now() - up > 60:
                    break
                time.sleep(0.02)
            recoveries.append(now() - up)
            time.sleep(args.pg_restart_every)
            for status, count in stats.status.items():
                outage_statuses[status] = outage_statuses.get(status, 0) + count - before.get(status, 0)

    storm.stop.set()
    for t in threads:
        t.join(timeout=240)
    stuck_threads = sum(1 for t in threads if t.is_alive())
    time.sleep(2.0)
    sessions_idle = metric(args.port, "musrenbang_db_sessions_in_use")
    in_flight_idle = metric(args.port, "musrenbang_db_statements_in_flight")
    db = Database(args.database, args.pg_url, os.path.join(args.work, "musrenbang.sqlite"))
    report = verify(db, storm, ctx, run_id, listener)
    listener.stopped.set()
    stop_seconds = server.sigterm()
    total_seconds = now() - started

    lost = sum(r[1] for r in report.values())
    duplicated = sum(r[2] for r in report.values())
    s500 = sum(c for s, c in stats.status.items() if s >= 500 and s != 503)
    ok = (lost == 0 and duplicated == 0 and not stats.failures and s500 == 0 and stuck_threads == 0
          and sessions_idle == 0 and stop_seconds is not None)
    lines = [f"### {args.label or args.database}: {args.kills} × kill -9"
             + (f", {args.pg_restarts} × PostgreSQL restart" if args.pg_restarts else ""),
             "",
             f"{args.villages} villages ({args.floor_villages} with floor cycles), {args.workers} writers, run {run_id}; "
             f"setup {setup_seconds:.0f} s, kill phase {kill_seconds:.0f} s, whole run {total_seconds:.0f} s.",
             "",
             "| requests (one key each) | HTTP attempts | acknowledged | retried with their key | attempts without an answer | answers by status |",
             "|---|---|---|---|---|---|",
             f"| {stats.requests} | {stats.sent} | {stats.acknowledged} | {stats.retried} | {stats.no_answer} | "
             + ", ".join(f"{s}: {c}" for s, c in sorted(stats.status.items())) + " |",
             "",
             "| effect | acknowledged | lost | duplicated |",
             "|---|---|---|---|"]
    for name, (want, lost_n, dup_n) in report.items():
        lines.append(f"| {name} | {want} | {lost_n} | {dup_n} |")
    lines += ["",
              f"- server back after each kill -9 (start to /readyz): p50 {percentile(downtimes, 0.5):.2f} s, max {max(downtimes or [0]):.2f} s",
              f"- live listener: {len(listener.heard)} events heard over {listener.reconnects} connections",
              f"- slowest attempt that did not succeed: {stats.slowest_failure:.2f} s",
              f"- when idle afterwards: musrenbang_db_sessions_in_use {sessions_idle:.0f}, statements in flight {in_flight_idle:.0f}",
              f"- SIGTERM after all of it: " + (f"stopped in {stop_seconds:.2f} s" if stop_seconds is not None else "DID NOT STOP in 15 s"),
              f"- writers still stuck at the end: {stuck_threads}"]
    if recoveries:
        lines.insert(-6, f"- PostgreSQL restarts: {len(recoveries)}; server ready again after each (PostgreSQL up → /readyz 200): "
                     f"p50 {percentile(recoveries, 0.5):.2f} s, max {max(recoveries):.2f} s "
                     f"({', '.join(f'{r:.2f}' for r in recoveries)})")
        lines.insert(-6, "- answers during the restart phase: " + ", ".join(f"{s}: {c}" for s, c in sorted(outage_statuses.items()) if c))
    if stats.samples_500:
        lines.append("- first 5xx other than 503: " + "; ".join(stats.samples_500))
    if stats.failures:
        lines.append(f"- requests that failed ({len(stats.failures)}), first ones:")
        lines += ["  - " + f for f in stats.failures[:8]]
    lines += ["", f"**{'PASS' if ok else 'FAIL'}**: lost {lost}, duplicated {duplicated}.", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "a") as handle:
            handle.write(text + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    finally:
        for started in SERVERS:
            if started.process is not None and started.process.poll() is None:
                started.process.kill()
                started.process.wait()
