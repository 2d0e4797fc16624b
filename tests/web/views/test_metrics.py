"""`/-/metrics` label values stay within fixed sets, whatever clients send."""

from __future__ import annotations

import json
import re
import secrets

from flask import Flask
from flask.testing import FlaskClient

from masterywiki.web.metrics import Metrics, render

REQUESTS = re.compile(
    r'^masterywiki_http_requests_total\{route="(.*)",method="(.*)",status="(.*)"\}'
)


def request_series(client: FlaskClient) -> set[tuple[str, ...]]:
    text = client.get("/-/metrics").get_data(as_text=True)
    return {found.groups() for line in text.splitlines() if (found := REQUESTS.match(line))}


def odd_traffic(client: FlaskClient) -> None:
    for _ in range(20):
        word = secrets.token_hex(4)
        client.open("/guide/first", method=f"FOOBAR{word}")
        client.open(f"/-/{word}", method="BREW")
        client.get(f"/no/such/{word}")
        client.get(f"/-/api/v1/pages/{word}")
        client.get(f"/-/{word}/x")
        client.post(f"/{word}/-/comments")


def test_odd_methods_and_random_paths_add_no_series(client: FlaskClient) -> None:
    request_series(client)  # the scrape's own series
    odd_traffic(client)
    first = request_series(client)
    odd_traffic(client)
    assert request_series(client) == first, "new requests of the same kinds add no series"
    assert {method for _route, method, _status in first} <= {"GET", "POST", "other"}
    assert ("(unmatched)", "other", "405") in first
    assert all(not route.startswith(("/no/", "/-/api/v1/pages/0")) for route, *_ in first)
    assert len(first) < 15


def test_series_from_before_the_bound_fold_into_other(app: Flask) -> None:
    """Counts kept from older versions (a retired worker's file) may hold any method."""
    folder = app.extensions["masterywiki"].settings.instance / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    sep = "\x1f"
    old = {f"/<path:name>{sep}FOOBAR{n}{sep}405": 1 for n in range(30)}
    old[f"/<path:name>{sep}GET{sep}999"] = 2
    gone = {"counters": {}, "requests": old, "latency": {}}
    (folder / "999999999.json").write_text(json.dumps(gone))
    text = render(Metrics(folder).totals(), [])
    assert "FOOBAR" not in text
    assert (
        'masterywiki_http_requests_total{route="/<path:name>",method="other",status="405"} 30'
        in text
    )
    assert 'method="GET",status="other"} 2' in text


def test_a_metrics_file_of_the_wrong_shape_is_skipped(app: Flask) -> None:
    folder = app.extensions["masterywiki"].settings.instance / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    good = {"counters": {"saves": 2}, "requests": {}, "latency": {}}
    (folder / "999999997.json").write_text(json.dumps(good))
    for pid, bad in enumerate(
        [[], {"counters": 5}, {"counters": {"saves": "2"}}, {"latency": {"x": [1] * 99}}]
    ):
        (folder / f"99999998{pid}.json").write_text(json.dumps(bad))
    text = render(Metrics(folder).totals(), [])
    assert "masterywiki_saves_total 2" in text
