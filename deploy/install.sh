#!/usr/bin/env bash
# Installs the vision playground on a Debian/Ubuntu host: the single source of truth for every deployment
# (a VM with systemd, the Docker image, CI). Safe to run again (it replaces the code, keeps the store).
#
#   sudo deploy/install.sh [options]          # a VM: packages, service user, venv, models, systemd, nginx
#   deploy/install.sh --prefix DIR [options]  # as a normal user: no packages/user/systemd; runs as that user
#
# Options (each also as an environment variable):
#   --prefix DIR        VISION_PREFIX      where everything goes (default /opt/vision-playground)
#   --user NAME         VISION_USER        service user, created when root (default vision)
#   --uid N             VISION_UID         its numeric id when it is created (default: the next system id)
#   --port N            VISION_PORT        the first UI process's port on 127.0.0.1 (default 8501; the others follow)
#   --ui-processes N    VISION_UI_PROCESSES  Streamlit UI processes behind nginx (default auto: one per core, at least
#                                          1, at most as many as --memory-max holds at --process-memory each)
#   --process-memory S  VISION_PROCESS_MEMORY  memory one UI process is sized for in that rule (default 3G)
#   --address ADDR      VISION_ADDRESS     Streamlit's address (default 127.0.0.1; the Docker image uses 0.0.0.0)
#   --store DIR         VISION_STORE       model store (default PREFIX/store)
#   --models WHAT       VISION_MODELS      all (default) | none | comma-separated store ids
#   --offline           VISION_OFFLINE=1   fetch nothing; the app also runs with downloads disabled
#   --tensorflow SPEC   VISION_TENSORFLOW  e.g. 'tensorflow[and-cuda]==2.21.0' for a GPU host (default: pinned CPU)
#   --wheelhouse DIR    VISION_WHEELHOUSE  install Python packages only from this folder of wheels (air-gapped/CI)
#   --python PATH       PYTHON             interpreter for the venv (default /usr/bin/python3, else python3)
#   --proxy             VISION_PROXY=1     also install nginx (Debian) on :80 in front of the app (root only)
#   --tls-cert FILE     VISION_TLS_CERT    with --proxy: HTTPS on :443 with this PEM certificate chain (e.g. certbot's
#   --tls-key FILE      VISION_TLS_KEY       /etc/letsencrypt/live/DOMAIN/fullchain.pem + privkey.pem); :80 redirects
#   --no-systemd        VISION_SYSTEMD=0   do not install/enable the systemd unit (the Docker image)
#   --memory-max SIZE   VISION_MEMORY_MAX  the unit's MemoryMax, all UI processes together (default 75%: of the
#                                          host's RAM; or e.g. 6G)
#
# Layout: PREFIX/app (code, read-only for the service), PREFIX/venv, PREFIX/etc/vision-playground.env
# (deploy/production.env + this install's values), PREFIX/bin/serve (one UI process), PREFIX/bin/serve-all (all N,
# each health-checked and restarted: what the systemd unit and the Docker image run), PREFIX/bin/healthcheck,
# PREFIX/examples (the
# home page's example results, made at install time), PREFIX/var (the service's HOME and caches), PREFIX/store
# (models, unless --store).
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX=${VISION_PREFIX:-/opt/vision-playground}
SERVICE_USER=${VISION_USER:-vision}
SERVICE_UID=${VISION_UID:-}
PORT=${VISION_PORT:-8501}
ADDRESS=${VISION_ADDRESS:-127.0.0.1}
STORE=${VISION_STORE:-}
MODELS=${VISION_MODELS:-all}
OFFLINE=${VISION_OFFLINE:-0}
TENSORFLOW=${VISION_TENSORFLOW:-}
WHEELHOUSE=${VISION_WHEELHOUSE:-}
PY=${PYTHON:-}
PROXY=${VISION_PROXY:-0}
TLS_CERT=${VISION_TLS_CERT:-}
TLS_KEY=${VISION_TLS_KEY:-}
SYSTEMD=${VISION_SYSTEMD:-auto}
MEMORY_MAX=${VISION_MEMORY_MAX:-75%}
UI_PROCESSES=${VISION_UI_PROCESSES:-auto}
PROCESS_MEMORY=${VISION_PROCESS_MEMORY:-3G}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --uid) SERVICE_UID=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --address) ADDRESS=$2; shift 2 ;;
    --store) STORE=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --offline) OFFLINE=1; shift ;;
    --tensorflow) TENSORFLOW=$2; shift 2 ;;
    --wheelhouse) WHEELHOUSE=$2; shift 2 ;;
    --python) PY=$2; shift 2 ;;
    --proxy) PROXY=1; shift ;;
    --tls-cert) TLS_CERT=$2; shift 2 ;;
    --tls-key) TLS_KEY=$2; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --memory-max) MEMORY_MAX=$2; shift 2 ;;
    --ui-processes) UI_PROCESSES=$2; shift 2 ;;
    --process-memory) PROCESS_MEMORY=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$OFFLINE" in 1|true|yes) OFFLINE=1 ;; *) OFFLINE=0 ;; esac
