"""OGC API – Features as OWSLib (PyPI owslib, pinned in tests/requirements.txt) reads it:
landing page, API definition, conformance, collections, queryables, items with a CQL2
filter, sortby, bbox and datetime, one item, and a refused parameter. Each answer is
checked against another way of asking the same server (all items, filtered here)."""

import sys

from owslib.ogcapi.features import Features

CLASSES = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
]


def main(base):
    api = Features(f"{base}/ogc")

    document = api.api()
    assert document["openapi"].startswith("3.1"), document.get("openapi")
    for path in ["/ogc/collections", "/ogc/collections/{collection}/items", "/ogc/collections/{collection}/queryables"]:
        assert path in document["paths"], f"{path} is not in the API definition"

    conforms = api.conformance()["conformsTo"]
    for cls in CLASSES:
        assert cls in conforms, f"{cls} not claimed"

    ids = [c["id"] for c in api.collections()["collections"]]
    assert ids == ["streets", "communities", "grids", "compounds", "buildings", "stations", "walkways", "candidate_sites", "reports"], ids
    assert api.collection("stations")["id"] == "stations"

    queryables = api.collection_queryables("stations")
    assert {"kind", "level", "name", "geometry"} <= set(queryables["properties"]), queryables

    stations = api.collection_items("stations", limit=1000)["features"]
    clinics = [f["id"] for f in stations if f["properties"]["kind"] == "clinic"]
    assert 0 < len(clinics) < len(stations), clinics
    found = api.collection_items("stations", filter="kind = 'clinic'", limit=1000)
    assert [f["id"] for f in found["features"]] == clinics, found
    assert found["numberMatched"] == len(clinics)

    not_clinics = api.collection_items("stations", filter="kind <> 'clinic' AND name LIKE '%'", limit=1000)
    assert len(not_clinics["features"]) == len(stations) - len(clinics)

    buildings = api.collection_items("buildings", limit=10000)["features"]
    tallest_first = api.collection_items("buildings", sortby=("floors", "desc"), limit=10000)["features"]
    floors = [f["properties"]["floors"] for f in tallest_first]
    assert floors == sorted(floors, reverse=True) and len(floors) == len(buildings)

    xs = [f["geometry"]["coordinates"][0] for f in stations]
    ys = [f["geometry"]["coordinates"][1] for f in stations]
    west, east = min(xs), (min(xs) + max(xs)) / 2
    inside = [f["id"] for f in stations if west <= f["geometry"]["coordinates"][0] <= east]
    boxed = api.collection_items("stations", bbox=[west, min(ys), east, max(ys)], limit=1000)["features"]
    assert [f["id"] for f in boxed] == inside and 0 < len(inside) < len(stations)

    reports = api.collection_items("reports", limit=10000)["features"]
    middle = sorted(f["properties"]["created_at"] for f in reports)[len(reports) // 2]
    later = api.collection_items("reports", datetime_=f"{middle}/..", limit=10000)
    expected = [f["id"] for f in reports if f["properties"]["created_at"] >= middle]
    assert [f["id"] for f in later["features"]] == expected and 0 < len(expected) < len(reports)
    for feature in reports:
        assert "reporter_name" not in feature["properties"] and "reporter_phone" not in feature["properties"]

    one = api.collection_item("stations", clinics[0])
    assert one["id"] == clinics[0] and one["properties"]["kind"] == "clinic"

    try:
        api.collection_items("stations", colour="red")
    except RuntimeError as error:
        assert "colour" in str(error), error
    else:
        raise AssertionError("an unknown parameter was accepted")

    print("owslib checks passed")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
