#!/usr/bin/env bash
# scripts/lib/mirrors.sh: where this machine gets its packages from, so that no script or test
# names a package host. Sourced by setup.sh and check-images.sh; run by tests that need a target
# on the network:
#   bash scripts/lib/mirrors.sh show                    everything it finds, and where from
#   bash scripts/lib/mirrors.sh debian-suite            the Debian release of the base images
#   bash scripts/lib/mirrors.sh debian-mirror           the Debian archive for it
#   bash scripts/lib/mirrors.sh debian-security-mirror  its security archive
#   bash scripts/lib/mirrors.sh pip-index               pip's configured index ("" = pip's default)
#   bash scripts/lib/mirrors.sh parse FILE...           apt source entries, one per line:
#                                                       TYPE URI SUITE [COMPONENT...]
#
# The Debian archive, first found wins:
#   1. DOCKBENCH_DEBIAN_MIRROR;
#   2. the machine's apt sources (Dir::Etc::sourcelist and sourceparts, as apt-config reports
#      them, so APT_CONFIG points elsewhere for tests): the first `deb` entry, in apt's order,
#      whose suite is $DEBIAN_SUITE (then the machine's own release, on Debian) with the `main`
#      component. One-line (.list) and deb822 (.sources) files; cdrom entries, deb-src,
#      `Enabled: no` and files apt ignores are skipped; mirror+file: lists are followed;
#   3. debootstrap's own default (what `debootstrap SUITE DIR` with no mirror would use): on a
#      machine that is not Debian, such as CI's Ubuntu runners.
# The security archive: DOCKBENCH_DEBIAN_SECURITY_MIRROR; else, when the Debian archive came
# from DOCKBENCH_DEBIAN_MIRROR or debootstrap, that archive's sibling .../debian-security; else
# the apt entry for $DEBIAN_SUITE-security (or the sibling, when there is none).
# pip's index: DOCKBENCH_PIP_INDEX_URL, else PIP_INDEX_URL, else pip's configuration
# (install.index-url, then global.index-url); empty means pip's own default.
#
# Functions print the answer on stdout; on failure they say why on stderr and return 1.

# The Debian release of the base images (dockbench/python:3.11-slim is Python 3.11: bookworm).
DEBIAN_SUITE=bookworm

# apt_sources_parse FILE...: the entries of apt source files, one per line and per URI and
# suite: "TYPE URI SUITE COMPONENT...". The format follows the name, as apt does: *.sources is
# deb822, anything else one-line. URIs lose their trailing slash; cdrom entries are left out.
apt_sources_parse() {
  local file
  for file in "$@"; do
    [[ -r $file ]] || continue
    if [[ $file == *.sources ]]; then
      _apt_sources_parse_deb822 <"$file"
    else
      _apt_sources_parse_oneline <"$file"
    fi
  done
}

# deb [ options ] uri suite [component...]   (options may be written [a=b c=d] or [ a=b ])
_apt_sources_parse_oneline() {
  awk '
    { sub(/\r$/, ""); sub(/#.*/, ""); sub(/[ \t]+$/, "") }
    $1 != "deb" && $1 != "deb-src" { next }
    {
      type = $1
      rest = substr($0, index($0, type) + length(type))
      sub(/^[ \t]+/, "", rest)
      if (substr(rest, 1, 1) == "[") {
        end = index(rest, "]")
        if (end == 0) next
        rest = substr(rest, end + 1)
        sub(/^[ \t]+/, "", rest)
      }
      if (rest ~ /^cdrom:/) next
      n = split(rest, w, /[ \t]+/)
      if (n < 2) next
      uri = w[1]; sub(/\/+$/, "", uri)
      line = type " " uri " " w[2]
      for (i = 3; i <= n; i++) line = line " " w[i]
      print line
    }
  '
}

# Paragraphs of "Field: value" lines (continuation lines start with a blank), apart by empty
# lines; field names are case-insensitive; "#" lines are comments. A URI may hold blanks inside
# brackets (cdrom:[Debian GNU/Linux 12 ...]/), so URIs are split by hand.
_apt_sources_parse_deb822() {
  awk '
    function split_uris(text, out,    n, i, ch, depth, word) {
      n = 0; depth = 0; word = ""
      for (i = 1; i <= length(text); i++) {
        ch = substr(text, i, 1)
        if (ch == "[") depth++
        else if (ch == "]" && depth > 0) depth--
        if ((ch == " " || ch == "\t") && depth == 0) {
          if (word != "") out[++n] = word
          word = ""
        } else word = word ch
      }
      if (word != "") out[++n] = word
      return n
    }
    function flush(    nt, nu, ns, t, u, s, types, uris, suites, line) {
      if (tolower(f["enabled"]) != "no" && f["types"] != "" && f["uris"] != "" && f["suites"] != "") {
        nt = split(f["types"], types, /[ \t]+/)
        nu = split_uris(f["uris"], uris)
        ns = split(f["suites"], suites, /[ \t]+/)
        for (t = 1; t <= nt; t++) for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) {
          if (types[t] == "" || uris[u] == "" || suites[s] == "" || uris[u] ~ /^cdrom:/) continue
          line = uris[u]; sub(/\/+$/, "", line)
          line = types[t] " " line " " suites[s]
          if (f["components"] != "") line = line " " f["components"]
          print line
        }
      }
      delete f
      key = ""
    }
    { sub(/\r$/, "") }
    /^#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ {
      if (key != "") { v = $0; gsub(/^[ \t]+|[ \t]+$/, "", v); f[key] = f[key] " " v }
      next
    }
    {
      colon = index($0, ":")
      if (colon == 0) next
      key = tolower(substr($0, 1, colon - 1))
      v = substr($0, colon + 1); gsub(/^[ \t]+|[ \t]+$/, "", v)
      f[key] = v
    }
    END { flush() }
  '
}

