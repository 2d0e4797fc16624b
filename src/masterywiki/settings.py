"""The settings table: every setting's name, default, environment variable and help.

One table drives loading (defaults < `masterywiki.toml` < environment < explicit
values), the README's settings list (a test checks it) and the CLI options.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from masterywiki.errors import ConfigError

CONFIG_FILE = "masterywiki.toml"
SECRET_FILE = "secret_key"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "MASTERYWIKI_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("instance", "instance", "Folder for the search index, accounts, secret key, config."),
    Setting("repo", None, "Git repository of pages to serve (default: INSTANCE/wiki)."),
    Setting(
        "database_url",
        "",
        "PostgreSQL for accounts and operational data, shared by"
        " servers (`postgresql://user:pass@host/db`); empty: SQLite in the instance.",
    ),
    Setting(
        "secret_key",
        "",
        "Key that signs sessions and forms; give every server the same"
        " (default: made once in INSTANCE/secret_key).",
    ),
    Setting("site_name", "Mastery Learning Wiki", "Name shown in the header and page titles."),
    Setting("language", "en", "The wiki's own language: of pages that set no `lang`, e.g. `en`."),
    Setting("private", False, "When true, reading any page needs a login."),
    Setting("max_page_bytes", 1024 * 1024, "Largest page body accepted on save, in bytes."),
    Setting("max_comment_bytes", 20 * 1024, "Largest comment accepted, in bytes."),
    Setting("anonymous_comments", False, "When true, visitors may comment without logging in."),
    Setting("comment_rate_limit", 10, "Comments one user (or address) may post per window."),
    Setting("comment_rate_window", 600, "The comment rate limit's window, in seconds."),
    Setting("page_cache_size", 2048, "How many rendered pages each server process keeps."),
    Setting("protected_sections", "", "Sections only admins may change, e.g. `framework, index`."),
    Setting("max_attachment_bytes", 10 * 1024 * 1024, "Largest file accepted as an attachment."),
    # Several servers, one wiki: git sync with a central remote (see docs/scaling.md).
    Setting("remote", "", "Git URL of the central repository to clone, fetch and push."),
    Setting("branch", "main", "Branch of the central repository the wiki lives on."),
    Setting("fetch_interval", 60, "Seconds between fetches from the remote; 0 turns them off."),
    Setting("webhook_secret", "", "Shared secret for POST /-/hooks/git (HMAC or token)."),
    Setting("trusted_proxies", "", "Reverse proxies whose X-Forwarded-* headers to trust."),
    Setting("log_format", "text", "Log lines as `text` or `json` (one object a line)."),
    # Watchlist email notices (see notify.py); no smtp_host, no email.
    Setting("base_url", "", "The wiki's public address, for links in emails."),
    Setting("smtp_host", "", "Mail server for watchlist email notices; empty turns email off."),
    Setting("smtp_port", 587, "The mail server's port (465 means implicit TLS)."),
    Setting("smtp_starttls", True, "Whether to switch the connection to TLS with STARTTLS."),
    Setting("smtp_username", "", "Login name at the mail server (empty: no login)."),
    Setting("smtp_password", "", "Password at the mail server."),
    Setting("smtp_from", "", "The From address of notices (default: the site at base_url's host)."),
    Setting("notify_batch_seconds", 120, "Quiet seconds that end a burst of edits (one email)."),
    # Keeping the knowledge base true (stewardship/).
    Setting(
        "review_every", "", "Review period of pages that set none, e.g. `1 year`; empty: none."
    ),
    Setting("search_record_days", 180, "Days a recorded search is kept for the insights page."),
    # Signing in with the school's accounts (people/oidc.py, people/directory.py).
    Setting("password_login", True, "When false, local passwords are hidden and refused."),
    Setting("oidc_issuer", "", "OpenID Connect issuer URL; empty turns that sign-in off."),
    Setting("oidc_client_id", "", "The wiki's client ID at the OpenID Connect provider."),
    Setting(
        "oidc_client_secret", "", "The wiki's client secret there (best from the environment)."
    ),
    Setting("oidc_provider_name", "", "Name on the sign-in button (default: from the issuer)."),
    Setting("oidc_allowed_domains", "", "Email domains let in, e.g. `school.org`; empty: any."),
    Setting(
        "oidc_default_role",
        "",
        "Role of a new account (default: reader if private, else commenter).",
    ),
    Setting("oidc_roles_claim", "", "ID token claim listing groups or roles, e.g. `groups`."),
    Setting("oidc_role_map", "", "Claim value -> role, e.g. `teachers = editor; it = admin`."),
    Setting("ldap_url", "", "Directory to check logins against, `ldaps://` or `ldap://`."),
    Setting("ldap_starttls", False, "Switch an `ldap://` connection to TLS with StartTLS."),
    Setting("ldap_ca_file", "", "CA certificates that sign the directory's certificate (PEM)."),
    Setting("ldap_user_dn", "", "DN template to bind as, e.g. `uid={username},ou=people,dc=x`."),
    Setting(
        "ldap_search_base", "", "Where to search for the user's entry (instead of a template)."
    ),
    Setting(
        "ldap_search_filter",
        "(uid={username})",
        "Filter finding the entry; AD: `(sAMAccountName={username})`.",
    ),
    Setting("ldap_bind_dn", "", "Service account that searches (empty: anonymous search)."),
    Setting(
        "ldap_bind_password", "", "The service account's password (best from the environment)."
    ),
    Setting("ldap_group_base", "", "Where to search groups listing the user (else `memberOf`)."),
    Setting("ldap_role_map", "", "Group DN -> role, e.g. `cn=staff,ou=groups,dc=x = editor`."),
    Setting("ldap_default_role", "", "Role of a new directory account (default as for OpenID)."),
    Setting("signin_timeout", 10, "Seconds to wait for a sign-in provider or directory."),
)


@dataclass(frozen=True)
class Settings:
    instance: Path
    repo: Path
    database_url: str
    secret_key: str
    site_name: str
    language: str
    private: bool
    max_page_bytes: int
    max_comment_bytes: int
    anonymous_comments: bool
    comment_rate_limit: int
    comment_rate_window: int
    page_cache_size: int
    protected_sections: str
    max_attachment_bytes: int
    remote: str
    branch: str
    fetch_interval: int
    webhook_secret: str
    trusted_proxies: str
    log_format: str
    base_url: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password: str
    smtp_from: str
    notify_batch_seconds: int
    review_every: str
    search_record_days: int
    password_login: bool
    oidc_issuer: str
    oidc_client_id: str
    oidc_client_secret: str
    oidc_provider_name: str
    oidc_allowed_domains: str
    oidc_default_role: str
    oidc_roles_claim: str
    oidc_role_map: str
    ldap_url: str
    ldap_starttls: bool
    ldap_ca_file: str
    ldap_user_dn: str
    ldap_search_base: str
    ldap_search_filter: str
    ldap_bind_dn: str
    ldap_bind_password: str
    ldap_group_base: str
    ldap_role_map: str
    ldap_default_role: str
    signin_timeout: int

    @property
    def cache_dir(self) -> Path:
        return self.instance / "cache"

    def signing_key(self) -> str:
        """The `secret_key` setting, or else the instance's own key, created on first use
        and never stored in git."""
        if self.secret_key:
            return self.secret_key
        path = self.instance / SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        # Written aside, then linked into place: gunicorn workers starting at once
        # all end up with the one key, and none reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=self.instance, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text().strip()
        finally:
            os.unlink(tmp)
        return key


def _coerce(setting: Setting, value: Any) -> Any:
    kind = type(setting.default)
    if setting.default is None or isinstance(value, kind):
        return value
    text = str(value).strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
    elif kind is int and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)  # isdigit alone admits '²' and '٣', which int() refuses or misreads
    elif kind is str:
        if isinstance(value, list):  # e.g. trusted_proxies = ["10.0.0.2", "10.0.0.3"]
            return ", ".join(str(item) for item in value)
        if isinstance(value, dict):  # a role map as a TOML table: {"teachers" = "editor"}
            return "; ".join(f"{key} = {item}" for key, item in value.items())
        return text
    wanted = {int: "a whole number", bool: "true or false"}.get(kind, f"a {kind.__name__}")
    raise ConfigError(f"setting '{setting.name}' must be {wanted}, got {value!r}")


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve every setting. Raises ConfigError for unknown names or bad values."""
    environ = os.environ if environ is None else environ
    explicit = {k: v for k, v in (overrides or {}).items() if v is not None}
    known = {s.name for s in SETTINGS}
    unknown = set(explicit) - known
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")

    instance_setting = SETTINGS[0]
    instance = Path(
        explicit.get("instance") or environ.get(instance_setting.env) or instance_setting.default
    )
    from_file = _read_config(instance / CONFIG_FILE)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in explicit:
            raw = explicit[setting.name]
        elif setting.env in environ:
            raw = environ[setting.env]
        elif setting.name in from_file:
            raw = from_file[setting.name]
        else:
            raw = setting.default
        values[setting.name] = _coerce(setting, raw)
    if not re.fullmatch(r"[a-z]{2,3}(-[a-zA-Z0-9]{2,8})?", values["language"]):
        raise ConfigError(
            f"setting 'language' must be a language code such as en or es, got"
            f" {values['language']!r}"
        )
    values["instance"] = instance.resolve()
    repo = values["repo"]
    values["repo"] = Path(repo).resolve() if repo else values["instance"] / "wiki"
    names = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in names})


def _read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    unknown = set(data) - {s.name for s in SETTINGS}
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    return data
