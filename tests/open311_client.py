#!/usr/bin/env python3
"""A third-party Open311 client against a running Minsheng server.

Usage: python3 tests/open311_client.py http://127.0.0.1:PORT

Reads with PyPI georeport 0.3.1 (GeoReport(root_address=..., output_format=...)) in both
JSON and XML. georeport has no POST method, so the requests are filed with `requests`, as a
form (application/x-www-form-urlencoded), the way the spec sends them. Exits non-zero on
the first failed check. Run by tests/open311_client.rs.
"""

import sys

import georeport
import requests
from georeport import GeoReport

NAME = ("秘密", "王")
PHONE = "13912345678"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def as_list(value):
    """xmltodict gives a dict for one <request> and a list for several."""
    return value if isinstance(value, list) else [value]


def inside_a_building(base):
    """A point inside the first demo building (a convex footprint: its vertex mean)."""
    answer = requests.get(f"{base}/api/layers/buildings?limit=1", timeout=10)
    answer.raise_for_status()
    ring = answer.json()["features"][0]["geometry"]["coordinates"][0][:-1]
    return sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)


def file_requests(base, root):
    lat, long = inside_a_building(base)
    filed = {}
    for code, description in [("parking", "消防通道被占用"), ("pets", "狗吠扰民")]:
        answer = requests.post(
            f"{root}/requests.json",
            data={"service_code": code, "lat": lat, "long": long, "description": description,
                  "first_name": NAME[0], "last_name": NAME[1], "phone": PHONE, "email": "a@example.org"},
            timeout=10,
        )
        check(answer.status_code == 201, f"POST {code}: {answer.status_code} {answer.text}")
        created = answer.json()
        check(isinstance(created, list) and len(created) == 1, f"POST answer is a list of one: {created}")
        filed[code] = created[0]["service_request_id"]
    return filed


def read_with_georeport(base, root, filed, output_format):
    client = GeoReport(root_address=root, output_format=output_format)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    check(len(services) == 12, f"{output_format}: 12 services, got {codes}")
    check("parking" in codes and "elevator_installation" in codes, f"{output_format}: {codes}")
    parking = next(s for s in services if s["service_code"] == "parking")
    check(parking["service_name"] == "停车", f"{output_format}: {parking}")
    check(str(parking["metadata"]).lower() == "false", f"{output_format}: metadata {parking['metadata']!r}")

    definition = client.get_service_definition("pets")
    check(definition["service_code"] == "pets", f"{output_format}: {definition}")

    listed = as_list(client.get_service_requests())
    listed_ids = [r["service_request_id"] for r in listed]
    check(set(filed.values()) <= set(listed_ids), f"{output_format}: {filed} not all in {listed_ids}")
    check(listed_ids[0] == filed["pets"], f"{output_format}: newest first, got {listed_ids}")

    # The server holds the demo district's year of reports too: ours are the newest.
    pets = as_list(client.get_service_requests(service_code="pets"))
    check(pets[0]["service_request_id"] == filed["pets"], f"{output_format}: service_code filter, newest first {pets[:3]}")
    check(all(r["service_code"] == "pets" for r in pets), f"{output_format}: service_code filter let others through")
    check(filed["parking"] not in [r["service_request_id"] for r in pets], f"{output_format}: parking listed as pets")
    both = as_list(client.get_service_requests(service_request_id=",".join(filed.values()), status="open"))
    check(sorted(r["service_request_id"] for r in both) == sorted(filed.values()), f"{output_format}: ids {both}")

    one = client.get_service_request(filed["parking"])
    check(one["service_request_id"] == filed["parking"], f"{output_format}: {one}")
    check(one["service_code"] == "parking" and one["status"] == "open", f"{output_format}: {one}")
    native = requests.get(f"{base}/api/reports/{filed['parking']}", timeout=10).json()["report"]
    check(one["agency_responsible"] == native["responder"], f"{output_format}: {one} vs {native['responder']}")
    check(abs(float(one["lat"]) - native["point"][1]) < 1e-9, f"{output_format}: lat {one['lat']}")
    check(one["requested_datetime"].endswith("+08:00"), f"{output_format}: {one['requested_datetime']}")

    for shown in (listed, pets, both, [one]):
        text = repr(shown)
        check(NAME[1] + NAME[0] not in text and PHONE not in text, f"{output_format}: reporter data in {text}")

    try:
        client.get_service_definition("dragons")
        check(False, f"{output_format}: an unknown service_code was accepted")
    except requests.HTTPError as error:
        check(error.response.status_code == 404, f"{output_format}: {error}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    root = f"{base}/open311/v2"
    try:
        check(georeport.__version__ == "0.3.1", f"georeport {georeport.__version__}: run pip install georeport==0.3.1")
        filed = file_requests(base, root)
        for output_format in ("json", "xml"):
            read_with_georeport(base, root, filed, output_format)
    except Exception as error:  # any failure, including the client's own, fails the run
        print(f"open311 client check failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"open311 client checks passed with georeport {georeport.__version__} (json and xml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