# The files apt reads, in its order: the sources list, then the parts directory's *.list and
# *.sources files by name (apt ignores other names, such as *.disabled).
apt_source_files() {
  local list=/etc/apt/sources.list parts=/etc/apt/sources.list.d/ SL SP f
  if command -v apt-config >/dev/null 2>&1; then
    eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
    list=${SL:-$list}
    parts=${SP:-$parts}
  fi
  [[ -f $list ]] && printf '%s\n' "$list"
  for f in "${parts%/}"/*; do
    [[ -f $f && ( $f == *.list || $f == *.sources ) ]] || continue
    [[ $(basename "$f") =~ ^[A-Za-z0-9_.-]+$ ]] && printf '%s\n' "$f"
  done
}

# A mirror+file: URI names a file of mirrors, one a line; its first is the one to use.
_resolve_uri() { # uri
  local uri=$1 list
  if [[ $uri == mirror+file:* ]]; then
    list=${uri#mirror+file:}
    uri=$(sed -e 's/#.*//' "$list" 2>/dev/null | awk 'NF { print $1; exit }')
    uri=${uri%/}
  fi
  [[ $uri =~ ^(https?|ftp|file): ]] && printf '%s\n' "$uri"
}

# The first `deb` entry of the machine's apt sources for one of SUITEs (tried in turn), with
# the main component, as "URI FILE".
apt_entry_for() { # suite...
  local suite file type uri s components resolved
  for suite in "$@"; do
    while read -r file; do
      while read -r type uri s components; do
        [[ $type == deb && $s == "$suite" && " $components " == *" main "* ]] || continue
        resolved=$(_resolve_uri "$uri") || continue
        printf '%s %s\n' "$resolved" "$file"
        return 0
      done < <(apt_sources_parse "$file")
    done < <(apt_source_files)
  done
  return 1
}

# The machine's own Debian release, when it is Debian ("" otherwise).
host_debian_codename() {
  [[ -r /etc/os-release ]] || return 0
  (
    # shellcheck disable=SC1091
    . /etc/os-release
    if [[ ${ID:-} == debian ]]; then printf '%s\n' "${VERSION_CODENAME:-}"; fi
  )
}

# The mirror debootstrap uses when it is given none (DEF_MIRROR in the debootstrap script).
debootstrap_default_mirror() {
  local script
  script=$(command -v debootstrap 2>/dev/null) || return 1
  sed -n 's/^DEF_MIRROR="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$script" | head -n 1 | grep .
}

