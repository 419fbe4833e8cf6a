#!/usr/bin/env bash
# Build the project's Dockerfile without a Docker engine (podman/buildah, chroot isolation), run the image
# with its port published on 127.0.0.1 only, and check that it serves: /readyz, the page, one POST /v1/ask
# whose passage text equals GET /v1/documents/{id}?start=&end=, the HEALTHCHECK, no CUDA packages.
# Idempotent: installs podman etc. with apt-get when missing, makes the stand-in base image once, reuses
# the layer cache, and removes its container on exit. Prints one "FAIL: ..." line and exits 1 on failure.
#
# Environment: IMAGE (default localhost/verbatim:check), WORK (default /var/tmp/verbatim-container),
# PORT (host port to publish on 127.0.0.1, default a free one), QUESTION (for the /v1/ask check), WHEELS (local wheel folder, default pip's find-links, /opt/wheels),
# READY_TIMEOUT (seconds, default 180), VERBOSE=1 (stream build logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${IMAGE:-localhost/verbatim:check}
WORK=${WORK:-/var/tmp/verbatim-container}
READY_TIMEOUT=${READY_TIMEOUT:-180}
BASE_IMAGE=docker.io/library/python:3.11-slim   # what the Dockerfile's FROM names
DEBIAN_BASE=localhost/verbatim-debian-base      # debootstrap'd bookworm with the host's extra CAs
NAME=verbatim-check-$$
LOGS=$WORK/logs
QUESTION=${QUESTION:-"Who called the Secret Speech a great deed in the New York Times?"}

say() { echo "container-check: $*"; }
fail() { echo "container-check: FAIL: $*" >&2; exit 1; }
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR
# run CMD... with its output in LOG (streamed too when VERBOSE=1); returns its exit status
capture() {
    local log=$1; shift
    if [[ ${VERBOSE:-0} == 1 ]]; then "$@" 2>&1 | tee "$log"; else "$@" >"$log" 2>&1; fi
}
# the same, but on failure show the log's tail and fail with WHAT
logged() {
    local log=$1 what=$2 rc=0; shift 2
    capture "$log" "$@" || rc=$?
    if ((rc != 0)); then
        tail -n 25 "$log" >&2
        fail "$what (exit $rc; full log: $log)"
    fi
}

[[ $(id -u) == 0 ]] || fail "run as root (apt-get, debootstrap and rootful podman need it)"
mkdir -p "$WORK" "$LOGS"
exec 9>"$WORK/lock"
flock -n 9 || fail "another container-check is running (lock $WORK/lock)"