if [ -n "$TLS_CERT$TLS_KEY" ]; then
  [ -n "$TLS_CERT" ] && [ -n "$TLS_KEY" ] || { echo "install.sh: --tls-cert and --tls-key go together" >&2; exit 2; }
  [ "$PROXY" = 1 ] || { echo "install.sh: --tls-cert/--tls-key configure the proxy: add --proxy" >&2; exit 2; }
fi

say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

# --- 0. how many UI processes ----------------------------------------------------------------------------------
# One Streamlit process runs its Python one thread at a time (README "Load": it rarely went above one core), so the
# host's cores are used by several processes behind nginx: one per core, at least 1, and no more than the memory
# budget (--memory-max, default 75% of RAM) holds at --process-memory each (3G: a warmed-up process measured
# 1.75-1.83 GB RSS in the 10-min soak, plus room for a decoded upload). The budget is the unit's MemoryMax for all
# of them together.
mem_kib() {  # SIZE: bytes, a whole number with K/M/G/T (1024-based), or N% of MemTotal -> KiB
  local v=$1 total
  total=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  case "$v" in
    *%) echo $((total * ${v%\%} / 100)) ;;
    *[kK]) echo "${v%?}" ;;
    *[mM]) echo $((${v%?} * 1024)) ;;
    *[gG]) echo $((${v%?} * 1024 * 1024)) ;;
    *[tT]) echo $((${v%?} * 1024 * 1024 * 1024)) ;;
    *) echo $((v / 1024)) ;;
  esac
}
[[ $MEMORY_MAX =~ ^[1-9][0-9]*[%kKmMgGtT]?$ ]] || die "--memory-max: a whole number with %, K, M, G or T, not '$MEMORY_MAX'"
[[ $PROCESS_MEMORY =~ ^[1-9][0-9]*[kKmMgGtT]?$ ]] || die "--process-memory: e.g. 3G, not '$PROCESS_MEMORY'"
cores=$(nproc)
budget_kib=$(mem_kib "$MEMORY_MAX")
fit=$((budget_kib / $(mem_kib "$PROCESS_MEMORY")))
if [ "$UI_PROCESSES" = auto ]; then
  UI_PROCESSES=$cores
  [ "$fit" -lt "$UI_PROCESSES" ] && UI_PROCESSES=$fit
  [ "$UI_PROCESSES" -lt 1 ] && UI_PROCESSES=1
  why="auto: $cores cores, memory for $fit at $PROCESS_MEMORY each in $MEMORY_MAX"
else
  [[ $UI_PROCESSES =~ ^[1-9][0-9]*$ ]] || die "--ui-processes: a positive number or auto, not '$UI_PROCESSES'"
  why="--ui-processes"
fi
[ $((PORT + UI_PROCESSES - 1)) -le 65535 ] || die "ports $PORT.. have no room for $UI_PROCESSES processes"
LAST_PORT=$((PORT + UI_PROCESSES - 1))
say "UI processes: $UI_PROCESSES ($why) on ports $PORT-$LAST_PORT, MemoryMax $MEMORY_MAX for all"

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
PREFIX="$(mkdir -p "$PREFIX" && cd "$PREFIX" && pwd)"
STORE=${STORE:-$PREFIX/store}

# --- 1. system packages (root) -----------------------------------------------------------------------------
if [ $IS_ROOT = 1 ]; then
  packages=(python3 python3-venv ca-certificates)
  [ "$PROXY" = 1 ] && packages+=(nginx)
  say "system packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
else
  say "not root: no system packages, no service user, no systemd unit; the service runs as $(id -un)"
  SERVICE_USER=$(id -un)
  [ "$PROXY" = 1 ] && die "--proxy needs root (it installs nginx)"
