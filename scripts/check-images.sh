#!/usr/bin/env bash
# scripts/check-images.sh: check, with the network, that dockbench's base images behave as the
# bundled suites expect. Run after scripts/setup.sh; needs the Debian mirror the images were made
# with and pip's index: the machine's configured one (scripts/lib/mirrors.sh; override with
# DOCKBENCH_PIP_INDEX_URL), else pip's default.
#   - dockbench/busybox:latest serves HTTP with busybox httpd on a port published on 127.0.0.1;
#   - dockbench/python:3.11-slim: apt-get over http, https with the system CA store, and the
#     Dockerfile patterns of python:slim images (pip --prefix + COPY into /usr/local, plain pip
#     install + COPY of site-packages, pip --user, venv, pip self-upgrade, non-root users),
#     built with the classic builder as `docker build` does here.
# Everything it makes carries the label dockbench.check=<run id> and is removed at the end.
set -euo pipefail

BUSYBOX=dockbench/busybox:latest
PYTHON=dockbench/python:3.11-slim
# shellcheck source=lib/mirrors.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/mirrors.sh"
# Builds and containers use the machine's pip index when it has one; else pip's default.
PIP_INDEX=$(pip_index_url)
RUN_ID=check-$$-$RANDOM
CTX=$(mktemp -d /tmp/dockbench-check.XXXXXX)
FAILED=0
PASSED=0

cleanup() {
  docker ps -aq --filter "label=dockbench.check=$RUN_ID" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker images -aq --filter "label=dockbench.check=$RUN_ID" | sort -u |
    xargs -r docker image rm -f >/dev/null 2>&1 || true
  rm -rf "$CTX"
}
trap cleanup EXIT

check() { # name command...
  local name=$1 out start=$SECONDS; shift
  if out=$("$@" 2>&1); then
    PASSED=$((PASSED + 1)); printf 'ok    %-58s %3ss\n' "$name" $((SECONDS - start))
  else
    FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$name"; printf '%s\n' "$out" | tail -n 25 | sed 's/^/      /'
  fi
}

# docker build with the classic builder; every stage is labelled so that cleanup finds it (and
# is given the machine's pip index, when there is one).
build() { # name dockerfile-text
  local dir=$CTX/$1 stage_env=""
  mkdir -p "$dir"
  # (escaped for sed's replacement: a URL may hold & or |)
  [[ -z $PIP_INDEX ]] || stage_env="\nENV PIP_INDEX_URL=${PIP_INDEX//[&|\\]/\\&}"
  printf '%s\n' "$2" | sed "s|^FROM .*|&\nLABEL dockbench.check=$RUN_ID$stage_env|" >"$dir/Dockerfile"
  DOCKER_BUILDKIT=0 docker build --force-rm -q -t "dockbench-check/$1:$RUN_ID" "$dir" >/dev/null
  docker run --rm --label "dockbench.check=$RUN_ID" "dockbench-check/$1:$RUN_ID"
}

busybox_httpd() {
  local cid port
  cid=$(docker run -d --label "dockbench.check=$RUN_ID" -p 127.0.0.1::8080 "$BUSYBOX" \
    sh -c 'mkdir -p /www && echo hello >/www/index.html && exec httpd -f -p 8080 -h /www')
  port=$(docker port "$cid" 8080/tcp | head -n1 | sed 's/.*://')
  for _ in $(seq 50); do
    [[ $(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null) == hello ]] && return 0
    sleep 0.1
  done
  return 1
}

# curl, not pip, so that the system CA store is what is checked. The index is the machine's, or
# else the one the image's pip uses by default.
python_apt() {
  docker run --rm --label "dockbench.check=$RUN_ID" -e "PIP_INDEX=$PIP_INDEX" "$PYTHON" sh -c '
    set -e
    index=${PIP_INDEX:-$(python -c "from pip._internal.models.index import PyPI; print(PyPI.simple_url)")}
    apt-get update -qq && apt-get install -y -qq curl >/dev/null
    echo "fetching ${index%/}/pip/"
    curl -fsS -o /dev/null "${index%/}/pip/"'
}

check "busybox: httpd on a published 127.0.0.1 port" busybox_httpd
check "python: apt-get install curl; https with the system CA store" python_apt

check "python: pip --prefix=/install, COPY /install /usr/local" build prefix "
FROM $PYTHON AS b
RUN pip install --no-cache-dir --prefix=/install fastapi uvicorn
FROM $PYTHON
COPY --from=b /install /usr/local
RUN python -c 'import fastapi, uvicorn' && uvicorn --version
CMD [\"sh\", \"-c\", \"test -d /usr/local/lib/python3.11/site-packages/fastapi && command -v uvicorn\"]"

check "python: pip install, COPY site-packages and bin" build plain "
FROM $PYTHON AS b
RUN pip install --no-cache-dir fastapi uvicorn
FROM $PYTHON
COPY --from=b /usr/local/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages
COPY --from=b /usr/local/bin /usr/local/bin
CMD [\"sh\", \"-c\", \"python -c 'import fastapi, uvicorn' && uvicorn --version\"]"

check "python: pip --user, COPY /root/.local" build user "
FROM $PYTHON AS b
RUN pip install --no-cache-dir --user fastapi uvicorn
FROM $PYTHON
COPY --from=b /root/.local /root/.local
ENV PATH=/root/.local/bin:\$PATH
CMD [\"sh\", \"-c\", \"python -c 'import fastapi, uvicorn' && uvicorn --version\"]"

check "python: venv in /opt/venv, COPY it" build venv "
FROM $PYTHON AS b
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir fastapi uvicorn
FROM $PYTHON
COPY --from=b /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:\$PATH
CMD [\"sh\", \"-c\", \"python -c 'import fastapi, uvicorn, sys; assert sys.prefix == \\\"/opt/venv\\\"' && uvicorn --version\"]"

check "python: pip install -U pip setuptools wheel; -r requirements" build upgrade "
FROM $PYTHON
RUN pip install --no-cache-dir -U pip setuptools wheel && pip --version | grep -q site-packages
RUN printf 'six\n' > /tmp/r.txt && pip install --no-cache-dir -r /tmp/r.txt
CMD [\"python\", \"-c\", \"import six, pip; assert pip.__file__.startswith('/usr/local/lib/python3.11/site-packages'), pip.__file__\"]"

check "python: non-root user (useradd, adduser), pip --user" build users "
FROM $PYTHON
RUN groupadd -r app && useradd -r -g app -m -d /home/app app && adduser --disabled-password --gecos '' other
USER app
WORKDIR /home/app
RUN pip install --no-cache-dir --user six
CMD [\"python\", \"-c\", \"import six, os; assert os.getuid() != 0\"]"

check "python: apt-get install gcc, pip builds a C extension from source" build cext "
FROM $PYTHON
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --no-binary :all: psutil
CMD [\"python\", \"-c\", \"import psutil; psutil.cpu_count()\"]"

check "python: apt-get install python3-dev takes over the bundled headers" build dev "
FROM $PYTHON
RUN apt-get update && apt-get install -y --no-install-recommends python3-dev && rm -rf /var/lib/apt/lists/*
CMD [\"sh\", \"-c\", \"dpkg -S /usr/include/python3.11/Python.h\"]"

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
