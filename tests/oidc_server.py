"""A real OpenID Connect provider for tests: npm's oidc-provider, run with node.

    provider = OidcServer.start(tmp_path, users={"ada": {...claims...}})
    provider.issuer                      # http://127.0.0.1:PORT
    provider.sign_in(authorization_url, "ada") -> the wiki callback URL the provider sends
    provider.set_users({...})            # change (or remove) users upstream
    provider.stop()

Tests skip without node or the npm package, and fail instead under
MASTERYWIKI_REQUIRE_SIGNIN=1 (set by .ci/run), like the PostgreSQL tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.live_server import stop_process

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider"
REQUIRE_ENV = "MASTERYWIKI_REQUIRE_SIGNIN"
CLIENT_ID = "masterywiki-test"
CLIENT_SECRET = "test-client-secret-that-is-long-enough-0123456789"
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def require(reason: str | None) -> None:
    """Skip (or fail under MASTERYWIKI_REQUIRE_SIGNIN=1) when `reason` says what is missing."""
    if reason is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def require_node() -> str:
    node = shutil.which("node")
    require(None if node else "node is not installed (apt-get install nodejs)")
    require(None if PACKAGE.exists() else "oidc-provider is missing: run `npm install`")
    assert node
    return node


@dataclass
class OidcServer:
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, folder: Path, users: dict[str, dict[str, Any]]) -> OidcServer:
        node = require_node()
        log = folder / "oidc-provider.log"
        config = {"users": users, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
        with log.open("wb") as errors:
            process = subprocess.Popen(
                [node, str(SCRIPT)], stdout=subprocess.PIPE, stderr=errors,
                stdin=subprocess.DEVNULL, env=env, cwd=ROOT,
            )  # fmt: skip
        assert process.stdout is not None
        line = process.stdout.readline()  # the script prints its issuer once it listens
        if not line:
            process.wait(timeout=10)
            pytest.fail(f"oidc-provider did not start:\n{log.read_text()}")
        return cls(json.loads(line)["issuer"], process, log)

    def settings(self, **more: Any) -> dict[str, Any]:
        """Wiki settings that use this provider."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Test School",
            **more,
        }

    def set_users(self, users: dict[str, dict[str, Any]]) -> None:
        requests.post(f"{self.issuer}/test/users", json=users, timeout=5).raise_for_status()

    def sign_in(self, authorization_url: str, login: str) -> str:
        """Go through the provider's login as `login` (a plain HTTP client, like a
        browser without script); returns the URL it sends the browser back to."""
        with requests.Session() as browser:
            url = authorization_url
            for _ in range(10):
                answer = browser.get(url, allow_redirects=False, timeout=5)
                if answer.is_redirect:
                    url = urljoin(url, answer.headers["Location"])
                    if "/-/login/oidc/callback" in url:
                        return url
                    continue
                action = FORM_ACTION.search(answer.text)
                assert action, f"no login form at {url}: {answer.status_code} {answer.text[:300]}"
                posted = browser.post(
                    urljoin(url, unescape(action.group(1))), data={"login": login},
                    allow_redirects=False, timeout=5,
                )  # fmt: skip
                if not posted.is_redirect:
                    raise AssertionError(f"the provider refused {login}: {posted.text[:300]}")
                url = urljoin(url, posted.headers["Location"])
            raise AssertionError("the provider never sent the browser back")

    def stop(self) -> None:
        stop_process(self.process)
        if self.process.stdout:
            self.process.stdout.close()