fi
if [ -z "$PY" ]; then
  if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11 or newer is needed ($PY is $("$PY" --version 2>&1))"
"$PY" -c 'import ensurepip, venv' 2>/dev/null || die "$PY has no venv module: apt-get install -y python3-venv"

# --- 2. service user (root) ----------------------------------------------------------------------------------
if [ $IS_ROOT = 1 ]; then
  if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating the system user $SERVICE_USER (no login shell, home $PREFIX/var)"
    useradd --system --user-group ${SERVICE_UID:+--uid "$SERVICE_UID"} --home-dir "$PREFIX/var" --no-create-home \
      --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
fi
SERVICE_GROUP=$(id -gn "$SERVICE_USER")
as_service() {
  if [ $IS_ROOT = 1 ] && [ "$SERVICE_USER" != root ]; then runuser -u "$SERVICE_USER" -- "$@"; else "$@"; fi
}

# --- 3. the code --------------------------------------------------------------------------------------------
say "code: $SRC -> $PREFIX/app"
mkdir -p "$PREFIX/etc" "$PREFIX/bin" "$PREFIX/var/cache"
rm -rf "$PREFIX/app.new"
mkdir "$PREFIX/app.new"
tar -C "$SRC" --exclude=__pycache__ --exclude='*.pyc' -cf - \
  app.py pages components models .streamlit requirements.txt deploy | tar -C "$PREFIX/app.new" -xf -
rm -rf "$PREFIX/app.old"
[ -d "$PREFIX/app" ] && mv "$PREFIX/app" "$PREFIX/app.old"
mv "$PREFIX/app.new" "$PREFIX/app"
rm -rf "$PREFIX/app.old"

# --- 4. virtual environment with the pinned requirements -----------------------------------------------------
requirements="$PREFIX/app/requirements.txt"
if [ -n "$TENSORFLOW" ]; then
  requirements="$PREFIX/etc/requirements.install.txt"
  sed -E "s|^tensorflow==.*$|$TENSORFLOW|" "$PREFIX/app/requirements.txt" >"$requirements"
  grep -qxF "$TENSORFLOW" "$requirements" || die "requirements.txt has no tensorflow== line to replace"
fi
[ -x "$PREFIX/venv/bin/python" ] || "$PY" -m venv "$PREFIX/venv"
pip_args=(--disable-pip-version-check -q)
if [ -n "$WHEELHOUSE" ]; then
  pip_args+=(--no-index --find-links "$WHEELHOUSE")
  say "Python packages from the wheelhouse $WHEELHOUSE only"
fi
say "Python packages: $(grep -cE '^[a-zA-Z]' "$requirements") pinned requirements into $PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install "${pip_args[@]}" -r "$requirements"
"$PREFIX/venv/bin/python" -m pip check >/dev/null || die "pip check failed in $PREFIX/venv"

