"""Helpers for bench/overhead: parse wrk's output, report medians and ratios, and read a perf
profile into each middleware's inclusive share of the server's samples."""
import re
import statistics
import sys

MIDDLEWARE = [
    ("ResponseHeadersMiddleware", "response headers (request id, CSP…)"),
    ("MetricsMiddleware", "metrics (Hummingbird → Prometheus)"),
    ("RequestLogMiddleware", "access log line"),
    ("StructuredLogHandler", "  of which the JSON log writer"),
    ("ErrorMiddleware", "error mapping"),
    ("FileMiddleware", "static files"),
    ("AuthenticationMiddleware", "authentication, locale, CSRF nonce"),
    ("RateLimitMiddleware", "rate limits"),
    ("AuditMiddleware", "audit log"),
    ("QueryTextMiddleware", "query text rules"),
    ("RegionAPIV6detail", "the region handler (SQL + JSON + ETag)"),
    ("JSONO11revalidated", "  of which JSON encoding + ETag"),
]


def milliseconds(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(name, path, round_):
    text = sys.stdin.read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = milliseconds(re.search(r"\s50%\s+(\S+)", text).group(1))
    p99 = milliseconds(re.search(r"\s99%\s+(\S+)", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: (.*)", text)
    print("\t".join([name, path, round_, f"{rate:.0f}", f"{p50:.2f}", f"{p99:.2f}",
                     errors.group(1) if errors else "0", socket.group(1).strip() if socket else ""]))


def report():
    rows = [line.rstrip("\n").split("\t") for line in sys.stdin if line.strip()]
    results = {}
    for name, path, _, rate, p50, p99, errors, _socket in rows:
        entry = results.setdefault((path, name), {"rate": [], "p50": [], "p99": [], "errors": 0})
        entry["rate"].append(float(rate)); entry["p50"].append(float(p50)); entry["p99"].append(float(p99))
        entry["errors"] += int(errors)
    print("| route | server | req/s (median) | runs | p50 ms | p99 ms | non-2xx | vs yardstick |")
    print("|---|---|---|---|---|---|---|---|")
    targets = {"/healthz": 0.50, "/api/v1/regions/35.10.13": 0.30}
    verdicts = []
    for path in dict.fromkeys(p for p, _ in results):
        base = statistics.median(results[(path, "baseline")]["rate"])
        for name in ("baseline", "serve-info", "serve-warning"):
            entry = results[(path, name)]
            rate = statistics.median(entry["rate"])
            ratio = rate / base
            print(f"| `{path}` | {name} | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in entry['rate'])} | "
                  f"{statistics.median(entry['p50']):.2f} | {statistics.median(entry['p99']):.2f} | {entry['errors']} | {ratio:.0%} |")
            if name != "baseline":
                target = targets.get(path)
                verdicts.append(f"- `{path}`, {name}: {ratio:.0%} of the yardstick (target ≥ {target:.0%}): "
                                f"{'met' if ratio >= target else 'not met'}")
    print()
    print("\n".join(verdicts))
    print()


def profile(path):
    shares = {}
    for line in sys.stdin:
        match = re.match(r"\s*([\d.]+)%\s+[\d.]+%\s+\[[.k]\]\s+(\S+)", line)
        if not match:
            continue
        share, symbol = float(match.group(1)), match.group(2)
        for key, _ in MIDDLEWARE:
            if key in symbol and ("handle" in symbol or key in ("StructuredLogHandler", "RegionAPIV6detail", "JSONO11revalidated")):
                # An async function's resumptions are separate frames (…TY0_, …TY1_): add them up.
                shares[key] = shares.get(key, 0.0) + share
    print(f"\n**Profile of `serve` (log level info) under wrk on `{path}`** — inclusive share of the server's CPU samples "
          "(an async function's stack ends at its last resumption, so a middleware's share is mostly its own work before and "
          "after `next`, not the handlers inside it):\n")
    print("| middleware / step | share |")
    print("|---|---|")
    for key, label in MIDDLEWARE:
        if key in shares:
            print(f"| {label} | {shares[key]:.1f} % |")
    print()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "wrk":
        wrk(*sys.argv[2:5])
    elif mode == "report":
        report()
    elif mode == "profile":
        profile(sys.argv[2])
