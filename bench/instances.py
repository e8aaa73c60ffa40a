"""Write-to-visibility delay between two instances on one PostgreSQL database (issue 13,
point 9): files a report through instance A and polls instance B's analytics (its
in-memory copy of the reports, which only a notification or the poll brings up to date)
until the report is counted. Prints the median and p99 over the writes.

    python bench/instances.py http://127.0.0.1:8401 http://127.0.0.1:8402 LON LAT [WRITES]

Standard library only: it runs on any Python 3.
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse


def connection(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def call(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    answer = conn.getresponse()
    return answer.status, answer.read()


def counted(conn, window):
    status, body = call(conn, "GET", "/api/stats/timeline?" + window)
    if status != 200:
        raise SystemExit(f"timeline answered {status}: {body[:200]!r}")
    return sum(bucket["count"] for bucket in json.loads(body)["buckets"])


def main():
    writer_url, reader_url, lon, lat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    writes = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    writer, reader = connection(writer_url), connection(reader_url)
    now = time.time()
    # One category in a window of a few days: a small scan, and only these writes change it.
    fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
    window = urllib.parse.urlencode({"since": fmt(now - 86_400), "until": fmt(now + 86_400), "category": "noise"})
    delays = []
    for i in range(writes):
        before = counted(reader, window)
        body = json.dumps({"category": "noise", "description": f"delay probe {i}", "lon": lon, "lat": lat})
        status, answer = call(writer, "POST", "/api/reports", body)
        if status != 201:
            raise SystemExit(f"submission answered {status}: {answer[:200]!r}")
        acknowledged = time.perf_counter()
        while counted(reader, window) <= before:
            if time.perf_counter() - acknowledged > 10:
                raise SystemExit(f"write {i} not visible on the reader after 10 s")
        delays.append(time.perf_counter() - acknowledged)
    delays.sort()
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"writes {len(delays)}  median {statistics.median(delays) * 1000:.1f} ms  "
          f"p99 {p99 * 1000:.1f} ms  max {delays[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