# "URI ORIGIN": the Debian archive for $DEBIAN_SUITE and where it was found.
debian_mirror_with_origin() {
  local found codename
  if [[ -n ${DOCKBENCH_DEBIAN_MIRROR:-} ]]; then
    printf '%s %s\n' "${DOCKBENCH_DEBIAN_MIRROR%/}" DOCKBENCH_DEBIAN_MIRROR
    return 0
  fi
  codename=$(host_debian_codename)
  # shellcheck disable=SC2086 # codename is one word or none
  if found=$(apt_entry_for "$DEBIAN_SUITE" $codename); then
    printf '%s\n' "$found"
    return 0
  fi
  if found=$(debootstrap_default_mirror); then
    printf '%s %s\n' "${found%/}" "debootstrap's default"
    return 0
  fi
  echo "mirrors: no Debian archive for $DEBIAN_SUITE in the apt sources ($(apt_source_files | xargs)) and no debootstrap to ask; set DOCKBENCH_DEBIAN_MIRROR" >&2
  return 1
}

debian_mirror() {
  local found
  found=$(debian_mirror_with_origin) || return 1
  printf '%s\n' "${found%% *}"
}

# The archive's sibling security archive: .../debian -> .../debian-security.
_security_sibling() { # archive origin
  if [[ $1 != */debian ]]; then
    echo "mirrors: cannot tell the security archive of $1 (from $2): set DOCKBENCH_DEBIAN_SECURITY_MIRROR" >&2
    return 1
  fi
  printf '%s-security %s\n' "$1" "$2"
}

# "URI ORIGIN": the security archive for $DEBIAN_SUITE and where it was found.
debian_security_mirror_with_origin() {
  local main found
  if [[ -n ${DOCKBENCH_DEBIAN_SECURITY_MIRROR:-} ]]; then
    printf '%s %s\n' "${DOCKBENCH_DEBIAN_SECURITY_MIRROR%/}" DOCKBENCH_DEBIAN_SECURITY_MIRROR
    return 0
  fi
  main=$(debian_mirror_with_origin) || return 1
  case ${main#* } in
    DOCKBENCH_DEBIAN_MIRROR | "debootstrap's default") ;;
    *) if found=$(apt_entry_for "$DEBIAN_SUITE-security" "$DEBIAN_SUITE/updates"); then
         printf '%s\n' "$found"
         return 0
       fi ;;
  esac
  _security_sibling "${main%% *}" "${main#* }"
}

debian_security_mirror() {
  local found
  found=$(debian_security_mirror_with_origin) || return 1
  printf '%s\n' "${found%% *}"
}

# pip's index as configured here, or nothing (then pip uses its own default: pass no index).
pip_index_url() {
  local pip=() config key url
  if [[ -n ${DOCKBENCH_PIP_INDEX_URL:-} ]]; then printf '%s\n' "$DOCKBENCH_PIP_INDEX_URL"; return 0; fi
  if [[ -n ${PIP_INDEX_URL:-} ]]; then printf '%s\n' "$PIP_INDEX_URL"; return 0; fi
  if command -v pip3 >/dev/null 2>&1; then pip=(pip3)
  elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then pip=(python3 -m pip)
  else return 0
  fi
  config=$(PIP_DISABLE_PIP_VERSION_CHECK=1 "${pip[@]}" config list 2>/dev/null) || return 0
  for key in install.index-url global.index-url; do
    url=$(printf '%s\n' "$config" | sed -n "s/^$key='\(.*\)'\$/\1/p" | head -n 1)
    if [[ -n $url ]]; then printf '%s\n' "$url"; return 0; fi
  done
}

_mirrors_main() {
  local cmd=${1:-show}
  shift || true
  case $cmd in
    debian-suite) echo "$DEBIAN_SUITE" ;;
    debian-mirror) debian_mirror ;;
    debian-security-mirror) debian_security_mirror ;;
    pip-index) pip_index_url ;;
    parse) apt_sources_parse "$@" ;;
    show)
      local found
      echo "apt source files:       $(apt_source_files | xargs)"
      found=$(debian_mirror_with_origin) || return 1
      echo "debian suite:           $DEBIAN_SUITE"
      echo "debian mirror:          ${found%% *}  (from ${found#* })"
      found=$(debian_security_mirror_with_origin) || return 1
      echo "debian security mirror: ${found%% *}  (from ${found#* })"
      found=$(pip_index_url)
      [[ -n $found ]] || found="(none configured: pip uses its default, no index is passed)"
      echo "pip index:              $found"
      ;;
    *) echo "usage: $0 [show|debian-suite|debian-mirror|debian-security-mirror|pip-index|parse FILE...]" >&2; return 2 ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  _mirrors_main "$@"
fi
