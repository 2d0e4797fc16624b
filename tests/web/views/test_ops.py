"""Operations views: the git webhook, Prometheus metrics, health, proxies, JSON logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client

from masterywiki.errors import ConfigError
from masterywiki.repository.sync import Sync
from masterywiki.web.app import create_app
from masterywiki.web.views.ops import SYNC_KEY, JsonFormatter, configure_logging, trust_proxies
from masterywiki.web.views.search import EXTENSION as SEARCH_KEY
from tests.auth_fixtures import PASSWORD, csrf_token, login, make_user
from tests.conftest import DATA, commit_files, git, make_repo
from tests.postgres import PostgresServer

SECRET = "s3cret-hook"
HOOK = "/-/hooks/git"
BODY = b'{"ref": "refs/heads/main"}'


@pytest.fixture
def central(tmp_path: Path) -> Path:
    seed = make_repo(tmp_path / "seed", source=DATA / "basic")
    path = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(path))
    return path


@pytest.fixture
def synced_app(tmp_path: Path, central: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "instance": tmp_path / "instance",
            "remote": str(central),
            "fetch_interval": 0,
            "webhook_secret": SECRET,
        }
    )
    app.config["TESTING"] = True
    yield app
    sync(app).close()
    app.extensions["masterywiki"].wiki.storage.close()


def sync(app: Flask) -> Sync:
    found: Sync = app.extensions[SYNC_KEY]
    return found


def push_from_elsewhere(tmp_path: Path, central: Path, text: str) -> str:
    """Another server (a plain clone here) pushes a commit to the central repository."""
    other = tmp_path / "elsewhere"
    if not other.exists():
        git(tmp_path, "clone", "-q", str(central), str(other))
    git(other, "pull", "-q", "--ff-only")
    commit = commit_files(other, {"guide/first.md": text}, "Edited elsewhere")
    git(other, "push", "-q", "origin", "HEAD:main")
    return commit


def head(app: Flask) -> str | None:
    found: str | None = app.extensions["masterywiki"].wiki.storage.head()
    return found


def github_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- the webhook --------------------------------------------------------------------------


def test_a_signed_github_hook_fetches_and_merges_at_once(
    synced_app: Flask, tmp_path: Path, central: Path
) -> None:
    client = synced_app.test_client()
    sync(synced_app).sync_now()
    commit = push_from_elsewhere(tmp_path, central, "# First\n\nFrom the webhook test.\n")
    response = client.post(HOOK, data=BODY, headers={"X-Hub-Signature-256": github_signature(BODY)})
    assert response.status_code == 202, response.get_data(as_text=True)
    deadline = time.monotonic() + 10
    while head(synced_app) != commit:
        assert time.monotonic() < deadline, "the webhook did not bring the commit in"
        time.sleep(0.02)
    page = client.get("/guide/first").get_data(as_text=True)
    assert "From the webhook test." in page


def test_webhooks_bring_the_search_index_along_quietly(
    synced_app: Flask, tmp_path: Path, central: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No search has built the index yet: the calls start it, and it ends at the new
    HEAD without a search, and without a traceback in the log while it was built."""
    client = synced_app.test_client()
    search = synced_app.extensions[SEARCH_KEY]
    assert search.read_state() is None
    commit = ""
    for text in ("# First\n\nOne.\n", "# First\n\nTwo.\n"):
        commit = push_from_elsewhere(tmp_path, central, text)
        signed = {"X-Hub-Signature-256": github_signature(BODY)}
        assert client.post(HOOK, data=BODY, headers=signed).status_code == 202
    deadline = time.monotonic() + 30
    while (state := search.read_state()) is None or state.commit != commit:
        assert time.monotonic() < deadline, "the index did not reach the pushed commit"
        time.sleep(0.05)
    assert head(synced_app) == commit
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [r.getMessage() for r in noisy]


