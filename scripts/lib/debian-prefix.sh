# scripts/lib/debian-prefix.sh: Debian packages of another release, fetched and unpacked into a
# folder of their own, never installed. Sourced by scripts/engines.sh after `log` and `die` exist.
#
# Why: the machine's engine is Debian's docker.io from the machine's release; installing a newer
# docker.io (or podman, which Breaks what the engine needs) over it would change that engine. So
# each release gets an apt of its own (own sources list, lists, cache and an empty dpkg status
# under PREFIX/apt), `apt-get download` fetches the named packages, and `dpkg -x` unpacks them
# into PREFIX/root. No maintainer script runs and the machine's dpkg database is not touched.
#
# prefix_install PREFIX SUITE PACKAGE... [-- PROGRAM...]
#   Makes PREFIX/root hold PACKAGEs from SUITE of the machine's Debian mirror
#   (scripts/lib/mirrors.sh). Quick and offline when PREFIX/installed already lists the same
#   packages. Each PROGRAM (a path inside the root, e.g. usr/sbin/dockerd) must then exist and
#   find its libraries (the prefix's own first): one that needs a newer glibc than the
#   machine's fails the install, and nothing is left half unpacked.
# prefix_versions PREFIX   "package version" lines of what is unpacked there

# The keyring of the machine's debian-archive-keyring package. On bookworm (2023.3+deb12u1 and
# later) it holds the trixie release keys too, which sign trixie and sid: checked here, apt
# verifies both suites' Release files with it. Nothing is fetched with [trusted=yes].
readonly DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

_prefix_apt_config() { # prefix suite mirror: writes PREFIX/apt/apt.conf and its sources list
  local apt=$1/apt suite=$2 mirror=$3
  mkdir -p "$apt/etc/apt.conf.d" "$apt/etc/preferences.d" "$apt/etc/sources.list.d" \
    "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  [[ -e $apt/status ]] || : >"$apt/status"
  echo "deb [signed-by=$DEBIAN_KEYRING] $mirror $suite main" >"$apt/etc/sources.list"
  # Every Dir of apt's that would otherwise be the machine's: its configuration parts, sources,
  # preferences, lists, cache and dpkg status. An empty status: apt's view of "installed" must
  # not be the machine's (nothing is installed; `apt-get download` ignores it anyway).
  cat >"$apt/apt.conf" <<EOF
Dir::Etc "$apt/etc/";
Dir::Etc::main "$apt/etc/apt.conf";
Dir::Etc::parts "$apt/etc/apt.conf.d/";
Dir::Etc::sourcelist "$apt/etc/sources.list";
Dir::Etc::sourceparts "$apt/etc/sources.list.d/";
Dir::Etc::preferences "$apt/etc/preferences";
Dir::Etc::preferencesparts "$apt/etc/preferences.d/";
Dir::State "$apt/";
Dir::State::lists "$apt/lists/";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache/";
Dir::Cache::archives "$apt/cache/archives/";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "$(dpkg --print-architecture)"; };
Acquire::Languages "none";
// The mirror may serve a suite's Release file after its Valid-Until date (seen here: sid's
// was 31 days past it, as the mirror keeps a snapshot). The signature is still checked; only
// the freshness is not, which a benchmark's pinned engine does not need.
Acquire::Check-Valid-Until "false";
// The download folder is root's: apt's _apt user could not write to it and would warn.
APT::Sandbox::User "root";
EOF
}

# PROGRAMs of ROOT (paths inside it) that are missing or do not find a library, as
# "program: what" lines. Only the programs the engine runs: a package may carry others built
# for its own release (trixie's tini package has a dynamic tini needing glibc 2.38 beside the
# static tini-static that docker-init is).
_prefix_missing_libs() { # root program...
  local root=$1 f libpath
  shift
  libpath=$(find "$root" -name '*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)
  for f in "$@"; do
    if [[ ! -e $root/$f ]]; then echo "/$f: missing"; continue; fi
    LD_LIBRARY_PATH=$libpath ldd "$root/$f" 2>&1 | awk -v f="/$f" '
      /=> not found/ { print f ": " $1 " not found" }
      /version .* not found/ { sub(/^[ \t]*[^ ]*: /, ""); print f ": " $0 }'
  done
}

prefix_install() { # prefix suite package...
  local prefix=$1 suite=$2 packages=() programs=()
  shift 2
  while [[ $# -gt 0 && $1 != -- ]]; do packages+=("$1"); shift; done
  [[ $# -eq 0 ]] || { shift; programs=("$@"); }
  set -- "${packages[@]}"
  local want="packages: $*" started=$SECONDS mirror apt_conf
  if [[ -f $prefix/installed && $(head -n 1 "$prefix/installed") == "$want" && -d $prefix/root ]]; then
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "install needs root (it writes $prefix)"
  [[ -r $DEBIAN_KEYRING ]] || die "no $DEBIAN_KEYRING (Debian's debian-archive-keyring package)"
  mirror=$(bash "$(dirname "${BASH_SOURCE[0]}")/mirrors.sh" debian-mirror) ||
    die "no Debian mirror found (scripts/lib/mirrors.sh)"
  _prefix_apt_config "$prefix" "$suite" "$mirror"
  apt_conf=$prefix/apt/apt.conf
  log "fetching $suite's $* from $mirror into $prefix"
  local out
  if ! out=$(APT_CONFIG=$apt_conf apt-get -q update 2>&1) || grep -q '^[EW]:' <<<"$out"; then
    printf '%s\n' "$out" | tail -n 20 >&2
    grep -q NO_PUBKEY <<<"$out" &&
      die "$suite's Release is signed by a key $DEBIAN_KEYRING lacks: a newer debian-archive-keyring (from the machine's own release updates) has it"
    die "apt-get update for $suite failed"
  fi
  rm -f "$prefix/apt/debs"/*.deb
  (cd "$prefix/apt/debs" && APT_CONFIG=$apt_conf apt-get -q download "$@" >/dev/null) ||
    die "apt-get download from $suite failed: $*"
  rm -rf "$prefix/root.new"
  mkdir -p "$prefix/root.new"
  local deb versions=()
  for deb in "$prefix/apt/debs"/*.deb; do
    dpkg-deb -x "$deb" "$prefix/root.new"
    versions+=("$(dpkg-deb -f "$deb" Package Version | paste -sd' ' | sed 's/^Package: \(.*\) Version: /\1 /')")
  done
  local missing
  missing=$(_prefix_missing_libs "$prefix/root.new" "${programs[@]}")
  if [[ -n $missing ]]; then
    printf '%s\n' "$missing" >&2
    die "$suite's programs need libraries (or a glibc) this machine lacks; see above"
  fi
  rm -rf "$prefix/root"
  mv "$prefix/root.new" "$prefix/root"
  { echo "$want"; printf '%s\n' "${versions[@]}"; } >"$prefix/installed"
  rm -f "$prefix/apt/debs"/*.deb
  log "unpacked $suite's packages in $((SECONDS - started))s: $(printf '%s, ' "${versions[@]}" | sed 's/, $//')"
}

prefix_versions() { tail -n +2 "$1/installed" 2>/dev/null; }