# --- tools -------------------------------------------------------------------------------------------
missing=()
for tool in podman buildah debootstrap runc curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if ((${#missing[@]})); then
    say "installing ${missing[*]} with apt-get"
    logged "$LOGS/apt.log" "apt-get install ${missing[*]}" \
        bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing[*]}"
fi
# containers do not start with crun under this machine's cgroups setup: runc, and explicit ulimits
export CONTAINERS_CONF=$WORK/containers.conf
cat >"$CONTAINERS_CONF" <<'EOF'
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
EOF
BUILD=(podman build --pull=never --isolation=chroot --format docker --force-rm)   # docker format keeps HEALTHCHECK

# --- the stand-in for python:3.11-slim (container registries are not reachable here) ---------------
if ! podman image exists "$BASE_IMAGE"; then
    if ! podman image exists "$DEBIAN_BASE"; then
        mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
            | head -n 1 | tr -d ' ' || true)
        mirror=${mirror:-http://deb.debian.org/debian}
        rootfs=$WORK/rootfs
        rm -rf "$rootfs"
        say "debootstrap bookworm from $mirror"
        logged "$LOGS/debootstrap.log" "debootstrap" debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
        # HTTPS goes through a proxy with its own CA: give the image the host's extra certificates
        mkdir -p "$rootfs/usr/local/share/ca-certificates"
        find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$rootfs/usr/local/share/ca-certificates/" \;
        logged "$LOGS/import.log" "podman import" bash -c "tar -C '$rootfs' -c . | podman import - '$DEBIAN_BASE'"
        rm -rf "$rootfs"
    fi
    ctx=$WORK/base-context
    mkdir -p "$ctx"
    cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_BASE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \\
    && update-ca-certificates && rm -rf /var/lib/apt/lists/* \\
    && python3 -m venv /usr/local && printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf
ENV LANG=C.UTF-8
CMD ["python3"]
EOF
    say "making the stand-in base image $BASE_IMAGE"
    logged "$LOGS/base.log" "base image build" "${BUILD[@]}" -t "$BASE_IMAGE" "$ctx"
fi

# --- the project's image -----------------------------------------------------------------------------
WHEELS=${WHEELS:-$(pip config get global.find-links 2>/dev/null || true)}
WHEELS=${WHEELS:-/opt/wheels}
build_args=()
if [[ -d $WHEELS ]]; then
    build_args+=(-v "$WHEELS:/wheels:ro" --build-arg FIND_LINKS=/wheels)
fi
if ! getent hosts download.pytorch.org >/dev/null 2>&1; then
    # PyTorch's CPU index is unreachable here: torch==2.13.0+cpu comes from the wheel folder, its
    # dependencies from PyPI (the +cpu local version outranks PyPI's CUDA build of 2.13.0)
    [[ -d $WHEELS ]] || fail "download.pytorch.org is unreachable and there is no wheel folder ($WHEELS)"
    build_args+=(--build-arg TORCH_INDEX=https://pypi.org/simple)
fi
old_id=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
say "building $IMAGE from $ROOT/Dockerfile (${build_args[*]:-no build args})"
began=$(date +%s)
rc=0
capture "$LOGS/build.log" "${BUILD[@]}" "${build_args[@]}" -t "$IMAGE" "$ROOT" || rc=$?
if ((rc != 0)) && grep -q 'sealing memfd copy: Device or resource busy' "$LOGS/build.log"; then
    # seen once here on a RUN with a cache mount and gone on the next try: retry once (done layers are cached)
    say "retrying after a transient buildah error (sealing memfd copy); first try: $LOGS/build-first-try.log"
    mv "$LOGS/build.log" "$LOGS/build-first-try.log"
    rc=0
    capture "$LOGS/build.log" "${BUILD[@]}" "${build_args[@]}" -t "$IMAGE" "$ROOT" || rc=$?
fi
if ((rc != 0)); then
    tail -n 25 "$LOGS/build.log" >&2
    fail "image build (exit $rc; full log: $LOGS/build.log)"
fi
build_s=$(($(date +%s) - began))
new_id=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n $old_id && $old_id != "$new_id" ]]; then podman rmi "$old_id" >/dev/null 2>&1 || true; fi
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
index=$(grep -E '^(index [0-9]|[0-9]+ documents|embedded )' "$LOGS/build.log" | paste -sd ';' - || true)
say "default index: ${index:-unchanged (cached image layer)}"
say "built in ${build_s} s; image $IMAGE ${new_id:0:12}, size $((size / 1000000)) MB ($(numfmt --to=iec "$size"))"

# --- what is inside ----------------------------------------------------------------------------------
INSPECT=(podman run --rm --network none --no-healthcheck "$IMAGE")
pkgs=$("${INSPECT[@]}" pip list 2>/dev/null) || fail "pip list failed in the image"
nvidia=$(grep -i nvidia <<<"$pkgs" || true)
[[ -z $nvidia ]] || fail "CUDA packages in the image: $(echo "$nvidia" | tr '\n' ' ')"
torch=$("${INSPECT[@]}" python -c "import torch; print(torch.__version__, 'cuda', torch.version.cuda)") \
    || fail "torch does not import in the image"
user=$("${INSPECT[@]}" id -u 2>/dev/null) || fail "cannot run a command in the image"
[[ $user != 0 ]] || fail "the image runs as root"
health=$(podman image inspect --format '{{json .HealthCheck}}' "$IMAGE")
[[ $health == *healthz* ]] || fail "no HEALTHCHECK on /healthz in the image config: $health"
say "torch $torch; pip list | grep -i nvidia: empty; runs as uid $user; HEALTHCHECK set"

# --- run it ------------------------------------------------------------------------------------------
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
BASE_URL=http://127.0.0.1:$PORT
# (podman logs that it cannot reach systemd to schedule the periodic health checks: harmless here,
# `podman healthcheck run` below runs the image's HEALTHCHECK once by hand)
logged "$LOGS/run.log" "podman run" podman run -d --name "$NAME" -p "127.0.0.1:$PORT:8000" "$IMAGE"
began=$(date +%s)
until curl -fsS -o /dev/null "$BASE_URL/readyz" 2>/dev/null; do
    if [[ $(podman inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null) != true ]]; then
        podman logs --tail 25 "$NAME" >&2 || true
        fail "the container stopped before /readyz answered"
    fi
    if (($(date +%s) - began > READY_TIMEOUT)); then
        podman logs --tail 25 "$NAME" >&2 || true
        fail "/readyz not ready after ${READY_TIMEOUT} s"
    fi
    sleep 1
done
say "published: $(podman port "$NAME" | tr '\n' ' ')"
say "container $NAME on 127.0.0.1:$PORT ready after $(($(date +%s) - began)) s: $(curl -fsS "$BASE_URL/readyz")"

curl -fsS "$BASE_URL/healthz" | grep -q '"ok"' || fail "GET /healthz did not say ok"
curl -fsS "$BASE_URL/" | grep -qi '<html' || fail "GET / did not serve the page"
check=$(BASE_URL=$BASE_URL QUESTION=$QUESTION python3 - 2>&1 <<'EOF'
import json, os, sys, urllib.error, urllib.parse, urllib.request

base = os.environ["BASE_URL"]


def call(path, body=None):
    method = "POST" if body is not None else "GET"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    try:
        return json.load(urllib.request.urlopen(req, timeout=60))
    except urllib.error.HTTPError as exc:
        sys.exit(f"{method} {path.split('?')[0]} answered {exc.code}: {exc.read()[:200].decode(errors='replace')}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        sys.exit(f"{method} {path.split('?')[0]} failed: {exc}")


answer = call("/v1/ask", {"question": os.environ["QUESTION"], "k": 3})
if not answer["passages"]:
    sys.exit("POST /v1/ask returned no passages")
p = answer["passages"][0]
doc, start, end = p["document"]["id"], p["citation"]["start"], p["citation"]["end"]
query = urllib.parse.urlencode({"start": start, "end": end, "context": 0})
source = call(f"/v1/documents/{urllib.parse.quote(doc)}?{query}")
if source["text"] != p["text"]:
    sys.exit(f"passage text differs from GET /v1/documents/{doc}?start={start}&end={end}")
print(f"POST /v1/ask -> {len(answer['passages'])} passages (supported={answer['supported']}, "
      f"{answer['took_ms']} ms); #1 {doc}[{start}:{end}] lines {p['citation']['line_start']}-"
      f"{p['citation']['line_end']}, {len(p['text'])} chars, text equals GET /v1/documents/{doc}?start=&end=")
EOF
) || fail "$(tail -n 1 <<<"${check:-the /v1/ask check failed}")"
say "$check"
status=$(podman healthcheck run "$NAME" 2>&1) || fail "HEALTHCHECK failed in the running container: $status"
say "GET /healthz ok, GET / serves the page, podman healthcheck run: ${status:-healthy}"
say "PASS"