# --- 5. production settings -----------------------------------------------------------------------------------
envfile="$PREFIX/etc/vision-playground.env"
# The model server's shared secret: $VISION_SERVE_TOKEN, else the one of a previous install (re-runs keep it, so
# the model server need not change), else 32 random bytes. The file is then readable by the service only.
serve_token=${VISION_SERVE_TOKEN:-}
[ -z "$serve_token" ] && [ -f "$envfile" ] && serve_token=$(sed -n 's/^VISION_SERVE_TOKEN=//p' "$envfile" | tail -n 1)
[ -z "$serve_token" ] && serve_token=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
umask_was=$(umask)
umask 077
{
  sed -E -e "s|^STREAMLIT_SERVER_ADDRESS=.*$|STREAMLIT_SERVER_ADDRESS=$ADDRESS|" \
         -e "s|^STREAMLIT_SERVER_PORT=.*$|STREAMLIT_SERVER_PORT=$PORT|" "$SRC/deploy/production.env"
  echo
  echo "# --- written by deploy/install.sh for this install"
  echo "VISION_STORE=$STORE"
  echo "HOME=$PREFIX/var"
  echo "XDG_CACHE_HOME=$PREFIX/var/cache"
  echo "MPLCONFIGDIR=$PREFIX/var/cache/matplotlib"
  echo "VISION_EXAMPLES_PREBUILT=$PREFIX/examples"
  [ $OFFLINE = 1 ] && echo "VISION_OFFLINE=1"
  echo "# UI processes behind nginx, on STREAMLIT_SERVER_PORT and the next ports (bin/serve-all, bin/healthcheck)"
  echo "VISION_UI_PROCESSES=$UI_PROCESSES"
  echo "# the model server's shared secret (the same value on its nodes; used once VISION_SERVE_ADDRESS is set)"
  echo "VISION_SERVE_TOKEN=$serve_token"
} >"$envfile"
umask "$umask_was"
if [ $IS_ROOT = 1 ]; then chown "root:$SERVICE_GROUP" "$envfile" && chmod 640 "$envfile"; else chmod 600 "$envfile"; fi
cat >"$PREFIX/bin/serve" <<EOF
#!/bin/sh
# Starts one UI process of the vision playground with the production settings (bin/serve-all starts N of them;
# this one alone for a quick look or a debugger). Variables already in the environment win over $envfile.
cd "$PREFIX/app" || exit 1
exec "$PREFIX/venv/bin/python" -m components.serve --env-file "$envfile" app.py "\$@"
EOF
cat >"$PREFIX/bin/serve-all" <<EOF
#!/bin/sh
# Starts all \$VISION_UI_PROCESSES UI processes (from $envfile unless set) on STREAMLIT_SERVER_PORT and the next
# ports, health-checks each and starts again one that exits or stops answering (systemd's ExecStart, Docker's CMD).
cd "$PREFIX/app" || exit 1
exec "$PREFIX/venv/bin/python" -m components.serve --env-file "$envfile" --supervise app.py "\$@"
EOF
cat >"$PREFIX/bin/healthcheck" <<EOF
#!/bin/sh
# Exit 0 when every UI process answers /_stcore/health (Docker HEALTHCHECK, monitoring): the ports given as
# arguments, else \$VISION_UI_PROCESSES ports from \$STREAMLIT_SERVER_PORT (this install: $UI_PROCESSES from $PORT).
exec "$PREFIX/venv/bin/python" - "\$@" <<'PY'
import os, sys, urllib.request
first = int(os.environ.get("STREAMLIT_SERVER_PORT", "$PORT"))
ports = sys.argv[1:] or range(first, first + int(os.environ.get("VISION_UI_PROCESSES", "$UI_PROCESSES")))
failed = 0
for port in ports:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=4) as r:
            failed += r.status != 200
    except OSError as exc:
        print(f"port {port}: {exc}", file=sys.stderr)
        failed += 1
sys.exit(1 if failed else 0)
PY
EOF
chmod 755 "$PREFIX/bin/serve" "$PREFIX/bin/serve-all" "$PREFIX/bin/healthcheck"
mkdir -p "$STORE"
if [ $IS_ROOT = 1 ]; then
  chown -R "$SERVICE_USER:$SERVICE_GROUP" "$PREFIX/var"
  [ -w "$STORE" ] && chown "$SERVICE_USER:$SERVICE_GROUP" "$STORE"
fi

# --- 6. models into the store (sha256-checked by models.store), as the service user -----------------------------
store_cli() { (cd "$PREFIX/app" && as_service env VISION_STORE="$STORE" "$PREFIX/venv/bin/python" -m models.store --root "$STORE" "$@"); }
case "$MODELS" in
  all) fetch_args=(--all) ;;
  none) fetch_args=() ;;
  *) IFS=',' read -r -a fetch_args <<<"$MODELS" ;;
