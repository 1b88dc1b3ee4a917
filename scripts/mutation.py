"""Mutation testing of the domain rules with mutmut 3, one services module at a time (SQLite).

Usage (through scripts/mutation, which provides the venv):
    scripts/mutation                 every module below, in order
    scripts/mutation permissions sla only those modules

Each module runs in its own scratch copy of the project, .mutation/<module>/ (git-ignored):
the copy's pyproject.toml gets `only_mutate` (that module) and the test files that cover it
(`pytest_add_cli_args_test_selection`), so one run mutates one module and runs only its tests.
mutmut keeps its results in .mutation/<module>/mutants/; each run retests every mutant of the module
(mutmut 3.8 retests the mutants it is given by name). Retest some by name in the copy, or run the
rest in one pytest session with scripts/mutation_session.py. Inspect a survivor with
    cd .mutation/<module> && python -m mutmut show <mutant name>
Not part of .ci/run: a module takes minutes to hours on two cores.
"""
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"

# services module -> the test files that exercise it (the rest of the suite is not run).
TESTS = {
    "permissions": [
        "test_scope_prefix.py", "test_permission_errors.py", "test_permission_defaults.py", "test_orgs.py",
        "test_members.py", "test_sla.py", "test_staff_accounts.py", "test_dashboard.py", "test_exports.py",
        "test_audit.py",
    ],
    "idempotency": [
        "test_idempotency.py", "test_idempotency_users.py", "test_idempotency_claims.py", "test_idempotency_edges.py",
        "test_worker_jobs.py",
    ],
    "sla": ["test_sla.py", "test_sla_edges.py"],
    "ledger": [
        "test_ledger.py", "test_ledger_queue.py", "test_ledger_answers.py", "test_ledger_confirmations.py",
        "test_members.py",
    ],
    "checkins": [
        "test_checkins.py", "test_geofence_edge.py", "test_scope_prefix.py", "test_ledger.py", "test_checkins_scan.py",
        "test_checkins_visits.py", "test_checkins_staff.py",
    ],
    "stations": [
        "test_stations.py", "test_stations_nearest.py", "test_stations_directory.py", "test_stations_checklist.py",
        "test_stations_wxacode.py", "test_positions.py", "test_wxacode.py", "test_offers_near.py", "test_checkins.py",
        "test_geofence_edge.py",
    ],
    "notifications": [
        "test_notifications.py", "test_worker.py", "test_outbox_retry.py", "test_worker_messages.py",
        "test_notifications_inbox.py", "test_notifications_grants.py", "test_notifications_relay.py",
        "test_notifications_delivery.py", "test_worker_batches.py",
    ],
    "contacts": [
        "test_contacts.py", "test_contacts_limits.py", "test_thread_access.py", "test_contact_reports.py",
        "test_home.py", "test_content_security.py", "test_contacts_errors.py", "test_contacts_rules.py",
        "test_list_statements.py",
    ],
    "matching": ["test_matching.py", "test_matching_rules.py", "test_requests.py", "test_request_rules.py"],
    "requests": [
        "test_requests.py", "test_requests_transitions.py", "test_requests_concurrency.py", "test_sla.py",
        "test_request_rules.py", "test_request_visibility.py", "test_providers.py", "test_service_models.py",
        "test_requests_errors.py", "test_requests_notices.py", "test_requests_rounds.py", "test_requests_queue.py",
        "test_request_cost.py", "test_requests_races.py",
    ],
}


def project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: what the copy needs, without caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


def refresh_copy(module: str) -> Path:
    """Bring .mutation/<module>/ up to date with the work tree, keeping its mutants/ results."""
    copy = SCRATCH / module
    copy.mkdir(parents=True, exist_ok=True)
    wanted = set(project_files())
    for name in wanted:
        source, target = ROOT / name, copy / name
        if not target.exists() or source.read_bytes() != target.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for path in copy.rglob("*"):
        relative = path.relative_to(copy).as_posix()
        if path.is_file() and not relative.startswith("mutants/") and relative not in wanted:
            path.unlink()
    selection = ", ".join(f'"tests/{name}"' for name in TESTS[module])
    pyproject = (ROOT / "pyproject.toml").read_text()
    header = "[tool.mutmut]\n"
    if header not in pyproject:
        raise SystemExit("pyproject.toml lost its [tool.mutmut] table")
    (copy / "pyproject.toml").write_text(pyproject.replace(
        header,
        f'{header}only_mutate = ["services/{module}.py"]\npytest_add_cli_args_test_selection = [{selection}]\n',
    ))
    return copy


def statuses(copy: Path) -> Counter:
    listed = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=copy, check=True, capture_output=True, text=True,
    ).stdout
    return Counter(line.rsplit(": ", 1)[1].strip() for line in listed.splitlines() if ": " in line)


def run(module: str) -> Counter:
    copy = refresh_copy(module)
    env = {**os.environ, "LINLI_TEST_DATABASE": "sqlite"}
    jobs = os.environ.get("MUTATION_JOBS", "1")
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", jobs, f"services.{module}.*"],
        cwd=copy, env=env, check=False,
    )
    return statuses(copy)


def main(argv: list[str]) -> int:
    modules = argv or list(TESTS)
    unknown = [name for name in modules if name not in TESTS]
    if unknown:
        print(f"unknown module(s): {', '.join(unknown)}; known: {', '.join(TESTS)}", file=sys.stderr)
        return 2
    report = []
    for module in modules:
        counts = run(module)
        total = sum(counts.values())
        killed = counts["killed"] + counts["timeout"]
        score = f"{100 * killed / total:.1f}%" if total else "n/a"
        report.append(f"services/{module}.py: {killed}/{total} killed ({score}); {dict(counts)}")
        print(report[-1], flush=True)
    print("\n".join(["", "summary:", *report]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
