"""Running in production: git sync wiring, the git webhook, metrics, proxies, JSON logs."""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from masterywiki.errors import ConfigError, RevisionNotFound, WikiError
from masterywiki.proposals.record import merged_message
from masterywiki.repository.sync import SideBranches, Sync, verify_webhook
from masterywiki.web.metrics import Metrics, render
from masterywiki.web.views import auth, markers, services
from masterywiki.web.views.search import EXTENSION as SEARCH_KEY
from masterywiki.web.views.search import REFRESH_EXTENSION as REFRESH_KEY
from masterywiki.web.views.search import BackgroundRefresh

bp = Blueprint("ops", __name__)
SYNC_KEY, METRICS_KEY = "masterywiki.repository.sync", "masterywiki.web.metrics"
# base.html holds this marker; each response fills it in (see `_sync_notice`) because
# finished page HTML is cached per commit and "not pushed yet" changes without one.
SYNC_NOTICE = (
    '<p class="flash flash-info sync-pending" role="status">Sync pending: recent changes'
    " are saved on this server and will be copied to the central repository shortly.</p>"
)
request_log = logging.getLogger("masterywiki.request")


class NoRemote(WikiError):
    status = 404
    title = "No remote"


def init_app(app: Flask) -> None:
    """Metrics and request timing, trusted proxies, logs and, with a `remote`, git sync."""
    found = app.extensions["masterywiki"]
    settings, storage = found.settings, found.wiki.storage
    configure_logging(settings.log_format)
    app.wsgi_app = trust_proxies(app.wsgi_app, settings.trusted_proxies)  # type: ignore[method-assign,assignment]
    metrics = Metrics(settings.instance / "metrics")
    app.extensions[METRICS_KEY] = metrics
    storage.after_commit.append(lambda _old, _new: metrics.count("saves"))
    app.before_request(_start_timer)
    app.after_request(_count_request)
    sync = None
    if settings.remote:
        proposals = SideBranches("proposals/", merged_message)  # they travel with main
        sync = Sync(storage, settings.remote, settings.branch, settings.fetch_interval,
                    count=metrics.count, side=proposals, tags="release/")  # fmt: skip
        storage.after_commit.append(lambda _old, _new: sync.push_soon())
        app.before_request(sync.start)  # (re)starts its thread in each gunicorn worker
        markers.register(app, "sync-status", lambda _arg: _sync_notice())
        sync.start()
    app.extensions[SYNC_KEY] = sync
    # The webhook proves itself with an HMAC of its body made with the shared
    # secret (or GitLab's secret token), which a forged cross-site form cannot
    # produce; git hosts cannot send our CSRF token, so the token check is skipped.
    auth.exempt_from_csrf(app, "ops.git_hook")
    auth.exempt_from_csrf(app, "ops.git_hook_method")  # it only answers 405
    app.register_blueprint(bp)


def connect_search(app: Flask) -> None:
    """After other servers' commits come in, bring the search index along at once."""
    sync: Sync | None = app.extensions.get(SYNC_KEY)
    updater: BackgroundRefresh | None = app.extensions.get(REFRESH_KEY)
    if sync is not None and updater is not None:  # the one that saves poke too
        sync.on_change.append(lambda _old, _new: updater.poke())


def _sync() -> Sync | None:
    found: Sync | None = current_app.extensions.get(SYNC_KEY)
    return found


def _metrics() -> Metrics:
    found: Metrics = current_app.extensions[METRICS_KEY]
    return found


# -- per request: timing, the request log, the sync notice ------------------------------


def _start_timer() -> None:
    g.masterywiki_started = time.perf_counter()


def _count_request(response: Response) -> Response:
    started = g.get("masterywiki_started")
    if started is not None:
        seconds = time.perf_counter() - started
        rule = request.url_rule
        route = rule.rule if rule is not None else "(unmatched)"
        _metrics().request(route, request.method, response.status_code, seconds)
        if request_log.isEnabledFor(logging.INFO):
            request_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"event": "request", "method": request.method, "path": request.path,
                       "route": route, "status": response.status_code,
                       "ms": round(seconds * 1000, 2), "client": request.remote_addr},
            )  # fmt: skip
    return response


def _sync_notice() -> str:
    sync = _sync()
    return SYNC_NOTICE if sync is not None and sync.pending() else ""


# -- the views ---------------------------------------------------------------------------


@bp.post("/-/hooks/git")
def git_hook() -> ResponseReturnValue:
    """The central repository changed (a push from another server or a person):
    verify the signature, then fetch and merge at once, in the sync thread. The
    answer does not wait for it: git hosts give up on slow webhooks, and the
    pushing server may itself be the one being called."""
    sync = _sync()
    if sync is None:
        raise NoRemote("This wiki has no remote, so it takes no git webhooks.")
    headers = dict(request.headers.items())
    verify_webhook(services().settings.webhook_secret, headers, request.get_data())
    _metrics().count("webhooks")
    sync.pull_soon()
    return jsonify(status="accepted", head=services().wiki.storage.head()), 202


