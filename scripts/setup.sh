#!/usr/bin/env bash
# scripts/setup.sh: make this machine ready for dockbench's tests and bundled suites.
#
# On a fresh Debian bookworm machine (root, no container registry, only the machine's Debian
# package mirror, Rust's crate registry and the Python package index reachable) this:
#   1. makes sure a Docker engine answers: installs docker.io and starts dockerd in the
#      background when `docker info` fails (when DOCKER_HOST is set it fails clearly
#      instead of starting a local daemon);
#   2. installs the Debian packages it needs to build base images (busybox-static, debootstrap);
#   3. makes the local base images with `docker import` (nothing can be pulled here):
#        dockbench/busybox:latest     tiny fixtures (sh, httpd, nc, dd, sleep, ...)
#        dockbench/python:3.11-slim   a stand-in for the official python:3.x-slim image
#        dockbench/postgres:15        PostgreSQL 15 from Debian's packages, run like the official
#                                     image (POSTGRES_USER/PASSWORD/DB, initdb on first start)
#        dockbench/redis:7            Redis from Debian's packages
#      (the last two are built on the Python base, a Debian bookworm root, for the compose
#      stack suite scenarios/stack; each has a HEALTHCHECK.)
#      Each carries the labels dockbench=1, dockbench.role=base and dockbench.base-version=N;
#      an image whose version label matches is left alone. scripts/check-images.sh checks,
#      with the network, the Dockerfile patterns the suites rely on.
#
# Idempotent and quiet when there is nothing to do; says what it does otherwise (on stderr).
# Usage: scripts/setup.sh [--force] [--verify]
#   --force    rebuild both base images even when they are up to date
#   --verify   run the images' smoke checks even when nothing was rebuilt
# Package hosts come from the machine's configuration (scripts/lib/mirrors.sh; see what it finds
# with `bash scripts/lib/mirrors.sh show`): the Debian archive and its security archive from apt's
# sources (else debootstrap's default), pip's index from pip's configuration (else pip's default).
# Environment:
#   DOCKBENCH_DEBIAN_MIRROR    Debian archive for debootstrap and the image's apt sources
#   DOCKBENCH_DEBIAN_SECURITY_MIRROR   its security archive (default: apt's, or the archive's
#                              sibling .../debian-security)
#   DOCKBENCH_PIP_INDEX_URL    index for the image's pip upgrade (default: pip's configuration)
#   DOCKBENCH_SETUP_PREFIX     repository prefix of the images (default dockbench; another one
#                              makes a second set, e.g. to try the from-scratch path)
#   DOCKBENCH_SETUP_TIMEOUT    seconds to wait for a started dockerd (default 60)
set -euo pipefail

# Bump a version whenever its recipe changes: images with another version get rebuilt.
readonly PREFIX=${DOCKBENCH_SETUP_PREFIX:-dockbench}
readonly BUSYBOX_IMAGE=$PREFIX/busybox:latest
readonly BUSYBOX_RECIPE=1
readonly PYTHON_IMAGE=$PREFIX/python:3.11-slim
readonly PYTHON_RECIPE=5
# pip as the official python:slim images have it: a current release in /usr/local (Debian's
# pip 23.0 resolves a pinned FastAPI stack in ~7.5 s where this one takes ~3.3 s).
readonly PIP_VERSION=26.3
readonly POSTGRES_IMAGE=$PREFIX/postgres:15
readonly POSTGRES_RECIPE=1
readonly REDIS_IMAGE=$PREFIX/redis:7
readonly REDIS_RECIPE=1
# After changing a recipe, also run scripts/check-images.sh (network checks of the Dockerfile
# patterns the suites use: pip --prefix + COPY, apt-get in a build, non-root users, ...).

readonly DOCKERD_LOG=/var/log/dockbench-dockerd.log
readonly DOCKERD_TIMEOUT=${DOCKBENCH_SETUP_TIMEOUT:-60}
readonly HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

FORCE=0
VERIFY=0
for arg in "$@"; do
  case $arg in
    --force) FORCE=1 ;;
    --verify) VERIFY=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=lib/wait-dockerd.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/wait-dockerd.sh"
