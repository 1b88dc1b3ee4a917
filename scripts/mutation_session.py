"""Run mutmut's mutants of one module in a single pytest session (tests/MUTATION.md, "One session").

mutmut 3 starts a fresh pytest session per mutant; here each session sets up Redis, the WeChat
sandbox and the schema, which on a loaded two-core machine costs most of a mutant's minute. This
runs the very mutants mutmut generated in `.mutation/<module>/mutants/`, with mutmut's own switch
(`MUTANT_UNDER_TEST`, read by the trampoline on every call) and its test mapping
(`mutmut-stats.json`: the tests covering each function, fastest first, stopping at the first
failure), in one session set up once: twenty mutants a minute instead of one.

    scripts/mutation requests                # mutmut generates the mutants and the stats (stop it
                                             # once it is testing mutants, or let it run)
    python scripts/mutation_session.py requests [--functions accept,cancel] [--all]

Without --all only the mutants mutmut has not decided (or timed out) are run. Results are appended to
`.mutation/<module>/session.jsonl` (a rerun continues where the last stopped), and the tally per
function combines them with mutmut's own verdicts. The same tests without any mutant run first and
last; a failure there stops the run (a broken session would kill every mutant).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

ROOT = Path(__file__).resolve().parent.parent
NO_MUTANT = "no-mutant"
# Verdicts run again without --all. mutmut's timeouts too: its limit comes from the tests' own run
# time, which a fresh session's set-up on a loaded machine exceeds without any hang.
UNDECIDED = ("not checked", "timeout")


def _function(mutant: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", mutant.rsplit(".", 1)[1])[2:]


def _failure(reports) -> str | None:
    for report in reports:
        if report.failed:
            lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
            return f"{report.nodeid} [{report.when}] " + " | ".join(lines[-3:])[-400:]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """The plugin's part: the plan's mutants, each through its tests until one fails."""
    plan = json.loads(Path(os.environ["MUTATION_SESSION_PLAN"]).read_text())
    results = Path(os.environ["MUTATION_SESSION_OUT"])
    items = {item.nodeid: item for item in session.items}
    first_module = session.items[0].getparent(pytest.Module)
    elsewhere = next(item for item in session.items if item.getparent(pytest.Module) is not first_module)

    def run(item):
        # Naming an item of another module as the next one tears down the item's function and module
        # fixtures; the session's (Redis, the sandbox, the app) stay up.
        item._initrequest()
        following = elsewhere if item.getparent(pytest.Module) is first_module else session.items[0]
        return runtestprotocol(item, log=False, nextitem=following)

    def verdict(mutant: str, tests: list[str]) -> dict:
        os.environ["MUTANT_UNDER_TEST"] = "" if mutant == NO_MUTANT else mutant
        started, ran = time.monotonic(), 0
        try:
            for nodeid in tests:
                if nodeid in items:
                    ran += 1
                    failure = _failure(run(items[nodeid]))
                    if failure:
                        return {"mutant": mutant, "status": "killed", "tests_run": ran, "why": failure,
                                "seconds": round(time.monotonic() - started, 2)}
            return {"mutant": mutant, "status": "survived" if ran else "no tests", "tests_run": ran,
                    "seconds": round(time.monotonic() - started, 2)}
        finally:
            os.environ["MUTANT_UNDER_TEST"] = ""

    every_test = sorted({nodeid for _name, tests in plan for nodeid in tests})
    with results.open("a") as out:
        for name, tests in [(NO_MUTANT, every_test), *plan, (NO_MUTANT, every_test)]:
            result = verdict(name, tests)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
            if name == NO_MUTANT and result["status"] != "survived":
                raise SystemExit(f"the tests fail without any mutant, so no verdict holds: {result['why']}")
    return True


def _meta(module: str) -> dict[str, int | None]:
    mutants = ROOT / ".mutation" / module / "mutants"
    return json.loads((mutants / "services" / f"{module}.py.meta").read_text())["exit_code_by_key"]


def _decided(module: str) -> dict[str, str]:
    """Each mutant's verdict: this runner's latest, else mutmut's own ("not checked" for neither)."""
    from mutmut.__main__ import status_by_exit_code

    verdicts = {name: status_by_exit_code[code] for name, code in _meta(module).items()}
    results = ROOT / ".mutation" / module / "session.jsonl"
    if results.exists():
        for line in results.read_text().splitlines():
            result = json.loads(line)
            if result["mutant"] in verdicts:
                verdicts[result["mutant"]] = result["status"]
    return verdicts


def tally(module: str) -> None:
    by_function = defaultdict(Counter)
    for name, status in _decided(module).items():
        by_function[_function(name)][status] += 1
    total = Counter()
    for function, counts in sorted(by_function.items(), key=lambda pair: -sum(pair[1].values())):
        total.update(counts)
        print(f"{function:28s} {sum(counts.values()):4d}  " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    checked = sum(total.values()) - total["not checked"]
    print(f"all: {dict(total)}; killed {total['killed']}/{sum(total.values())}"
          + (f" ({100 * total['killed'] / sum(total.values()):.1f} %)" if total else ""))
    if checked < sum(total.values()):
        print(f"{sum(total.values()) - checked} not checked yet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module")
    parser.add_argument("--functions", help="only the mutants of these functions (comma-separated)")
    parser.add_argument("--all", action="store_true", help="mutants mutmut already decided too")
    parser.add_argument("--tally", action="store_true", help="only print the counts per function")
    args = parser.parse_args()
    if args.tally:
        tally(args.module)
        return
    copy = ROOT / ".mutation" / args.module
    stats = json.loads((copy / "mutants" / "mutmut-stats.json").read_text())
    durations, covering = stats["duration_by_test"], stats["tests_by_mangled_function_name"]
    functions = set(args.functions.split(",")) if args.functions else None
    decided = _decided(args.module)

    def tests_of(name):
        covering_tests = covering.get(f"services.{args.module}.x_{_function(name)}", [])
        return sorted(covering_tests, key=lambda test: durations.get(test, 0))

    plan = [
        [name, tests_of(name)]
        for name in _meta(args.module)
        if (functions is None or _function(name) in functions) and (args.all or decided[name] in UNDECIDED)
    ]
    plan_path = copy / "session-plan.json"
    plan_path.write_text(json.dumps(plan))
    files = sorted({nodeid.split("::")[0] for _name, tests in plan for nodeid in tests})
    print(f"{len(plan)} mutants, tests from {len(files)} files")
    if plan:
        env = {**os.environ, "LINLI_TEST_DATABASE": "sqlite", "MUTATION_SESSION_PLAN": str(plan_path),
               "MUTATION_SESSION_OUT": str(copy / "session.jsonl"),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])}
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mutation_session",
                        *files], cwd=copy / "mutants", env=env, check=False)
    tally(args.module)


if __name__ == "__main__":
    main()
