"""A PostgreSQL cluster in a directory that outlives one command: generated once, served by every load run.

Started as the `postgres` user when run as root (initdb and pg_ctl refuse root), on 127.0.0.1 only,
with the test helpers' settings (fsync and synchronous_commit off: a throwaway benchmark cluster).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fixtures.services import free_port, postgres_bin_dir  # noqa: E402

DATABASE = "linli_city"
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
    "-c shared_buffers=256MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c checkpoint_timeout=30min"
)


class CityCluster:
    def __init__(self, directory: Path):
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise SystemExit("no PostgreSQL found (scripts/test installs it)")
        self.bin_dir = bin_dir
        self.directory = directory
        self.data = directory / "pgdata"
        self.log_path = directory / "postgresql.log"
        # The port is chosen when the cluster is made and kept beside it, so several clusters can coexist.
        self.port_file = directory / "port"
        self.port = int(self.port_file.read_text()) if self.port_file.exists() else free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def libpq_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _pg(self, program: str, *args: str, as_owner: bool = True) -> None:
        command = (self.as_user if as_owner else []) + [str(self.bin_dir / program), *args]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def create(self) -> None:
        """A fresh cluster (an existing one in the directory is removed) with an empty database."""
        if self.data.exists():
            self.stop()
            shutil.rmtree(self.data)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port_file.write_text(str(self.port))
        if self.as_user:
            shutil.chown(self.directory, user="postgres", group="postgres")
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--encoding=UTF8",
                 "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE, as_owner=False)

    def exists(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def running(self) -> bool:
        command = self.as_user + [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    def start(self) -> None:
        if self.running():
            return
        try:
            self._start()
        except subprocess.CalledProcessError:
            # Another program took the port meanwhile (ports are shared with every test run on the machine).
            self.port = free_port()
            self.port_file.write_text(str(self.port))
            self._start()

    def _start(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "120",
                 "-o", f"-k {self.directory} -h 127.0.0.1 -p {self.port} {SERVER_OPTIONS}", "start")

    def stop(self) -> None:
        if self.exists() and self.running():
            self._pg("pg_ctl", "-D", str(self.data), "stop", "-m", "fast", "-w")