# shellcheck source=lib/mirrors.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/mirrors.sh"
readonly SUITE=$DEBIAN_SUITE

require_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 needs root (run this script as root)"
}

# Run a command quietly; on failure show the tail of its output and stop.
quietly() {
  local what=$1 out rc=0; shift
  out=$(mktemp)
  "$@" >"$out" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$out" >&2
    rm -f "$out"
    die "$what failed (exit $rc): $*"
  fi
  rm -f "$out"
}

# ---------------------------------------------------------------------------------------------
# One setup at a time: tests, CI and engineers may call this concurrently.
LOCK=/tmp/dockbench-setup.lock
exec 9>>"$LOCK"
if ! flock -n 9; then
  log "waiting for another setup.sh to finish (lock $LOCK)"
  flock 9
fi

# ---------------------------------------------------------------------------------------------
# Debian packages: apt-get update at most once per run, and only when something is missing.
APT_UPDATED=0
apt_install() {
  local pkg missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  require_root "installing ${missing[*]}"
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    quietly "apt-get update" apt-get -o DPkg::Lock::Timeout=300 update
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  quietly "apt-get install" apt-get -o DPkg::Lock::Timeout=300 install -y "${missing[@]}"
}

# ---------------------------------------------------------------------------------------------
# Docker engine.
docker_answers() { timeout 30 docker info >/dev/null 2>&1; }

ensure_docker() {
  # Debian's docker.io brings both the CLI and the engine.
  command -v docker >/dev/null 2>&1 || apt_install docker.io
  docker_answers && return 0
  if [[ -n ${DOCKER_HOST:-} ]]; then
    timeout 20 docker info 2>&1 >/dev/null | sed 's/^/  /' >&2 || true
    die "DOCKER_HOST=$DOCKER_HOST is set but no Docker engine answers there; not starting a local daemon (unset DOCKER_HOST to use or start the local one)"
  fi
  if [[ $(id -u) -ne 0 && -S /var/run/docker.sock ]]; then
    die "the Docker engine at /var/run/docker.sock does not answer for $(id -un) (not in the docker group?)"
  fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  require_root "starting dockerd"

  # A dockerd that is already running (perhaps still starting) is waited for, not doubled.
  local pid=""
  if [[ -s /var/run/docker.pid ]]; then
    pid=$(cat /var/run/docker.pid)
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
      log "dockerd (pid $pid) is running but does not answer yet; waiting"
    else
      pid=""
    fi
  fi
  if [[ -z $pid ]]; then
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # fd 9 is our lock: the daemon must not keep it.
    setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
  fi

  local waited
  wait_for_dockerd "$pid" "$DOCKERD_LOG" "$DOCKERD_TIMEOUT" docker_answers
  log "dockerd answers after ${waited}s"
}