@bp.route("/-/hooks/git", methods=["GET", "PUT", "PATCH", "DELETE"])
def git_hook_method() -> ResponseReturnValue:
    """Without this, a GET would reach the page view and answer "no such page"."""
    raise MethodNotAllowed(valid_methods=["POST"])


@bp.get("/-/metrics")
def metrics() -> Response:
    state = health()
    gauges = [("pages", "Pages at HEAD.", float(len(services().wiki.refresh().catalog)))]
    if state["index"]["lag"] is not None:
        gauges.append(("index_lag_commits", "Commits HEAD is ahead of the search index.",
                       float(state["index"]["lag"])))  # fmt: skip
    gauges.append(("database_up", "1 while the accounts database answers.",
                   float(state["database"]["ok"])))  # fmt: skip
    git_state = state["git"]
    if git_state["remote"]:
        gauges += [
            ("sync_ahead_commits", "Local commits not pushed yet.", float(git_state["ahead"])),
            ("sync_behind_commits", "Remote commits not merged yet.", float(git_state["behind"])),
            ("sync_failing", "1 while syncing fails.", float(bool(git_state["error"]))),
        ]
    text = render(_metrics().totals(), gauges)
    return Response(text, content_type="text/plain; version=0.0.4; charset=utf-8")


def health() -> dict[str, Any]:
    """The git state, search index lag and work tree for `/-/healthz` and the metrics."""
    wiki = services().wiki
    head = wiki.refresh().commit
    git_state: dict[str, Any] = {"head": head, "branch": wiki.storage.branch(), "remote": False}
    sync = _sync()
    if sync is not None:
        status = sync.status()
        git_state.update(
            remote=True, remote_head=status.remote_head, ahead=status.ahead,
            behind=status.behind, pending=status.pending, error=status.last_error,
            last_push=_when(status.last_push), last_fetch=_when(status.last_fetch),
        )  # fmt: skip
    indexed = None
    search = current_app.extensions.get(SEARCH_KEY)
    state = search.read_state() if search is not None else None
    if state is not None and head is not None:
        indexed = state.commit
    lag = None
    if indexed is not None and head is not None:
        try:
            lag = 0 if indexed == head else wiki.storage.count_commits(indexed, head)
        except RevisionNotFound:  # the indexed commit is gone: a rebuild is coming
            lag = None
    # Whether the served repository's files on disk follow the branch (see `worktree`).
    work_tree = wiki.storage.work_tree_status().as_dict()
    database = services().database
    problem = database.check()
    database_state = {
        "kind": "postgresql" if database.is_postgres else "sqlite",
        "ok": problem is None,
        "error": problem,
    }
    return {"git": git_state, "index": {"commit": indexed, "lag": lag}, "worktree": work_tree,
            "database": database_state}  # fmt: skip


def _when(stamp: float | None) -> str | None:
    return datetime.fromtimestamp(stamp, UTC).isoformat() if stamp else None


# -- reverse proxies -------------------------------------------------------------------


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def trust_proxies(app: WsgiApp, setting: str) -> WsgiApp:
    """Honour X-Forwarded-For/-Proto/-Host/-Port/-Prefix only from trusted proxies.

    `setting` is empty (trust none), a number of proxies in front of the wiki
    (werkzeug's ProxyFix, for a wiki reachable only through them: the client is
    that many addresses from the end of X-Forwarded-For), or a list of
    proxy addresses or networks: then the headers count only on requests that
    come from one of them, and the client is the nearest address that is not a
    proxy. Raises ConfigError.
    """
    setting = setting.strip()
    if setting in ("", "0"):
        return app
    if setting.isascii() and setting.isdigit():  # not '²', which int() refuses
        hops = int(setting)
        # Each proxy appends to X-Forwarded-For; the nearest one sets the others.
        fixed: WsgiApp = ProxyFix(app, x_for=hops, x_proto=1, x_host=1, x_port=1, x_prefix=1)
        return fixed
    try:
        networks = [ipaddress.ip_network(part.strip(), strict=False)
                    for part in setting.split(",") if part.strip()]  # fmt: skip
    except ValueError as error:
        raise ConfigError(f"trusted_proxies: {error}") from None
    return _TrustedProxies(app, networks)


class _TrustedProxies:
    def __init__(self, app: WsgiApp, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]):
        self.app, self.networks = app, networks
        self._fixes: dict[int, WsgiApp] = {}

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not self.trusted(environ.get("REMOTE_ADDR", "")):
            return self.app(environ, start_response)
        chain = [a for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        hops = 1
        for address in reversed(chain[1:]):
            if not self.trusted(address):
                break
            hops += 1
        fix = self._fixes.get(hops)
        if fix is None:
            fix = self._fixes[hops] = ProxyFix(self.app, x_for=hops, x_proto=1, x_host=1,
                                               x_port=1, x_prefix=1)  # fmt: skip
        return fix(environ, start_response)


# -- logs -----------------------------------------------------------------------------------


_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(fmt: str) -> None:
    """`json`: masterywiki's logs (with one line per request) as JSON on stderr."""
    if fmt not in ("text", "json"):
        raise ConfigError(f"log_format must be 'text' or 'json', not {fmt!r}")
    if fmt != "json":
        return
    logger = logging.getLogger("masterywiki")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
