"""A real Dovecot IMAP server for tests: a private instance on localhost, all state in a temp dir.

Dovecot must be installed (`apt-get install dovecot-imapd`; CI does it). A missing Dovecot fails
the tests that need it: they are never skipped.
"""
from __future__ import annotations

import getpass
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

USER, PASSWORD = "leads", "inbox-password"


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
                                             if os.access(p, os.X_OK)), None)
    if not found:
        pytest.fail("Dovecot is not installed: run `apt-get install -y dovecot-imapd` (CI installs it)")
    return found


class Dovecot:
    def __init__(self, port: int, *, capabilities: str | None = None) -> None:
        self.binary = dovecot_binary()
        self.port = port
        self.capabilities = capabilities
        # Dovecot's unprivileged processes must reach these files: a world-readable temp root.
        self.root = Path(tempfile.mkdtemp(prefix="crmbot-dovecot-"))
        self.root.chmod(0o755)
        self.process: subprocess.Popen | None = None

    def _config(self) -> Path:
        r = self.root
        for d in ("run", "state", "mail"):
            (r / d).mkdir(exist_ok=True)
        (r / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.geteuid() == 0:
            # Dovecot refuses to run mail processes as root: the mail belongs to nobody.
            mail_user = pwd.getpwnam("nobody")
            os.chown(r / "mail", mail_user.pw_uid, mail_user.pw_gid)
            users = ""
        else:
            mail_user = pwd.getpwuid(os.getuid())
            me = getpass.getuser()
            users = f"default_internal_user = {me}\ndefault_login_user = {me}\ndefault_internal_group = {mail_user.pw_name}\n"
        capability = f"imap_capability = {self.capabilities}\n" if self.capabilities else ""
        conf = r / "dovecot.conf"
        conf.write_text(f"""
base_dir = {r}/run
state_dir = {r}/state
instance_name = crmbot-test-{self.port}
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{r}/mail/%u
{users}{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={r}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
        return conf

    def start(self) -> None:
        conf = self._config()
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode(errors='replace')}"
                                   f"{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def client(self):  # noqa: ANN201
        from imapclient import IMAPClient

        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        c.login(USER, PASSWORD)
        return c

    def append(self, raws: list[bytes], folder: str = "INBOX") -> None:
        c = self.client()
        try:
            for raw in raws:
                c.append(folder, raw)
        finally:
            c.logout()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
