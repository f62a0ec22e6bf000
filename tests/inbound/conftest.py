"""A real IMAP server for the inbound email tests: Debian's dovecot-imapd, run in the foreground
with its own configuration in a temporary directory, on a free port of 127.0.0.1, with one
passwd-file user and a maildir in that directory. Locally the tests skip when dovecot is not
installed; under CI=true they fail."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.helpers import free_port, wait_until
from tests.jobs.conftest import (  # noqa: F401  (fixtures the reliability test uses)
    celery_factory,
    clean_redis,
    redis_url,
    service_missing,
    smtp_sink,
)

MAILBOX_USER = "log@coalition.example.org"
MAILBOX_PASSWORD = "imap-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None
    )


class Dovecot:
    def __init__(self, binary: str, root: Path):
        self.binary, self.root, self.port = binary, root, free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if os.geteuid() == 0:  # as root, the accounts Debian's package made for it
            internal, login = "dovecot", "dovenull"
        else:  # as anyone else, everything runs as that user
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
        account = pwd.getpwnam(internal)
        (self.root / "home").mkdir(parents=True)
        os.chown(self.root / "home", account.pw_uid, account.pw_gid)
        os.chmod(self.root, 0o755)
        (self.root / "passwd").write_text(f"{MAILBOX_USER}:{{PLAIN}}{MAILBOX_PASSWORD}\n")
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                internal=internal,
                internal_group=internal,
                login=login,
                mail_uid=account.pw_uid,
                mail_gid=account.pw_gid,
                port=self.port,
            )
        )
        self.proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=open(self.root / "stdout.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(self.answers, 20, "dovecot to accept IMAP connections")
        except TimeoutError:
            self.stop()
            pytest.fail("dovecot did not start:\n" + self.log())

    def log(self) -> str:
        return "".join(
            p.read_text(errors="replace")
            for p in (self.root / "stdout.log", self.root / "dovecot.log")
            if p.exists()
        )

    def answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("dovecot exited:\n" + self.log())
        try:
            self.client().logout()
        except OSError:
            return False
        return True

    def client(self):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(MAILBOX_USER, MAILBOX_PASSWORD)
        return client

    def deliver(self, *messages, folder: str = "INBOX") -> None:
        """Put messages in the mailbox as the mail server would (unseen)."""
        client = self.client()
        try:
            for message in messages:
                client.append(folder, bytes(message))
        finally:
            client.logout()

    def empty(self) -> None:
        client = self.client()
        try:
            for folder in [f[2] for f in client.list_folders()]:
                client.select_folder(folder)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
        finally:
            client.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return len(client.search(["UNSEEN"]))
        finally:
            client.logout()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def dovecot_server():
    binary = dovecot_binary()
    if binary is None:
        service_missing("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's own temporary directory: that one is private to this user, and
    # dovecot's processes run as its own accounts.
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    os.chmod(root, 0o755)
    server = Dovecot(binary, root / "root")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot_server, app, monkeypatch):
    """The mailbox, empty, with the app pointed at it (settings restored afterwards)."""
    dovecot_server.empty()
    settings = {
        "INBOUND_IMAP_HOST": "127.0.0.1",
        "INBOUND_IMAP_PORT": dovecot_server.port,
        "INBOUND_IMAP_SSL": False,
        "INBOUND_IMAP_USER": MAILBOX_USER,
        "INBOUND_IMAP_PASSWORD": MAILBOX_PASSWORD,
        "INBOUND_IMAP_FOLDER": "INBOX",
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return dovecot_server
