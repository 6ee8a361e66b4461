# Shared set-up for jobrun's scripts: find Swift, install missing Debian packages. Source it; do not run it.

# Puts Swift on PATH (it lives in /opt/swift on our machines) or stops with advice.
require_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: Swift 6 is not installed (looked on PATH and in /opt/swift); install it from swift.org" >&2
        exit 1
    fi
}

# Installs the given Debian packages when any is missing (runs apt-get update once per call).
require_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing ${missing[*]} ..." >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# Everything jobrun needs to build.
require_build_dependencies() {
    require_swift
    require_packages libzmq3-dev
}
