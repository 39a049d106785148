#!/bin/sh
# Installs Vigil's optional video extra (vPDQ) for the test run.
#
# vpdq compiles against FFmpeg's development libraries, which pip cannot provide. On Debian as
# root (a CI machine, a fresh laptop under sudo) we install them from Debian's packages, the
# same way the browser tests install Chromium; anywhere else we say what is missing and the
# vPDQ tests report themselves skipped. Usage: scripts/install_video.sh PIP_INSTALL_COMMAND...
set -u
LIBS="libavcodec-dev libavformat-dev libavdevice-dev libavfilter-dev libavutil-dev libswscale-dev libswresample-dev pkg-config"

if ! pkg-config --exists libavcodec libavformat libswscale 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing FFmpeg development libraries for vPDQ (apt-get)"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $LIBS >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $LIBS >/dev/null 2>&1; }
    fi
fi

if pkg-config --exists libavcodec libavformat libswscale 2>/dev/null; then
    "$@" -e '.[test,train-core,video]' \
        || echo "vPDQ did not build; the video tests will report themselves skipped." >&2
else
    echo "vPDQ not installed: FFmpeg development libraries missing (Debian: apt-get install $LIBS)." >&2
    echo "The video tests will report themselves skipped." >&2
fi
