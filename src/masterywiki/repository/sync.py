"""Git sync: keeping this server's repository in step with a central remote. No Flask.

Every server is a clone; the central remote is where they meet. After each local
commit a background thread pushes (never forced). When the remote moved on, the
push is refused: the thread fetches, merges the other side's commits under the
write lock (see `treemerge`: pages three-way, comment logs by union) and pushes
again. A remote that is down only delays pushing: commits stay local and are
pushed once it answers. A periodic fetch and the webhook bring other servers'
commits in; the wiki and search index follow HEAD from the git diff by themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from masterywiki.errors import RepositoryBusy, RepositoryWriteError, WikiError
from masterywiki.git import remote as gitremote
from masterywiki.git.remote import RemoteUnavailable
from masterywiki.git.storage import GitStorage
from masterywiki.repository import treemerge
from masterywiki.support.background import BackgroundThread

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12  # push attempts in one round while other servers keep pushing first
FIRST_BACKOFF = 0.5  # seconds before retrying after a failed round; doubles up to the cap


class WebhookRefused(WikiError):
    status = 403
    title = "Webhook refused"


class WebhookUnsigned(WikiError):
    status = 401
    title = "Webhook not signed"


def redact(text: str) -> str:
    """`text` without the credentials a URL may carry (`https://user:token@host`):
    errors end up in logs and in the public `/-/healthz`."""
    return re.sub(r"([a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1***@", text, flags=re.I)


def tracking_ref(branch: str) -> str:
    return f"refs/remotes/origin/{branch}"


def normalize_remote(url: str) -> str:
    """A local path made absolute (git runs inside the repository folder)."""
    if url and "://" not in url and not _is_scp_like(url) and os.path.exists(url):
        return os.path.abspath(url)
    return url


def _is_scp_like(url: str) -> bool:
    head = url.split("/", 1)[0]
    return ":" in head and not os.path.exists(url)


@dataclass(frozen=True)
class SyncStatus:
    head: str | None
    remote_head: str | None
    ahead: int
    behind: int
    last_error: str | None
    last_push: float | None  # time.time() of this process's last push
    last_fetch: float | None

    @property
    def pending(self) -> bool:
        return self.ahead > 0


Counter = Callable[[str], None]
Listener = Callable[[str | None, str], None]


@dataclass(frozen=True)
class SideBranches:
    """Branches that travel with the main one (`proposals/<id>`): fetched, merged
    when two servers both added commits (files as `treemerge` does, the message from
    `merge_message(ours, theirs)`), and pushed."""

    prefix: str  # e.g. "proposals/"
    merge_message: Callable[[str, str], str]

    @property
    def local(self) -> str:
        return f"refs/heads/{self.prefix}"

    @property
    def tracking(self) -> str:
        return f"refs/remotes/origin/{self.prefix}"


class Sync:
    """Push, fetch and merge for one repository; safe to share between threads.

    The processes of one server (gunicorn workers) each run one; a file lock
    makes their rounds take turns, and the write lock keeps saves out of merges.
    """

    def __init__(
        self,
        storage: GitStorage,
        url: str,
        branch: str = "main",
        fetch_interval: float = 60.0,
        *,
        count: Counter | None = None,
        max_backoff: float = 60.0,
        side: SideBranches | None = None,
        tags: str = "",
    ) -> None:
        self.storage = storage
        self.url = normalize_remote(url)
        self.branch = branch
        self.fetch_interval = fetch_interval
        self.max_backoff = max_backoff
        self.tracking = tracking_ref(branch)
        self.side = side
        self.tags = tags  # e.g. "release/": tags under it travel too, never moved
        self.on_change: list[Listener] = []  # called after other servers' work came in
        self._count = count or (lambda _name: None)
        self._wake = threading.Event()
        self._want_fetch = True
        self._failures = 0
        self._worker = BackgroundThread(self._run, "git-sync", wake=self._wake)
        self.last_error: str | None = None
        self.last_push: float | None = None
        self.last_fetch: float | None = None

    # -- the background thread -------------------------------------------------------

    def start(self) -> None:
        """Start (or, in a forked child such as a gunicorn worker, restart) the thread;
        its first round fetches at once."""
        self._worker.start(prepare=self._fetch_first)

    def _fetch_first(self) -> None:
        self._want_fetch = True
        self._wake.set()

    def push_soon(self) -> None:
        """Ask the thread for a round (after a local commit); returns at once."""
        self.start()
        self._wake.set()

    def pull_soon(self) -> None:
        """Ask the thread to fetch and merge now (a webhook), even while backing off."""
        self._want_fetch = True
        self.push_soon()

    def close(self, timeout: float = 10.0) -> None:
        self._worker.stop(timeout)

    def _run(self) -> None:
        next_try = 0.0
        while not self._worker.stopped.is_set():
            timeout = self.fetch_interval if self.fetch_interval > 0 else None
            if self._failures:
                timeout = max(0.0, next_try - time.monotonic())
            woke = self._wake.wait(timeout)
            if self._worker.stopped.is_set():
                return
            if woke and self._failures and time.monotonic() < next_try and not self._want_fetch:
                self._wake.clear()  # a save while the remote is down waits for the
                continue  # backoff: the retry round pushes it along with the rest
            self._wake.clear()
            fetch = self._want_fetch or not woke or self._failures > 0
            self._want_fetch = False
            try:
                self.sync_now(fetch=fetch)
            except Exception as error:
                if not isinstance(error, RemoteUnavailable | RepositoryBusy | RepositoryWriteError):
                    self._failures += 1  # counted by sync_now for the expected ones
                    log.exception("git sync failed")
                delay = min(self.max_backoff, FIRST_BACKOFF * 2 ** min(self._failures, 16))
                next_try = time.monotonic() + delay * (0.5 + random.random() / 2)

    # -- one round ---------------------------------------------------------------------

    def sync_now(self, fetch: bool = True) -> None:
        """Bring this repository and the remote together: fetch (when `fetch`) and
        merge, then push until the remote has our commits. Waits while another
        process of this server is in a round. Raises RemoteUnavailable."""
        try:
            with gitremote.remote_lock(self.storage):
                self._round(fetch)
                if self.side is not None:
                    self._side_round(self.side, fetch)
                if self.tags:
                    self._tag_round(self.tags, fetch)
        except (RemoteUnavailable, RepositoryBusy, RepositoryWriteError) as error:
            self._failures += 1
            self.last_error = redact(error.message)
            self._count("sync_failures")
            log.warning("git sync with %s failed: %s", redact(self.url), self.last_error,
                        extra={"event": "sync_failed", "remote": redact(self.url)})  # fmt: skip
            raise
        self._failures = 0
        self.last_error = None

    def _round(self, fetch: bool) -> None:
        for _attempt in range(MAX_ATTEMPTS):
            if fetch:
                self._fetch_and_merge()
            head, remote = self.storage.head(), self.storage.ref(self.tracking)
            if head is None or head == remote:
                return
            if remote is not None and not self.storage.is_ancestor(remote, head):
                fetch = True  # the remote has commits we have not merged yet
                continue
            try:
                pushed = gitremote.push(self.storage, self.url, self.branch, head)
            except RemoteUnavailable:
                self._count("push_failures")
                raise
            if pushed:
                self.storage.set_ref(self.tracking, head)
                self.last_push = time.time()
                self._count("pushes")
                log.info("pushed %s to %s", head[:10], redact(self.url),
                         extra={"event": "push", "commit": head})  # fmt: skip
                return
            self._count("push_rejections")
            fetch = True
        raise RemoteUnavailable(
            f"the central repository kept moving; tried {MAX_ATTEMPTS} times to push"
        )

    def _fetch_and_merge(self) -> None:
        tip = gitremote.fetch(self.storage, self.url, self.branch, self.tracking)
        self.last_fetch = time.time()
        self._count("fetches")
        if tip is None:
            return  # the remote has no such branch yet: our push creates it
        with self.storage.write_lock():
            head = self.storage.head()
            if head == tip or (head is not None and self.storage.is_ancestor(tip, head)):
                return
            if head is None or self.storage.is_ancestor(head, tip):
                self.storage.set_ref(self.storage.branch(), tip, head)
                new = tip
            else:
                plan = treemerge.plan(self.storage, head, tip)
                new = self.storage.commit_merge(plan.changes, plan.message(tip), head, tip)
                self._count("merges")
                if plan.conflicts:
                    self._count("conflicts")
                    paths = list(plan.conflicts)
                    log.warning("sync conflict kept for an editor in %s", ", ".join(paths),
                                extra={"event": "sync_conflict", "paths": paths})  # fmt: skip
        log.info("brought in %s from %s", tip[:10], redact(self.url),
                 extra={"event": "pull", "commit": new})  # fmt: skip
        for listener in list(self.on_change):
            try:
                listener(head, new)
            except Exception:
                log.exception("sync listener failed")

    # -- side branches -----------------------------------------------------------------

    def _side_round(self, side: SideBranches, fetch: bool) -> None:
        """Bring the side branches and the remote's together: take what only the remote
        has, merge where both moved, push what only we have."""
        for _attempt in range(MAX_ATTEMPTS):
            if fetch:
                gitremote.fetch_branches(self.storage, self.url, side.prefix, side.tracking)
            ours = {t.ref.removeprefix(side.local): t for t in self.storage.ref_tips(side.local)}
            theirs = {
                t.ref.removeprefix(side.tracking): t for t in self.storage.ref_tips(side.tracking)
            }
            to_push: dict[str, str] = {}
            for name in sorted(ours.keys() | theirs.keys()):
                local, remote = ours.get(name), theirs.get(name)
                ref = side.local + name
                if remote is not None and local is None:
                    self._move(ref, remote.commit, None)
                elif local is None or (remote is not None and local.commit == remote.commit):
                    continue
                elif remote is None or self.storage.is_ancestor(remote.commit, local.commit):
                    to_push[ref] = local.commit
                elif self.storage.is_ancestor(local.commit, remote.commit):
                    self._move(ref, remote.commit, local.commit)
                else:
                    plan = treemerge.plan(self.storage, local.commit, remote.commit)
                    message = side.merge_message(local.message, remote.message)
                    to_push[ref] = self.storage.commit_merge(
                        plan.changes, message, local.commit, remote.commit, ref
                    )
            refused = gitremote.push_refs(self.storage, self.url, to_push)
            for ref, commit in to_push.items():
                if ref not in refused:
                    self.storage.set_ref(side.tracking + ref.removeprefix(side.local), commit)
            if not refused:
                return
            fetch = True
        raise RemoteUnavailable(f"the central repository's {side.prefix} branches kept moving")

    def _tag_round(self, prefix: str, fetch: bool) -> None:
        """Tags under `prefix` (releases) go both ways and never move: a tag only the
        remote has is made here, one only we have is pushed; two different tags of
        one name keep each side's own, and the clash is logged."""
        local, tracking = f"refs/tags/{prefix}", f"refs/remotes/origin/tags/{prefix}"
        if fetch:
            gitremote.fetch_refs(self.storage, self.url, f"+{local}*:{tracking}*")
        ours = self.storage.refs_under(local)
        theirs = self.storage.refs_under(tracking)
        for ref, target in theirs.items():
            mine = local + ref.removeprefix(tracking)
            if mine not in ours:
                self._move(mine, target, None)
            elif ours[mine] != target:
                log.warning("release tag %s differs from the central repository's; kept", mine)
        to_push = {ref: tag for ref, tag in ours.items() if tracking + ref.removeprefix(local)
                   not in theirs}  # fmt: skip
        refused = gitremote.push_refs(self.storage, self.url, to_push)
        for ref, tag in to_push.items():
            if ref not in refused:
                self.storage.set_ref(tracking + ref.removeprefix(local), tag)

    def _move(self, ref: str, new: str, old: str | None) -> None:
        """A side branch takes the remote's commits; a local change made meanwhile
        keeps it where it is until the next round merges."""
        try:
            self.storage.set_ref(ref, new, old or "0" * 40)
        except RepositoryBusy:
            log.info("%s moved during sync; merged next round", ref)

    # -- state ---------------------------------------------------------------------------

    def pending(self) -> bool:
        """Whether HEAD has commits the remote has not (two small file reads)."""
        head = self.storage.head()
        return head is not None and head != self.storage.ref(self.tracking)

    def status(self) -> SyncStatus:
        head, remote = self.storage.head(), self.storage.ref(self.tracking)
        ahead = behind = 0
        if head and remote:
            ahead, behind = self.storage.ahead_behind(head, remote)
        elif head:
            ahead = self.storage.count_commits(None, head)  # never pushed yet
        return SyncStatus(head, remote, ahead, behind, self.last_error, self.last_push,
                          self.last_fetch)  # fmt: skip


# -- webhooks ---------------------------------------------------------------------------


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Accept a push notification signed with the shared `secret`: GitHub's (and
    Gitea's) HMAC-SHA256 of the body, or GitLab's token header.
    Raises WebhookUnsigned when no signature is sent, WebhookRefused when it is wrong."""
    if not secret:
        raise WebhookRefused("This wiki has no webhook_secret set, so it accepts no webhooks.")
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sent = {name.lower(): value for name, value in headers.items()}
    github = sent.get("x-hub-signature-256")
    gitea = sent.get("x-gitea-signature")
    gitlab = sent.get("x-gitlab-token")
    if github is not None:
        ok = hmac.compare_digest(github.strip().encode(), f"sha256={digest}".encode())
    elif gitea is not None:
        ok = hmac.compare_digest(gitea.strip().encode(), digest.encode())
    elif gitlab is not None:
        ok = hmac.compare_digest(gitlab.encode(), secret.encode())
    else:
        raise WebhookUnsigned(
            "Send the X-Hub-Signature-256 (GitHub, Gitea) or X-Gitlab-Token header."
        )
    if not ok:
        raise WebhookRefused("The webhook signature does not match this wiki's webhook_secret.")