# ---------------------------------------------------------------------------------------------
# Base images.
label_of() { # image label -> value ("" when the image or label is missing)
  docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# Drop the image a rebuild replaced, when it was one of ours and nothing uses it any more.
drop_replaced() { # old-id new-image
  local old=$1 new
  new=$(image_id "$2")
  [[ -n $old && $old != "$new" ]] || return 0
  [[ $(docker image inspect -f '{{ index .Config.Labels "dockbench.role" }}' "$old" 2>/dev/null) == base ]] || return 0
  docker image rm "$old" >/dev/null 2>&1 || log "kept the replaced image $old (still in use)"
}

# Temporary build directories, removed on exit.
TMPDIRS=()
cleanup() {
  local d
  for d in "${TMPDIRS[@]}"; do
    # (nothing is mounted in them: the chroot steps need no /proc)
    if [[ -d $d ]]; then rm -rf --one-file-system "$d"; fi
  done
}
trap cleanup EXIT

# Smoke checks: a container per check, always removed (--rm).
smoke() { # image description shell-command
  local out rc=0
  out=$(docker run --rm --network none --entrypoint "" "$1" sh -c "$3" 2>&1) || rc=$?
  if [[ $rc -ne 0 ]]; then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "$1: smoke check failed: $2"
  fi
}

# --- dockbench/busybox:latest ---------------------------------------------------------------
build_busybox() {
  apt_install busybox-static
  local tmp root applet t
  tmp=$(mktemp -d /var/tmp/dockbench-busybox.XXXXXX); TMPDIRS+=("$tmp")
  root=$tmp/root
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,var/www,dev,proc,sys}
  install -d -m 1777 "$root/tmp" "$root/var/tmp"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  # Every applet in /bin (like the official busybox image) and at its usual path too, so
  # `#!/usr/bin/env sh` works. `busybox --list` includes busybox itself: never link over it.
  while read -r applet; do
    [[ $applet == busybox ]] && continue
    ln -sf /bin/busybox "$root/bin/$applet"
  done < <("$root/bin/busybox" --list)
  while read -r t; do
    [[ $t == */busybox || -e $root/$t || -L $root/$t ]] && continue
    ln -s /bin/busybox "$root/$t"
  done < <("$root/bin/busybox" --list-full)
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
  chmod 0640 "$root/etc/shadow"
  : >"$root/etc/hosts"; : >"$root/etc/hostname"; : >"$root/etc/resolv.conf"

  log "importing $BUSYBOX_IMAGE"
  tar -C "$root" --numeric-owner -cf - . | docker import \
    --change "LABEL dockbench=1 dockbench.role=base dockbench.base-version=$BUSYBOX_RECIPE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' \
    --message "dockbench base image (scripts/setup.sh, recipe $BUSYBOX_RECIPE)" \
    - "$BUSYBOX_IMAGE" >/dev/null
}

verify_busybox() {
  smoke "$BUSYBOX_IMAGE" "dd, httpd, nc, sleep, env" \
    'dd if=/dev/zero of=/x bs=1M count=1 2>/dev/null && [ "$(wc -c </x)" = 1048576 ] &&
     httpd --help 2>&1 | grep -q Usage && nc --help 2>&1 | grep -qi usage && sleep 0.1 &&
     /usr/bin/env true && id nobody >/dev/null'
}

# --- dockbench/python:3.11-slim -------------------------------------------------------------
PYTHON_CA_SHA=""
host_ca_sha() {
  if [[ -f $HOST_CA_BUNDLE ]]; then sha256sum "$HOST_CA_BUNDLE" | cut -c1-16; else echo none; fi
}