def test_a_gitlab_token_hook_is_accepted(synced_app: Flask) -> None:
    response = synced_app.test_client().post(HOOK, data=BODY, headers={"X-Gitlab-Token": SECRET})
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Hub-Signature-256": github_signature(BODY, "wrong")}, 403),
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, 403),
        ({"X-Hub-Signature-256": github_signature(b"another body")}, 403),
        ({"X-Gitlab-Token": "wrong"}, 403),
        ({"X-Gitea-Signature": "00"}, 403),
    ],
    ids=["missing", "wrong-secret", "zeros", "other-body", "gitlab-wrong", "gitea-wrong"],
)
def test_an_unsigned_or_badly_signed_hook_is_refused(
    synced_app: Flask, headers: dict[str, str], status: int
) -> None:
    head = synced_app.extensions["masterywiki"].wiki.storage.head()
    response = synced_app.test_client().post(
        HOOK, data=BODY, headers={**headers, "Accept": "application/json"}
    )
    assert response.status_code == status
    assert response.json is not None
    assert status == 401 or "signature" in response.json["message"].lower()
    assert synced_app.extensions["masterywiki"].wiki.storage.head() == head


def test_the_gitea_signature_is_accepted(synced_app: Flask) -> None:
    digest = github_signature(BODY).removeprefix("sha256=")
    response = synced_app.test_client().post(HOOK, data=BODY, headers={"X-Gitea-Signature": digest})
    assert response.status_code == 202


def test_without_a_secret_or_a_remote_the_hook_is_refused(
    tmp_path: Path, central: Path, client: FlaskClient
) -> None:
    assert client.post(HOOK, data=BODY).status_code == 404  # no remote configured
    app = create_app({"instance": tmp_path / "nosecret", "remote": str(central)})
    try:
        response = app.test_client().post(HOOK, data=BODY, headers={"X-Gitlab-Token": ""})
        assert response.status_code == 403
    finally:
        sync(app).close()
        app.extensions["masterywiki"].wiki.storage.close()


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("POST", {}, 401),
        ("POST", {"X-Gitlab-Token": "wrong"}, 403),
        ("GET", {}, 405),
        ("PUT", {}, 405),
        ("DELETE", {}, 405),
        ("FOOBAR1", {}, 405),
    ],
    ids=["unsigned", "bad-signature", "get", "put", "delete", "odd-method"],
)
def test_every_answer_of_the_hook_is_json(
    synced_app: Flask, method: str, headers: dict[str, str], status: int
) -> None:
    """Git hosts show the answer to a person setting the hook up: no HTML page, even
    without an Accept header."""
    response = synced_app.test_client().open(HOOK, method=method, data=BODY, headers=headers)
    assert response.status_code == status
    assert response.is_json and set(response.json or {}) == {"error", "message"}
    if status == 405:
        assert "POST" in response.headers["Allow"]


def test_the_hook_answers_json_without_a_remote_a_secret_or_room(
    tmp_path: Path, central: Path, client: FlaskClient
) -> None:
    response = client.post(HOOK, data=BODY)
    assert (response.status_code, response.is_json) == (404, True)
    assert "no remote" in response.json["message"]
    app = create_app({"instance": tmp_path / "nosecret", "remote": str(central)})
    try:
        response = app.test_client().post(HOOK, data=BODY, headers={"X-Gitlab-Token": "x"})
        assert (response.status_code, response.is_json) == (403, True)
        assert "no webhook_secret" in response.json["message"]
        huge = b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}"
        response = app.test_client().post(HOOK, data=huge)
        assert (response.status_code, response.is_json) == (413, True)
    finally:
        sync(app).close()
        app.extensions["masterywiki"].wiki.storage.close()


def test_only_the_hook_skips_the_csrf_check(synced_app: Flask) -> None:
    make_user(synced_app, "edna", "editor")
    client = synced_app.test_client()
    login(client, "edna")
    response = client.post("/guide/first/-/edit", data={"content": "# X\n", "base": ""})
    assert response.status_code == 400, "other POSTs still need the token"


# -- health and the sync notice -------------------------------------------------------------


def test_healthz_reports_the_git_state(synced_app: Flask) -> None:
    sync(synced_app).sync_now()
    client = synced_app.test_client()
    client.get("/-/search?q=rubric")  # builds the index
    state = client.get("/-/healthz").json
    assert state is not None
    git_state = state["git"]
    assert git_state["head"] == state["commit"] == git_state["remote_head"]
    assert (git_state["ahead"], git_state["behind"], git_state["pending"]) == (0, 0, False)
    assert git_state["remote"] is True and git_state["branch"] == "refs/heads/main"
    assert state["index"] == {"commit": state["commit"], "lag": 0}


