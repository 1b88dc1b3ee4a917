"""EXPLAIN ANALYZE every statement one call of the desk's home figures or the staff queue issues, on the city.

    .venv/bin/python bench/city/explain.py [--dir DIR] [--user bench-street-0] [dashboard|staff-queue ...]

The cluster in DIR must be running (bench/city/cluster.py starts it; a load run stops it). Each statement is
captured as the app sends it (the same parameters) and run again under `EXPLAIN (ANALYZE, BUFFERS)`; the plan
and its execution time are printed, and the execution time of a run without per-node timing.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linli-city")
    parser.add_argument("--user", default="bench-street-0")
    parser.add_argument("calls", nargs="*", default=["dashboard", "staff-queue"])
    args = parser.parse_args()
    port = (args.dir / "port").read_text().strip()
    os.environ.setdefault("SECRET_KEY", "bench-explain")
    os.environ.setdefault("WECHAT_SANDBOX", "1")
    os.environ["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{port}/linli_city"

    from sqlalchemy import event, select

    from app import create_app
    from extensions import db
    from models.users import User
    from services import dashboard, requests
    from services.database import paginate

    app = create_app()
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == args.user)).scalar_one()
        org_id = user.scopes[0].org_id if user.scopes else None
        def staff_queue():
            statement, count = requests.counted_listing(user, {})
            return paginate(statement, 1, 20, count)

        calls = {"dashboard": lambda: dashboard.dashboard(user, org_id), "staff-queue": staff_queue}
        for name in args.calls:
            captured = []

            def capture(_conn, _cursor, statement, parameters, _context, _many, into=captured):
                into.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                calls[name]()
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
            cursor = db.session.connection().connection.driver_connection.cursor()
            for statement, parameters in captured:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                # Timing every plan node costs much on this machine: the total is taken again without it.
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + statement, parameters)
                plan += f"\nWithout per-node timing: {cursor.fetchall()[-1][0]}"
                print(f"=== {name} ({args.user})\n{statement}\n{parameters}\n{plan}\n")
            db.session.rollback()


if __name__ == "__main__":
    main()