# The sysconfig/site hook that gives Debian's python3 the python:slim install layout.
# It goes to /usr/lib/python3/dist-packages/_dockbench_layout.py, loaded by a .pth file.
write_layout_hook() { # root
  cat >"$1/usr/lib/python3/dist-packages/_dockbench_layout.py" <<'EOF'
"""Give Debian's python3 the install layout of the official python:3.x-slim image.

Written by dockbench's scripts/setup.sh and loaded at start-up by 00-dockbench-layout.pth.

Why: Debian's python3 (prefix /usr) installs with its own "posix_local" scheme, so that
    pip install X                   -> /usr/local/lib/python3.11/dist-packages, /usr/local/bin
    pip install --prefix=/install X -> /install/local/lib/python3.11/dist-packages, /install/local/bin
and `COPY --from=builder /install /usr/local` would land in /usr/local/local/..., which is on
neither sys.path nor PATH. The official image (prefix /usr/local) gives
    pip install X                   -> /usr/local/lib/python3.X/site-packages, /usr/local/bin
    pip install --prefix=/install X -> /install/lib/python3.X/site-packages, /install/bin

What this does, outside virtual environments (a venv keeps its own, unpatched layout):
  * sysconfig.get_paths() answers for "posix_local" with the upstream "posix_prefix" layout,
    rooted at /usr/local for plain installs (--root re-roots that) and at the given prefix for --prefix
    installs. pip (Debian's and any upgraded one) takes its install paths from there.
  * /usr/local/lib/python3.11/site-packages goes on sys.path with site.addsitedir (so .pth
    files there, e.g. editable installs, work), ahead of Debian's dist-packages directories,
    and site.getsitepackages() lists it (pip's build isolation relies on that list).
Debian's own /usr/local/lib/python3.11/dist-packages stays importable.
"""
import os
import site
import sys
import sysconfig

SITE_PACKAGES = "/usr/local/lib/python%d.%d/site-packages" % sys.version_info[:2]
_LOCAL_KEYS = ("purelib", "platlib", "scripts", "data")


def _add_site_packages():
    if SITE_PACKAGES in sys.path:
        return
    before = list(sys.path)
    site.addsitedir(SITE_PACKAGES)
    added = [p for p in sys.path if p not in before]
    rest = [p for p in sys.path if p not in added]
    debian_local = SITE_PACKAGES.replace("site-packages", "dist-packages")
    at = rest.index(debian_local) if debian_local in rest else len(rest)
    sys.path[:] = rest[:at] + added + rest[at:]


def _patch_sysconfig():
    original = sysconfig.get_paths

    def get_paths(scheme=None, vars=None, expand=True):
        if scheme is None:
            scheme = sysconfig.get_default_scheme()
        if scheme != "posix_local":
            return original(scheme, vars, expand)
        if vars and "base" in vars:
            # an explicit prefix (pip --prefix, --root): upstream layout under it
            return original("posix_prefix", vars, expand)
        # a plain install: Debian's paths, with the install targets of a /usr/local python
        paths = original("posix_local", vars, expand)
        local = original("posix_prefix", {"base": "/usr/local", "platbase": "/usr/local"}, expand)
        for key in _LOCAL_KEYS:
            paths[key] = local[key]
        return paths

    get_paths.__doc__ = original.__doc__
    get_paths._dockbench = True
    sysconfig.get_paths = get_paths

    original_getsitepackages = site.getsitepackages

    def getsitepackages(prefixes=None):
        paths = original_getsitepackages(prefixes)
        if prefixes is None and SITE_PACKAGES not in paths:
            paths.insert(0, SITE_PACKAGES)
        return paths

    site.getsitepackages = getsitepackages


def _install():
    _add_site_packages()
    in_venv = sys.prefix != sys.base_prefix or hasattr(sys, "real_prefix")
    if not in_venv and not getattr(sysconfig.get_paths, "_dockbench", False):
        _patch_sysconfig()


_install()
EOF
  printf 'import _dockbench_layout\n' >"$1/usr/lib/python3/dist-packages/00-dockbench-layout.pth"
}

