"""Request bounds on a generated city: the driver of bench/hardening.sh (standard library only).

    python3 bench/hardening.py seed URL ADMIN_TOKEN buildings.geojson CASES
        files CASES historical cases at building centres (and a burst of 3,000 open parking
        cases at one building) through POST /api/reports/import, in batches
    python3 bench/hardening.py measure URL SERVER_PID ADMIN_TOKEN BURST_JSON
        sends the worst request of each public endpoint, one at a time, then 16 at once, and
        prints status, time, answer size and the server's extra peak memory (VmHWM, reset
        before each request through /proc/PID/clear_refs, which needs root or the same user);
        SKIP='words|words' leaves out the requests whose name holds a word (to measure an old build
        that one of them would end)

The category words are read from the server (Open311 services), not copied here.
"""

import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

BURST = 3_000
BATCH = 50_000


def call(url, method="GET", body=None, token=None, content_type="application/json", timeout=300):
    """(status, bytes, seconds, headers) of one request; status 0 when the connection failed."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            return response.status, data, time.monotonic() - started, dict(response.headers)
    except urllib.error.HTTPError as error:
        data = error.read()
        return error.code, data, time.monotonic() - started, dict(error.headers)
    except Exception as error:  # reset, timeout: the server may have died
        return 0, str(error).encode(), time.monotonic() - started, {}


def centres(path):
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    points = []
    for feature in features:
        geometry = feature["geometry"]
        ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
        ring = ring[:-1]
        points.append((sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)))
    return points


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def seed(base, token, buildings, count):
    services = json.loads(call(f"{base}/open311/v2/services.json")[1])
    categories = [s["service_code"] for s in services]
    points = centres(buildings)
    rng = random.Random(2024)
    now = time.time()
    header = "external_id,category,source,description,lon,lat,created_at,state,dispatched_at,resolved_at,closed_at\n"
    rows = []
    for i in range(count):
        lon, lat = rng.choice(points)
        created = now - rng.uniform(5 * 86_400, 2 * 365 * 86_400)
        roll = rng.random()
        if roll < 0.6:
            times = [created + 3_600, created + 3 * 86_400, created + 4 * 86_400]
            state, extra = "closed", ",".join(iso(t) for t in times)
        elif roll < 0.75:
            state, extra = "dispatched", f"{iso(created + 3_600)},,"
        else:
            state, extra = "received", ",,"
        rows.append(f"bench-{i},{rng.choice(categories)},hotline_12345,生成的测试案件 {i},{lon:.7f},{lat:.7f},{iso(created)},{state},{extra}\n")
    lon, lat = points[len(points) // 2]
    for i in range(BURST):
        rows.append(f"burst-{i},parking,hotline_12345,同一地点的测试案件 {i},{lon:.7f},{lat:.7f},{iso(now - rng.uniform(0, 7 * 86_400))},received,,,\n")
    for start in range(0, len(rows), BATCH):
        body = (header + "".join(rows[start:start + BATCH])).encode()
        status, data, seconds, _ = call(f"{base}/api/reports/import?format=csv", "POST", body, token, "text/csv")
        print(f"imported rows {start}–{min(start + BATCH, len(rows)) - 1}: {status} in {seconds:.1f} s", file=sys.stderr)
        if status != 201:
            sys.exit(f"import failed: {data[:500]!r}")
    print(json.dumps({"burst": [lon, lat]}))


def memory(pid):
    """(VmRSS, VmHWM) in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def requests(base, bbox, burst):
    w, s, e, n = bbox
    whole = f"{w},{s},{e},{n}"
    cx, cy = (w + e) / 2, (s + n) / 2
    district = f"{cx - 0.01},{cy - 0.01},{cx + 0.01},{cy + 0.01}"
    plan = lambda candidates: json.dumps({"kind": "elderly_day_care", "minutes": 15, "add": 50, "candidates": candidates}).encode()
    return [
        ("isochrones, community centres, 5,000 m, buffer 1 m", "GET", "/api/coverage/isochrones?kind=community_centre&meters=5000&buffer_m=1", None),
        ("isochrones, community centres, 15 min (the official view's default)", "GET", "/api/coverage/isochrones?kind=community_centre&minutes=15", None),
        ("isochrones, community centres, 15 min, the whole city's bbox", "GET", f"/api/coverage/isochrones?kind=community_centre&minutes=15&bbox={whole}", None),
        ("isochrones, 15 min, a 2 km box", "GET", f"/api/coverage/isochrones?kind=community_centre&minutes=15&bbox={district}", None),
        ("coverage summary, community centres, 5,000 m", "GET", "/api/coverage?kind=community_centre&meters=5000", None),
        ("coverage/buildings, no bbox, 5,000 m", "GET", "/api/coverage/buildings?kind=community_centre&meters=5000", None),
        ("coverage/buildings, the whole city's bbox, 5,000 m", "GET", f"/api/coverage/buildings?kind=community_centre&meters=5000&bbox={whole}", None),
        ("coverage/buildings, a 2 km box, 15 min", "GET", f"/api/coverage/buildings?kind=community_centre&minutes=15&bbox={district}", None),
        ("plan, 50 sites among every building", "POST", "/api/coverage/plan", plan("buildings")),
        ("plan, 50 sites among compounds", "POST", "/api/coverage/plan", plan("compounds")),
        ("heatmap, resolution 11, no bbox", "GET", "/api/heatmap?resolution=11", None),
        ("heatmap, resolution 11, the whole city's bbox", "GET", f"/api/heatmap?resolution=11&bbox={whole}", None),
        ("heatmap, resolution 9, a 2 km box", "GET", f"/api/heatmap?resolution=9&bbox={district}", None),
        ("heatmap, resolution 7, no bbox", "GET", "/api/heatmap?resolution=7", None),
        ("timeline, weeks from year 0 to 9999", "GET", "/api/stats/timeline?interval=week&since=0000-01-01&until=9999-12-31", None),
        ("timeline, weeks over 1970–2100", "GET", "/api/stats/timeline?interval=week&since=1970-01-01&until=2100-12-31", None),
        ("timeline, months over the last 10 years", "GET", f"/api/stats/timeline?interval=month&since={time.strftime('%Y', time.gmtime(time.time() - 10 * 365 * 86400))}-01-01", None),
        ("problem list, every grid, limit 1,000,000", "GET", "/api/stats/problems?group_by=grid&limit=1000000&since=2000-01-01", None),
        ("problem list CSV, every compound, limit 1,000,000", "GET", "/api/stats/problems.csv?group_by=compound&limit=1000000&since=2000-01-01", None),
        ("layer page, buildings, limit 10,000", "GET", "/api/layers/buildings?limit=10000", None),
        ("OGC items, buildings, limit 10,000", "GET", "/ogc/collections/buildings/items?limit=10000", None),
        ("search 苑, limit 100,000", "GET", "/api/search?q=%E8%8B%91&limit=100000", None),
        ("nearby at the burst point", "GET", f"/api/reports/nearby?lon={burst[0]}&lat={burst[1]}&category=parking", None),
        ("report tile z8 over the city", "GET", "/tiles/reports/8/{x8}/{y8}.mvt", None),
        ("buildings tile z14 at the centre", "GET", "/tiles/grids,compounds,buildings,stations/14/{x14}/{y14}.mvt", None),
        ("Open311 requests, 90 days", "GET", "/open311/v2/requests.json?start_date=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 89 * 86400)), None),
        ("locate with walking distances", "GET", f"/api/locate?lon={burst[0]}&lat={burst[1]}&walk=true", None),
        # The largest request of each bounded kind that is still accepted: {box} shrinks
        # round the city's centre until the server takes it.
        ("isochrones, 15 min, the largest box accepted", "GET", "/api/coverage/isochrones?kind=community_centre&minutes=15&bbox={box}", None),
        ("isochrones, 5,000 m, buffer 1 m, the largest box accepted", "GET", "/api/coverage/isochrones?kind=community_centre&meters=5000&buffer_m=1&bbox={box}", None),
        ("coverage/buildings, 5,000 m, the largest box accepted", "GET", "/api/coverage/buildings?kind=community_centre&meters=5000&bbox={box}", None),
        ("heatmap, resolution 11, the largest box accepted", "GET", "/api/heatmap?resolution=11&bbox={box}", None),
        ("plan, 50 sites among compounds, the largest box accepted", "POST", "/api/coverage/plan",
         b'{"kind": "elderly_day_care", "minutes": 15, "add": 50, "candidates": "compounds", "bbox": [{box}]}'),
        ("plan, 50 sites among buildings, the largest box accepted", "POST", "/api/coverage/plan",
         b'{"kind": "elderly_day_care", "minutes": 15, "add": 50, "candidates": "buildings", "bbox": [{box}]}'),
        ("timeline, 520 weeks (the most accepted)", "GET", "/api/stats/timeline?interval=week&since=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 518 * 7 * 86400)), None),
        ("problem list, every grid, limit 1,000 (the most accepted)", "GET", "/api/stats/problems?group_by=grid&limit=1000&since=2000-01-01", None),
    ]


def boxes(bbox):
    """Boxes round the centre of `bbox`, from the whole of it down to 1/64 of its side."""
    w, s, e, n = bbox
    cx, cy, hx, hy = (w + e) / 2, (s + n) / 2, (e - w) / 2, (n - s) / 2
    factor = 1.0
    while factor > 1 / 64:
        yield f"{cx - hx * factor:.6f},{cy - hy * factor:.6f},{cx + hx * factor:.6f},{cy + hy * factor:.6f}"
        factor *= 0.8


def tile(lon, lat, z):
    import math
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def measure(base, pid, token, burst):
    collection = json.loads(call(f"{base}/ogc/collections/buildings")[1])
    bbox = collection["extent"]["spatial"]["bbox"][0]
    x8, y8 = tile(burst[0], burst[1], 8)
    x14, y14 = tile(burst[0], burst[1], 14)
    rows = []
    counts = json.loads(call(f"{base}/healthz")[1])["counts"]
    cases = json.loads(call(f"{base}/api/reports?limit=1", token=token)[1]).get("total")
    print(f"{counts['buildings']:,} buildings, {counts['stations']:,} stations, {counts['walkways']:,} walkways, {cases:,} cases; "
          f"server pid {pid}, resident {memory(pid)[0]:.0f} MiB after start; bbox {bbox}")
    print("| request | status | time | answer | extra peak memory |")
    print("|---|---|---|---|---|")
    skip = [word for word in os.environ.get("SKIP", "").split("|") if word]
    accepted = {}
    for name, method, path, body in requests(base, bbox, burst):
        if any(word in name for word in skip):
            continue
        path = path.replace("{x8}", str(x8)).replace("{y8}", str(y8)).replace("{x14}", str(x14)).replace("{y14}", str(y14))
        for box in (boxes(bbox) if "{box}" in path or (body and b"{box}" in body) else [None]):
            url = base + path.replace("{box}", box or "")
            data_in = body.replace(b"{box}", box.encode()) if body and box else body
            rss, _ = memory(pid)
            reset_peak(pid)
            status, data, seconds, headers = call(url, method, data_in)
            if box is None or status != 400:
                break
        if box:
            name = f"{name} ({box})"
        accepted[name] = (method, url, data_in)
        try:
            _, peak = memory(pid)
        except (FileNotFoundError, KeyError):
            print(f"| {name} | server died ({status}) | {seconds:.2f} s | | |")
            sys.exit(1)
        note = ""
        if status >= 400:
            try:
                note = " — " + json.loads(data)["error"]["message"][:110]
            except Exception:
                note = ""
        rows.append((name, status, seconds, len(data), peak - rss))
        print(f"| {name} | {status}{note} | {seconds:.2f} s | {len(data) / 1e6:.2f} MB | {max(peak - rss, 0):.0f} MiB |", flush=True)

    print("\nA staff plan of 50 sites among buildings (the largest box accepted), run whole, then cut off by its client:")
    for box in boxes(bbox):
        plan = json.dumps({"kind": "party_mass_centre", "minutes": 15, "add": 50, "candidates": "buildings",
                           "bbox": [float(v) for v in box.split(",")]}).encode()
        status, data, whole_s, _ = call(base + "/api/coverage/plan", "POST", plan, token)
        if status != 400:
            break
    cpu_before = cpu_seconds(pid)
    time.sleep(0.2)
    idle = cpu_seconds(pid) - cpu_before
    print(f"  box {box}: {status} in {whole_s:.2f} s when the client waits (server CPU at rest: {idle:.2f} s in 0.2 s)")
    status, data, seconds, _ = call(base + "/api/coverage/plan", "POST", plan, token, timeout=whole_s / 4)
    cpu_before = cpu_seconds(pid)
    time.sleep(whole_s)
    print(f"  the client gone after {seconds:.2f} s: server CPU in the {whole_s:.2f} s after: {cpu_seconds(pid) - cpu_before:.2f} s")

    print("\n16 heavy requests at once (the 8 accepted requests above that took the longest, twice each):")
    heavy = sorted((r for r in rows if r[1] == 200), key=lambda r: -r[2])[:8]
    chosen = [accepted[r[0]] for r in heavy]
    statuses = []
    rss, _ = memory(pid)
    reset_peak(pid)
    started = time.monotonic()

    def worker(i):
        method, url, body = chosen[i % len(chosen)]
        statuses.append(call(url, method, body)[0])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, peak = memory(pid)
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"statuses {counts}, {time.monotonic() - started:.1f} s in all, server peak {peak:.0f} MiB (resident {rss:.0f} MiB before)")
    for name, *_ in heavy:
        print(f"  - {name}")


def main():
    mode = sys.argv[1]
    if mode == "seed":
        seed(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif mode == "measure":
        burst = json.loads(sys.argv[5])["burst"]
        measure(sys.argv[2], int(sys.argv[3]), sys.argv[4], burst)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