def test_healthz_without_a_remote(client: FlaskClient) -> None:
    state = client.get("/-/healthz").json
    assert state is not None and state["git"]["remote"] is False
    assert state["index"]["lag"] in (None, 0)


def test_unpushed_saves_show_sync_pending_until_pushed(
    synced_app: Flask, central: Path, tmp_path: Path
) -> None:
    sync(synced_app).sync_now()
    make_user(synced_app, "edna", "editor")
    client = synced_app.test_client()
    login(client, "edna")
    assert (
        BeautifulSoup(client.get("/guide/first").data, "html.parser").select(".sync-pending") == []
    )
    away = tmp_path / "away.git"
    central.rename(away)
    token = csrf_token(client, "/guide/first/-/edit")
    saved = client.post(
        "/guide/first/-/edit",
        data={
            "content": "# First\n\nOffline save.\n",
            "base": head(synced_app),
            "csrf_token": token,
        },
    )
    assert saved.status_code in (302, 303)
    page = BeautifulSoup(client.get("/guide/first").data, "html.parser")
    assert "Sync pending" in page.select_one(".sync-pending").get_text()
    state = client.get("/-/healthz").json
    assert state is not None and state["git"]["pending"] and state["git"]["ahead"] >= 1
    away.rename(central)
    sync(synced_app).sync_now()
    assert (
        BeautifulSoup(client.get("/guide/first").data, "html.parser").select(".sync-pending") == []
    )
    assert (
        git(central, "rev-parse", "main")
        == synced_app.extensions["masterywiki"].wiki.storage.head()
    )


# -- metrics ------------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-z_]+)(\{([a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf)$')


