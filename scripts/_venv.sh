# shellcheck shell=bash
# Sourced by scripts/test and scripts/run (not executed): shared setup of the Python
# environment and of system packages, so both commands work on a fresh Debian machine.
#
#   linli_ensure_venv [EXTRAS]   .venv exists and holds `pip install -e '.[EXTRAS]'`
#   linli_apt_install PKG...     apt-get update + install (as root, or through sudo)

LINLI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LINLI_VENV="$LINLI_ROOT/.venv"

linli_say() { printf '==> %s\n' "$*" >&2; }
linli_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# apt needs root; CI runs as root, a developer may have sudo.
linli_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        linli_die "root is needed to run: $* (run as root or install sudo)"
    fi
}

linli_apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || linli_die "missing system packages ($*) and no apt-get to install them; install them by hand"
    linli_say "installing system packages: $*"
    linli_as_root apt-get update -qq || linli_die "apt-get update failed"
    linli_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
        || linli_die "apt-get install $* failed"
}

linli_python() {
    # The project needs 3.11+; prefer an explicit python3.11 when several are installed.
    local candidate
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    linli_die "Python 3.11 or newer is required (none found on PATH)"
}

linli_create_venv() {
    local python
    python="$(linli_python)" || exit 1
    linli_say "creating .venv with $("$python" -V 2>&1)"
    if ! "$python" -m venv "$LINLI_VENV" 2>/dev/null; then
        # Debian's python3 ships without ensurepip until python3-venv is installed.
        rm -rf "$LINLI_VENV"
        local minor
        minor="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')" || exit 1
        linli_apt_install "python${minor}-venv"
        "$python" -m venv "$LINLI_VENV" || linli_die "could not create .venv"
    fi
}

# A stamp per extras set, holding a hash of everything the install depends on: pip is
# skipped (it costs seconds even when nothing changes) unless pyproject.toml, the repo's
# location (the editable install points at it) or the interpreter changed.
linli_install_key() {
    {
        cat "$LINLI_ROOT/pyproject.toml"
        echo "$LINLI_ROOT"
        "$LINLI_VENV/bin/python" -VV
    } | sha256sum | cut -d' ' -f1
}

linli_stamp_fresh() {  # stamp-name key
    local stamp="$LINLI_VENV/.linli-installed-$1"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$2" ]
}

linli_ensure_venv() {
    local extras="${1:-}" spec="." name="base" key
    if [ -n "$extras" ]; then
        spec=".[$extras]"
        name="$extras"
    fi
    if [ ! -x "$LINLI_VENV/bin/python" ]; then
        linli_create_venv
    fi
    key="$(linli_install_key)" || linli_die "could not hash pyproject.toml"
    if linli_stamp_fresh "$name" "$key"; then
        return 0
    fi
    # The test extras include every base dependency, so a fresh test install serves `run` too.
    if [ "$name" = base ] && linli_stamp_fresh test "$key"; then
        return 0
    fi
    linli_say "installing Python dependencies: pip install -e '$spec' (pyproject.toml changed or first run)"
    # pip's build backend prints harmless warnings even with --quiet: keep its output in a
    # log and show it only when the install fails.
    local log="$LINLI_VENV/.linli-pip.log"
    if ! (cd "$LINLI_ROOT" && "$LINLI_VENV/bin/python" -m pip install --quiet \
        --disable-pip-version-check -e "$spec") >"$log" 2>&1; then
        cat "$log" >&2
        linli_die "pip install -e '$spec' failed (output above, also in $log)"
    fi
    # Written only after a successful install, so a failed one is retried next time.
    echo "$key" >"$LINLI_VENV/.linli-installed-$name"
}
