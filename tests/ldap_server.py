"""A real OpenLDAP for tests: Debian's slapd, started on free ports of 127.0.0.1 with a
temporary config and database, seeded with people and groups, TLS by a self-signed
certificate made here (plain `ldap://` with StartTLS, and `ldaps://`).

    directory = LdapServer.start(tmp_path)
    directory.url, directory.ldaps_url, directory.ca_file
    directory.set_members("cn=teachers,ou=groups,dc=school,dc=test", ["uid=ada,..."])
    directory.stop()

Tests skip without slapd, and fail instead under MASTERYWIKI_REQUIRE_SIGNIN=1.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.live_server import stop_process
from tests.oidc_server import require

SUFFIX = "dc=school,dc=test"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "admin-secret"
SERVICE_DN, SERVICE_PASSWORD = f"cn=wiki,ou=services,{SUFFIX}", "service-secret"
PEOPLE, GROUPS = f"ou=people,{SUFFIX}", f"ou=groups,{SUFFIX}"
TEACHERS, IT = f"cn=teachers,{GROUPS}", f"cn=it,{GROUPS}"
# uid -> (display name, mail, password)
PEOPLE_SEED = {
    "ada": ("Ada Lovelace", "ada@school.test", "ada-password"),
    "ben": ("Ben Franklin", "ben@school.test", "ben-password"),
    "cleo": ("Cleo Patra", "cleo@school.test", "cleo-password"),
}
MEMBERS_SEED = {TEACHERS: ["ada", "ben"], IT: ["ada"]}
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")


def slapd_binary() -> str:
    found = shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else "")
    require(None if found else "slapd is not installed (apt-get install slapd)")
    return found


def person_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def seed_ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: school\no: School",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: person\ncn: wiki\nsn: wiki\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for uid, (name, mail, password) in PEOPLE_SEED.items():
        entries.append(
            f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
            f"sn: {name.split()[-1]}\ndisplayName: {name}\nmail: {mail}\nuserPassword: {password}"
        )
    for group, members in MEMBERS_SEED.items():
        cn = group.split(",")[0].removeprefix("cn=")
        lines = "\n".join(f"member: {person_dn(uid)}" for uid in members)
        entries.append(f"dn: {group}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}")
    return "\n\n".join(entries) + "\n"


def slapd_config(folder: Path, cert: Path, key: Path) -> str:
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    return f"""{includes}
pidfile {folder / "slapd.pid"}
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile {cert}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {folder / "db"}
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


@dataclass
class LdapServer:
    url: str  # ldap://127.0.0.1:PORT (StartTLS offered)
    ldaps_url: str
    ca_file: Path
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, folder: Path) -> LdapServer:
        slapd = slapd_binary()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "db").mkdir()
        cert, key = make_certificate(folder)
        conf = folder / "slapd.conf"
        conf.write_text(slapd_config(folder, cert, key))
        (folder / "seed.ldif").write_text(seed_ldif())
        slapadd = str(Path(slapd).with_name("slapadd"))
        subprocess.run(
            [slapadd, "-f", str(conf), "-l", str(folder / "seed.ldif")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        port, secure_port = _free_port(), _free_port()
        urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{secure_port}/"
        log = folder / "slapd.log"
        with log.open("wb") as out:
            # -d keeps it in the foreground (so the test owns the process); 'none' logs little
            process = subprocess.Popen(
                [slapd, "-f", str(conf), "-h", urls, "-d", "none"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        server = cls(
            f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{secure_port}", cert, process, log
        )
        deadline = time.monotonic() + 20
        while not all(_answers(p) for p in (port, secure_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"slapd did not start:\n{log.read_text()}")
            time.sleep(0.05)
        return server

    def admin(self) -> Any:
        """An ldap3 connection bound as the directory's admin (to change it upstream)."""
        from ldap3 import Connection, Server

        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)

    def set_members(self, group: str, uids: list[str]) -> None:
        from ldap3 import MODIFY_REPLACE

        connection = self.admin()
        members = [person_dn(uid) for uid in uids] or [ADMIN_DN]  # groupOfNames needs one
        assert connection.modify(group, {"member": [(MODIFY_REPLACE, members)]})
        connection.unbind()

    def add_person(self, uid: str, name: str, password: str) -> None:
        connection = self.admin()
        attributes = {"uid": uid, "cn": name, "sn": name, "mail": f"{uid}@school.test",
                      "userPassword": password}  # fmt: skip
        assert connection.add(person_dn(uid), ["inetOrgPerson"], attributes)
        connection.unbind()

    def remove_person(self, uid: str) -> None:
        connection = self.admin()
        assert connection.delete(person_dn(uid))
        connection.unbind()

    def stop(self) -> None:
        stop_process(self.process)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
