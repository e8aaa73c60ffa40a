"""Reads feeds as a feed reader does, with feedparser (tests/feeds.rs).

Input on stdin: a JSON list of feed documents (strings). Output: a JSON list, one object per
feed: whether feedparser found it malformed (bozo and why), the version it recognised
(atom10, rss20), the feed's title and self link, and each entry's id, title, updated time
(Unix seconds, UTC), links and GeoRSS point.
"""

import calendar
import json
import sys

import feedparser


def entry(e):
    updated = e.get("updated_parsed") or e.get("published_parsed")
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "updated": calendar.timegm(updated) if updated else None,
        "link": e.get("link"),
        "links": [{"rel": l.get("rel"), "type": l.get("type"), "href": l.get("href")} for l in e.get("links", [])],
        "point": e.get("where", {}).get("coordinates") if e.get("where") else None,
        "summary": e.get("summary"),
    }


def main():
    out = []
    for document in json.load(sys.stdin):
        parsed = feedparser.parse(document.encode("utf-8"))
        out.append(
            {
                "bozo": bool(parsed.bozo),
                "bozo_exception": str(parsed.get("bozo_exception", "")),
                "version": parsed.version,
                "title": parsed.feed.get("title"),
                "entries": [entry(e) for e in parsed.entries],
            }
        )
    json.dump(out, sys.stdout)


main()
