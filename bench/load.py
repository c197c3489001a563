"""A bounded load generator for loopback only: N threads issue GET requests for a fixed
time (and at most --max-requests), then print requests per second, latency percentiles
and errors. Standard library only."""

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--htmx", action="store_true", help="Send HX-Request: true (the results fragment).")
    args = parser.parse_args()
    url = urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("this load generator only targets loopback addresses")
    path = url.path + (f"?{url.query}" if url.query else "")
    headers = {"HX-Request": "true"} if args.htmx else {}
    latencies, errors, lock = [], [], threading.Lock()
    deadline = time.monotonic() + args.seconds

    def worker():
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) + len(errors) >= args.max_requests:
                    return
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if ok else errors).append(elapsed)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    count = len(latencies)
    p = statistics.quantiles(latencies, n=100) if count > 1 else [0] * 99
    print(
        f"{args.url}{' (htmx fragment)' if args.htmx else ''}: {count / duration:.1f} requests/s over "
        f"{duration:.0f} s, {args.concurrency} connections; median {statistics.median(latencies):.0f} ms, "
        f"p99 {p[98]:.0f} ms; errors {len(errors)}"
    )


if __name__ == "__main__":
    main()
