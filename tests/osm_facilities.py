"""Counts, with pyosmium, the OSM features of an extract that README's tag tables
("Loading a real city" and "Facilities and people in the data") make stations of, by
facility kind: an implementation of the tables independent of src/import/osm.

Reads {"pbf": path} as JSON on stdin; prints {"kind": count, ...}. Counted like the
import: tagged nodes; ways whose nodes are all in the extract (open ones too, by their
middle); multipolygon relations that osmium assembles into an area.
"""
import json
import re
import sys

import osmium

PRIVATE = {"private", "no", "customers"}
MIDDLE_WORDS = ["中学", "初中", "高中", "secondary", "middle school", "high school", "collège", "lycée"]


def items(value):
    return [v.strip() for v in (value or "").split(";")] if value else []


def has(tags, key, *values):
    return any(v in values for v in items(tags.get(key)))


def school(tags):
    levels = [v.strip() for v in re.split("[;,-]", tags.get("isced:level", "")) if v.strip()]
    if "1" in levels:
        return "primary_school"
    if "2" in levels or "3" in levels:
        return "middle_school"
    for key in ("school:level", "school"):
        value = tags.get(key, "").lower()
        if value in ("primary", "elementary"):
            return "primary_school"
        if value in ("secondary", "middle", "lower_secondary", "upper_secondary", "high"):
            return "middle_school"
    name = tags.get("name", "").lower()
    return "middle_school" if any(w in name for w in MIDDLE_WORDS) else "primary_school"


def kind(tags):
    a = lambda *v: has(tags, "amenity", *v)
    if a("townhall"):
        return "party_mass_centre"
    if a("community_centre"):
        return "youth_space" if has(tags, "community_centre", "youth_centre") else "community_centre"
    if a("social_facility") and has(tags, "social_facility:for", "senior"):
        return "elderly_day_care"
    if a("nursing_home"):
        return "elderly_day_care"
    if a("social_facility") and has(tags, "social_facility:for", "disabled"):
        return "disability_home"
    if a("social_facility") and has(tags, "social_facility:for", "child", "juvenile", "youth"):
        return "youth_space"
    if a("youth_centre"):
        return "youth_space"
    if has(tags, "healthcare", "centre"):
        return "health_centre"
    if a("clinic", "doctors") or has(tags, "healthcare", "clinic", "doctor"):
        return "clinic"
    if a("library"):
        return "library"
    if a("canteen"):
        return "canteen"
    if a("kindergarten"):
        return "kindergarten"
    if a("school"):
        return school(tags)
    if a("marketplace"):
        return "vegetable_market"
    public = tags.get("access") not in PRIVATE
    if has(tags, "shop", "supermarket", "convenience", "greengrocer"):
        return "convenience_store"
    if has(tags, "leisure", "pitch", "sports_centre", "fitness_station"):
        return "sports_ground" if public else None
    if has(tags, "leisure", "park", "playground") or (has(tags, "leisure", "garden") and has(tags, "access", "yes", "public")):
        return "park_square" if public else None
    if has(tags, "place", "square"):
        return "park_square" if public else None
    if a("toilets"):
        return "public_toilet" if public else None
    if a("waste_disposal", "recycling"):
        return "waste_point"
    if a("pharmacy"):
        return "pharmacy"
    return None


def main():
    pbf = json.load(sys.stdin)["pbf"]
    counts = {}

    def count(tags):
        k = kind({t.k: t.v for t in tags})
        if k:
            counts[k] = counts.get(k, 0) + 1

    for obj in osmium.FileProcessor(pbf).with_locations().with_areas():
        if obj.is_node():
            count(obj.tags)
        elif obj.is_way():
            if len(obj.nodes) >= 2 and all(n.location.valid() for n in obj.nodes):
                count(obj.tags)
        elif obj.is_area() and not obj.from_way():
            count(obj.tags)
    json.dump(counts, sys.stdout, sort_keys=True)


main()