esac
fetched=1
if [ ${#fetch_args[@]} = 0 ]; then
  say "models: none requested (--models none)"
elif [ $OFFLINE = 1 ]; then
  say "models: offline, nothing fetched"
  fetched=0
else
  say "models: fetching ${fetch_args[*]} into $STORE (sha256 checked, atomic)"
  store_cli fetch "${fetch_args[@]}" || fetched=0
  [ $fetched = 0 ] && say "models: some downloads failed (offline or a source is down); continuing"
fi
missing=$(store_cli list | awk '$1 == "MISSING" {print $4}' | tr '\n' ' ')
if [ -n "$missing" ]; then
  say "LIMITED: these store entries are missing: $missing"
  say "  the pages that need them say so and show the command; fetch later with:"
  run_as=""
  [ $IS_ROOT = 1 ] && run_as="sudo -u $SERVICE_USER "
  say "  cd $PREFIX/app && $run_as$PREFIX/venv/bin/python -m models.store --root $STORE fetch --all"
  say "  always available: OpenCV inpainting, the DCGAN digits, MTCNN + dlib faces, package-shipped samples"
else
  say "models: every store entry is present"
fi

# --- 6b. the home page's example results, made now so the first visitor sees them (models/examples.py) ---------
# Into PREFIX/examples, read-only for the service afterwards (the Docker image's PREFIX/var is an empty tmpfs at run
# time); the app reads them through VISION_EXAMPLES_PREBUILT and makes any it lacks in its own cache.
rm -rf "$PREFIX/examples"
mkdir -p "$PREFIX/examples"
[ $IS_ROOT = 1 ] && chown "$SERVICE_USER:$SERVICE_GROUP" "$PREFIX/examples"
say "examples: making the home page's example results into $PREFIX/examples"
example_env=(VISION_STORE="$STORE" VISION_EXAMPLES="$PREFIX/examples" HOME="$PREFIX/var"
             XDG_CACHE_HOME="$PREFIX/var/cache" MPLCONFIGDIR="$PREFIX/var/cache/matplotlib" TF_CPP_MIN_LOG_LEVEL=3)
[ $OFFLINE = 1 ] && example_env+=(VISION_OFFLINE=1)
if (cd "$PREFIX/app" && as_service env "${example_env[@]}" "$PREFIX/venv/bin/python" -m models.examples >/dev/null); then
  say "examples: $(find "$PREFIX/examples" -name '*.png' ! -name '*.failed.png' | wc -l) made"
else
  say "examples: could not be made now; the home page makes them on its first visit"
fi
if [ $IS_ROOT = 1 ]; then chown -R root:root "$PREFIX/examples"; fi
chmod -R a+rX,go-w "$PREFIX/examples"

# --- 7. systemd unit ----------------------------------------------------------------------------------------------
# One unit for all UI processes: it runs bin/serve-all, whose supervisor health-checks and restarts each process.
# A CUDA build of TensorFlow needs /dev/nvidia*: no private /dev for it.
private_devices=true
case "$TENSORFLOW" in *cuda*) private_devices=false ;; esac
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" -e "s|@GROUP@|$SERVICE_GROUP|g" \
    -e "s|@STORE@|$STORE|g" -e "s|@MEMORY_MAX@|$MEMORY_MAX|g" -e "s|@PRIVATE_DEVICES@|$private_devices|g" \
    "$SRC/deploy/vision-playground.service" >"$PREFIX/etc/vision-playground.service"
if [ "$SYSTEMD" = auto ]; then
  if [ $IS_ROOT = 1 ] && [ -d /run/systemd/system ]; then SYSTEMD=1; else SYSTEMD=0; fi
fi
if [ "$SYSTEMD" = 1 ]; then
  install -m 644 "$PREFIX/etc/vision-playground.service" /etc/systemd/system/vision-playground.service
  systemctl daemon-reload
  systemctl enable --now vision-playground.service
  systemctl restart vision-playground.service
  say "systemd: vision-playground.service enabled and (re)started, $UI_PROCESSES UI processes (journalctl -u vision-playground)"
else
  say "systemd: unit written to $PREFIX/etc/vision-playground.service (not installed)"
fi

# --- 8. nginx in front (root, --proxy) ---------------------------------------------------------------------------
if [ "$PROXY" = 1 ]; then
  tls_args=()
  [ -n "$TLS_CERT" ] && tls_args=(--tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --https-listen 443)
  mkdir -p /var/www/letsencrypt  # certbot --webroot challenges (first certificate and renewals)
  "$SRC/deploy/render-nginx.sh" --upstream "127.0.0.1:$PORT" --processes "$UI_PROCESSES" --listen 80 \
    --config "$PREFIX/app/.streamlit/config.toml" "${tls_args[@]}" >/etc/nginx/conf.d/vision-playground.conf
  rm -f /etc/nginx/sites-enabled/default
  nginx -t
  if [ -d /run/systemd/system ]; then systemctl enable nginx && systemctl reload-or-restart nginx; fi
  if [ -n "$TLS_CERT" ]; then
    say "nginx: /etc/nginx/conf.d/vision-playground.conf (https :443 -> 127.0.0.1:$PORT-$LAST_PORT; :80 redirects)"
  else
    say "nginx: /etc/nginx/conf.d/vision-playground.conf (port 80 -> 127.0.0.1:$PORT-$LAST_PORT; no TLS: see deploy/README.md)"
  fi
fi

say "done. Start by hand: $PREFIX/bin/serve-all   ($UI_PROCESSES UI processes; health: $PREFIX/bin/healthcheck)"
