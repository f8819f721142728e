"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, loopback, free port.

Runs the server binaries as the ``postgres`` user when the tests run as root (PostgreSQL refuses
to run as root). ``find_bindir()`` returns None when the binaries are absent: tests then skip.
Set ``NARRASCOPE_PG_BINDIR`` to point at the binaries explicitly.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    env = os.environ.get("NARRASCOPE_PG_BINDIR")
    candidates = [env] if env else []
    if shutil.which("pg_config"):
        try:
            candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)  # Debian layout
    for w in ("initdb", "pg_ctl"):
        p = shutil.which(w)
        if p:
            candidates.append(str(Path(p).resolve().parent))
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as pg: pg.url(dbname)`` -- started on enter, destroyed on exit."""

    user = "narrascope"

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.tmp = Path(tempfile.mkdtemp(prefix="narrascope-pg-"))
        self.data = self.tmp / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run the server as") from None
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
            runuser = shutil.which("runuser")
            self._as = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]

    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        if self._as and self._as[0] == "su":
            import shlex

            cmd = self._as + [" ".join(shlex.quote(a) for a in args)]
        else:
            cmd = self._as + args
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(self.tmp))

    def start(self) -> "PostgresServer":
        r = self._run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                       "-E", "UTF8", "--no-locale", "--no-sync"])
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr.strip() or r.stdout.strip()}")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        r = self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.tmp / "log"),
                       "-w", "-t", "60", "start"])
        if r.returncode != 0:
            log = (self.tmp / "log").read_text(errors="replace") if (self.tmp / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log[-2000:]}")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_schema(self, name: str, dbname: str = "postgres") -> str:
        """A fresh, empty schema; the returned URL puts it first on the search path (fast isolation)."""
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{name}"')
        return self.url(dbname) + f"?options=-csearch_path%3D{name}"

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"], timeout=60)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