build_python() {
  apt_install debootstrap
  local tmp root started py_version found mirror security pip_index
  started=$SECONDS
  tmp=$(mktemp -d /var/tmp/dockbench-python.XXXXXX); TMPDIRS+=("$tmp")
  root=$tmp/root

  # The machine's own package hosts (scripts/lib/mirrors.sh), asked after debootstrap is
  # installed: its default is the answer on a machine whose apt sources are not Debian's.
  found=$(debian_mirror_with_origin) || die "no Debian mirror found (see above)"
  mirror=${found%% *}
  log "Debian mirror $mirror (from ${found#* })"
  found=$(debian_security_mirror_with_origin) || die "no Debian security mirror found (see above)"
  security=${found%% *}
  log "Debian security mirror $security (from ${found#* })"
  pip_index=$(pip_index_url)
  [[ -z $pip_index ]] || log "pip index $pip_index (from the machine's pip configuration)"

  log "debootstrap --variant=minbase $SUITE ($mirror); takes a minute or two"
  quietly debootstrap debootstrap --variant=minbase "$SUITE" "$root" "$mirror"
  log "debootstrap done in $((SECONDS - started))s"

  # Like debian:bookworm-slim: no docs, man pages or translations; no apt caches in layers.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# as in debian:*-slim images
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # The same sources as the official images, on the machine's mirrors.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # No services start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"

  # An https mirror: minbase has no CA store yet, so the chroot's apt trusts what the host's
  # apt trusts (a copy in /tmp, which is emptied below); the image gets its own CAs later.
  local apt_get=(apt-get)
  if [[ $mirror == https:* || $security == https:* ]]; then
    cp "$HOST_CA_BUNDLE" "$root/tmp/host-ca.crt"
    apt_get+=(-o Acquire::https::CAInfo=/tmp/host-ca.crt)
  fi

  log "installing python3, pip, venv into the image root"
  local step=$SECONDS
  quietly "apt-get update (image)" chroot "$root" "${apt_get[@]}" update
  quietly "apt-get upgrade (image)" chroot "$root" "${apt_get[@]}" -y upgrade
  # python:slim has ca-certificates, netbase and tzdata; adduser is there for Dockerfiles that
  # make users (useradd/groupadd come with minbase's passwd).
  quietly "apt-get install (image)" chroot "$root" "${apt_get[@]}" install -y --no-install-recommends \
    python3 python3-pip python3-venv python3-gdbm python-is-python3 ca-certificates netbase \
    tzdata adduser

  log "packages installed in $((SECONDS - step))s"

  # The machine reaches PyPI through a TLS-intercepting proxy whose CA only the host's bundle
  # has. Every certificate of the host bundle that the image's Debian bundle lacks becomes a
  # local CA of the image (/usr/local/share/ca-certificates), so it stays in
  # /etc/ssl/certs/ca-certificates.crt whenever update-ca-certificates runs again.
  if [[ -f $HOST_CA_BUNDLE ]]; then
    local extra=$root/usr/local/share/ca-certificates
    mkdir -p "$extra"
    awk -v dir="$extra" -v known="$root/etc/ssl/certs/ca-certificates.crt" '
      BEGIN {
        while ((getline line < known) > 0) {
          if (line ~ /BEGIN CERTIFICATE/) { body = "" }
          else if (line ~ /END CERTIFICATE/) { have[body] = 1 }
          else { gsub(/[ \t\r]/, "", line); body = body line }
        }
      }
      /BEGIN CERTIFICATE/ { pem = $0 "\n"; body = ""; next }
      /END CERTIFICATE/ {
        pem = pem $0 "\n"
        if (!(body in have)) { n++; f = sprintf("%s/dockbench-host-ca-%02d.crt", dir, n); printf "%s", pem > f; close(f) }
        pem = ""; next
      }
      pem != "" { pem = pem $0 "\n"; line = $0; gsub(/[ \t\r]/, "", line); body = body line }
    ' "$HOST_CA_BUNDLE"
    quietly "update-ca-certificates (image)" chroot "$root" update-ca-certificates
  fi

  # pip as root without PEP 668 complaints, as in python:slim (PIP_BREAK_SYSTEM_PACKAGES below
  # covers a marker that a later apt upgrade of python3.11 brings back).
  rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
  py_version=$(chroot "$root" python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
  mkdir -p "$root/usr/local/lib/python${py_version%.*}/site-packages"
  # python:slim has Python's C headers, so `apt-get install gcc` + `pip install` of a package
  # with C extensions works there. python3-dev would cost ~60 MB (libc6-dev, a static
  # libpython, ...); the headers alone are ~1.4 MB. They come unowned from libpython3.X-dev
  # (a later `apt-get install python3-dev` simply takes them over).
  chroot "$root" sh -c "cd /tmp && ${apt_get[*]} download -q libpython${py_version%.*}-dev" >/dev/null 2>&1 ||
    die "apt-get download libpython${py_version%.*}-dev failed (image)"
  dpkg-deb --fsys-tarfile "$root"/tmp/libpython*-dev_*.deb |
    tar -x -C "$root" --wildcards './usr/include/*'
  rm -f "$root"/tmp/libpython*-dev_*.deb
  write_layout_hook "$root"
  # The official image installs a current pip into /usr/local; so does this one (the layout
  # hook sends a plain install there). Debian's pip, which only bootstrapped it, then goes: the
  # official image has one pip, and every file in the image costs time in every build step on
  # top of it (a step's diff walks the whole tree on the fuse-overlayfs engine we measured:
  # ~0.1 ms a file, so Debian's 985-file pip added ~0.1 s to each step). setuptools and wheel
  # stay, as python:3.11-slim has them.
  # The machine's pip index, when it has one configured; else none, and pip uses its default.
  local index_env=()
  [[ -z $pip_index ]] || index_env=("PIP_INDEX_URL=$pip_index")
  quietly "pip install pip==$PIP_VERSION (image)" chroot "$root" env \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_BREAK_SYSTEM_PACKAGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "${index_env[@]}" \
    python3 -m pip install --no-cache-dir --no-warn-script-location "pip==$PIP_VERSION"
  quietly "apt-get purge python3-pip (image)" chroot "$root" apt-get purge -y python3-pip
  # python:slim's interpreter lives in /usr/local/bin, and Dockerfiles name it so
  # (CMD ["/usr/local/bin/python", ...], shebangs). pip is left alone: an upgraded pip writes
  # its own /usr/local/bin/pip.
  local name
  for name in python python3 "python${py_version%.*}"; do
    ln -sfn "/usr/bin/python${py_version%.*}" "$root/usr/local/bin/$name"
  done

  # Small, like the official image: no apt lists, caches or logs.
  chroot "$root" apt-get clean
  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/var/log/apt/* "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.cache
  mkdir -p "$root/var/lib/apt/lists/partial"
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  : >"$root/etc/hosts"; : >"$root/etc/hostname"; : >"$root/etc/resolv.conf"

  local cert=/etc/ssl/certs/ca-certificates.crt
  log "importing $PYTHON_IMAGE (root $(du -sh --one-file-system "$root" | cut -f1))"
  tar -C "$root" --numeric-owner -cf - . | docker import \
    --change "LABEL dockbench=1 dockbench.role=base dockbench.base-version=$PYTHON_RECIPE dockbench.host-ca=$PYTHON_CA_SHA" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PYTHONUNBUFFERED=1' \
    --change "ENV PYTHON_VERSION=$py_version" \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change "ENV PIP_CERT=$cert" \
    --change "ENV SSL_CERT_FILE=$cert" \
    --change "ENV REQUESTS_CA_BUNDLE=$cert" \
    --change 'CMD ["python3"]' \
    --message "dockbench base image (scripts/setup.sh, recipe $PYTHON_RECIPE)" \
    - "$PYTHON_IMAGE" >/dev/null
  log "made $PYTHON_IMAGE in $((SECONDS - started))s"
}

verify_python() {
  # Offline checks: commands, layout, users. (The network checks are in scripts/check-images.sh.)
  smoke "$PYTHON_IMAGE" "python, pip, venv, layout, users" '
    set -e
    python --version >/dev/null && python3 --version >/dev/null
    /usr/local/bin/python -c "import sys; assert sys.prefix == \"/usr\""
    pip --version | grep -q "^pip '"$PIP_VERSION"' from /usr/local/lib/python3.11/site-packages/pip"
    pip3 --version | grep -q "^pip '"$PIP_VERSION"' " && python -m pip --version | grep -q "^pip '"$PIP_VERSION"' "
    python -c "import ssl, sqlite3, venv, ensurepip, zlib, json"
    python -m venv --without-pip /tmp/venv && /tmp/venv/bin/python -c "import sys; assert sys.prefix == \"/tmp/venv\""
    want=/usr/local/lib/python3.11/site-packages
    python -c "import sys, sysconfig; assert sys.path.index(\"$want\") < sys.path.index(\"/usr/lib/python3/dist-packages\"); assert sysconfig.get_paths()[\"purelib\"] == \"$want\", sysconfig.get_paths()"
    test -s "$PIP_CERT"
    useradd -m app && adduser --disabled-password --gecos "" app2 >/dev/null && id app && id app2
  ' >/dev/null
}

# --- dockbench/postgres:15 and dockbench/redis:7 -------------------------------------------
# Built with `docker build` on the Python base (Debian bookworm with its apt sources), so that
# they need no second debootstrap. The build context is a temp folder with the entrypoint.
build_on_base() { # image recipe dockerfile-text [file name text]...
  local image=$1 recipe=$2 dockerfile=$3 tmp
  shift 3
  tmp=$(mktemp -d /var/tmp/dockbench-image.XXXXXX); TMPDIRS+=("$tmp")
  printf '%s\n' "$dockerfile" >"$tmp/Dockerfile"
  while [[ $# -ge 2 ]]; do printf '%s\n' "$2" >"$tmp/$1"; chmod 0755 "$tmp/$1"; shift 2; done
  log "building $image (apt-get in a build; takes a minute)"
  quietly "docker build $image" docker build --label dockbench=1 --label dockbench.role=base \
    --label "dockbench.base-version=$recipe" -t "$image" "$tmp"
}

# Like the official image's docker-entrypoint.sh, in short: as root, make the data folder
# postgres's and drop to it; on an empty folder, initdb with POSTGRES_USER and
# POSTGRES_PASSWORD and create POSTGRES_DB (single-user mode, no temporary server); then run
# the server in the foreground, listening on every address.
readonly POSTGRES_ENTRYPOINT='#!/bin/sh
set -e
BIN=/usr/lib/postgresql/15/bin
: "${PGDATA:=/var/lib/postgresql/data}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /run/postgresql
  chown -R postgres:postgres "$PGDATA" /run/postgresql
  chmod 700 "$PGDATA"
  exec runuser -u postgres -- "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf "%s" "$POSTGRES_PASSWORD" >"$pwfile"
  "$BIN/initdb" -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '"'"'*'"'"'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | "$BIN/postgres" --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "database initialised in $PGDATA"
fi
exec "$BIN/postgres" -D "$PGDATA" "$@"'

build_postgres() {
  build_on_base "$POSTGRES_IMAGE" "$POSTGRES_RECIPE" "FROM $PYTHON_IMAGE
# No cluster at install time: the entrypoint makes one in PGDATA on first start.
RUN mkdir -p /etc/postgresql-common/createcluster.d \\
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/dockbench.conf \\
 && apt-get update && apt-get install -y --no-install-recommends postgresql-15 \\
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT [\"docker-entrypoint.sh\"]
EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=3s CMD pg_isready -q -h 127.0.0.1 -U \"\${POSTGRES_USER:-postgres}\" || exit 1
CMD []" docker-entrypoint.sh "$POSTGRES_ENTRYPOINT"
}

verify_postgres() {
  smoke "$POSTGRES_IMAGE" "postgres, initdb, pg_isready" \
    'command -v postgres >/dev/null && command -v initdb >/dev/null && command -v pg_isready >/dev/null'
}

build_redis() {
  build_on_base "$REDIS_IMAGE" "$REDIS_RECIPE" "FROM $PYTHON_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \\
 && rm -rf /var/lib/apt/lists/*
EXPOSE 6379
HEALTHCHECK --interval=5s --timeout=3s CMD redis-cli ping | grep -q PONG
# In the foreground, on every address, no persistence (a cache, as the stack uses it).
CMD [\"redis-server\", \"--bind\", \"0.0.0.0\", \"--protected-mode\", \"no\", \"--save\", \"\", \"--appendonly\", \"no\"]"
}

verify_redis() {
  smoke "$REDIS_IMAGE" "redis-server, redis-cli" 'command -v redis-server >/dev/null && command -v redis-cli >/dev/null'
}

ensure_image() { # image recipe build-fn verify-fn [extra-label value]
  local image=$1 recipe=$2 build=$3 verify=$4 label=${5:-} want=${6:-} old
  if [[ $FORCE -eq 0 && $(label_of "$image" dockbench.base-version) == "$recipe" ]] &&
     [[ -z $label || $(label_of "$image" "$label") == "$want" ]]; then
    [[ $VERIFY -eq 1 ]] && "$verify"
    return 0
  fi
  old=$(image_id "$image")
  "$build"
  "$verify"
  drop_replaced "$old" "$image"
}

# ---------------------------------------------------------------------------------------------
ensure_docker
ensure_image "$BUSYBOX_IMAGE" "$BUSYBOX_RECIPE" build_busybox verify_busybox
PYTHON_CA_SHA=$(host_ca_sha)
ensure_image "$PYTHON_IMAGE" "$PYTHON_RECIPE" build_python verify_python dockbench.host-ca "$PYTHON_CA_SHA"
ensure_image "$POSTGRES_IMAGE" "$POSTGRES_RECIPE" build_postgres verify_postgres
ensure_image "$REDIS_IMAGE" "$REDIS_RECIPE" build_redis verify_redis