def parse_metrics(text: str) -> dict[str, float]:
    """Check the exposition format line by line; {name{labels}: value}."""
    samples: dict[str, float] = {}
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram"), line
            typed.add(name)
        elif line.startswith("# HELP "):
            continue
        else:
            match = SAMPLE.match(line)
            assert match, f"not a valid sample line: {line!r}"
            family = re.sub(r"_(bucket|sum|count)$", "", match.group(1))
            assert match.group(1) in typed or family in typed, f"no TYPE for {line!r}"
            samples[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
    return samples


def test_metrics_count_requests_latency_and_saves(editor_client: FlaskClient, app: Flask) -> None:
    for _ in range(3):
        assert editor_client.get("/guide/first").status_code == 200
    editor_client.get("/no/such/page")
    token = csrf_token(editor_client, "/guide/first/-/edit")
    editor_client.post(
        "/guide/first/-/edit",
        data={"content": "# First\n\nSaved.\n", "base": head(app), "csrf_token": token},
    )
    response = editor_client.get("/-/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse_metrics(response.get_data(as_text=True))
    route = 'route="/<path:name>"'
    assert samples[f'masterywiki_http_requests_total{{{route},method="GET",status="200"}}'] >= 3
    assert samples[f'masterywiki_http_requests_total{{{route},method="GET",status="404"}}'] == 1
    buckets = [
        v
        for k, v in samples.items()
        if k.startswith(f"masterywiki_http_request_duration_seconds_bucket{{{route}")
    ]
    assert buckets == sorted(buckets), "histogram buckets are cumulative"
    count = samples[f"masterywiki_http_request_duration_seconds_count{{{route}}}"]
    assert buckets[-1] == count == 4
    assert samples["masterywiki_saves_total"] == 1
    assert samples["masterywiki_pushes_total"] == 0
    assert samples["masterywiki_pages"] == 7
    assert "masterywiki_sync_ahead_commits" not in samples, "no remote, no sync gauges"


def test_metrics_add_up_every_process(app: Flask, tmp_path: Path) -> None:
    folder = app.extensions["masterywiki"].settings.instance / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    gone = {"counters": {"saves": 5}, "requests": {}, "latency": {}}
    (folder / "999999999.json").write_text(json.dumps(gone))  # a worker that ended
    client = app.test_client()
    first = parse_metrics(client.get("/-/metrics").get_data(as_text=True))
    again = parse_metrics(client.get("/-/metrics").get_data(as_text=True))
    assert first["masterywiki_saves_total"] == again["masterywiki_saves_total"] == 5
    assert not (folder / "999999999.json").exists() and (folder / "retired.json").exists()


def test_metrics_with_a_remote_report_sync_state(synced_app: Flask) -> None:
    sync(synced_app).sync_now()
    samples = parse_metrics(synced_app.test_client().get("/-/metrics").get_data(as_text=True))
    assert samples["masterywiki_sync_ahead_commits"] == 0
    assert samples["masterywiki_sync_failing"] == 0
    assert samples["masterywiki_fetches_total"] >= 1


# -- proxies and logs -----------------------------------------------------------------------------


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


FORWARDED = {"X-Forwarded-For": "203.0.113.7, 10.0.0.5", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("setting", "peer", "expected"),
    [
        ("", "10.0.0.9", "10.0.0.9 http"),
        ("1", "10.0.0.9", "10.0.0.5 https"),
        ("2", "10.0.0.9", "203.0.113.7 https"),
        ("10.0.0.0/8", "10.0.0.9", "203.0.113.7 https"),
        ("10.0.0.9", "10.0.0.9", "10.0.0.5 https"),
        ("10.0.0.0/8", "198.51.100.1", "198.51.100.1 http"),
    ],
    ids=["off", "one-hop", "two-hops", "network", "one-address", "untrusted-peer"],
)
def test_forwarded_headers_count_only_from_trusted_proxies(
    setting: str, peer: str, expected: str
) -> None:
    client = Client(trust_proxies(echo, setting))
    response = client.get("/", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer})
    assert response.get_data(as_text=True) == expected


def test_bad_settings_are_config_errors() -> None:
    for setting in ("not-an-address", "²"):  # '²'.isdigit(), yet int('²') fails
        with pytest.raises(ConfigError):
            trust_proxies(echo, setting)
    with pytest.raises(ConfigError):
        configure_logging("xml")


def test_json_log_lines_carry_their_fields() -> None:
    record = logging.LogRecord(
        "masterywiki.repository.sync", logging.INFO, "x", 1, "pushed %s", ("abc",), None
    )
    record.event = "push"
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "pushed abc" and data["event"] == "push"
    assert data["level"] == "info" and "time" in data
    assert data["logger"] == "masterywiki.repository.sync"


def set_connections(server: PostgresServer, database: str, allowed: bool) -> None:
    """Shut a database's door (and end the connections inside), or open it again."""
    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )


def test_a_database_outage_degrades_logins_not_reading(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    name = f"outage_{tmp_path.name[-20:].lower()}".replace("-", "_")
    url = postgres_server.create_database(name)
    app = create_app({"instance": tmp_path / "instance", "database_url": url,
                      "repo": make_repo(tmp_path / "r", source=DATA / "basic")})  # fmt: skip
    client = app.test_client()
    make_user(app, "edna", "editor")
    state = client.get("/-/healthz").json
    assert state["status"] == "ok" and state["database"] == {
        "kind": "postgresql", "ok": True, "error": None,
    }  # fmt: skip

    set_connections(postgres_server, name, allowed=False)
    try:
        state = client.get("/-/healthz").json
        assert state["status"] == "degraded" and state["database"]["ok"] is False
        assert "did not answer" in state["database"]["error"]
        assert "database_up 0" in client.get("/-/metrics").get_data(as_text=True)
        assert client.get("/guide/first").status_code == 200, "reading goes on"
        form = {"username": "edna", "password": PASSWORD, "csrf_token": csrf_token(client)}
        refused = client.post("/-/login", data=form)
        assert refused.status_code == 503
        assert "The database is not available" in refused.get_data(as_text=True)
    finally:
        set_connections(postgres_server, name, allowed=True)
    assert login(client, "edna").status_code == 303, "back once PostgreSQL answers again"
    assert client.get("/-/healthz").json["status"] == "ok"
    app.extensions["masterywiki"].database.close()
