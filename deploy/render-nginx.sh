#!/usr/bin/env bash
# Renders the nginx configuration of the vision playground from deploy/nginx/*.conf.in.
#
#   deploy/render-nginx.sh [--upstream HOST:PORT]... [--processes N] [--listen ADDR:PORT]
#                          [--config .streamlit/config.toml] [--tls-cert FILE --tls-key FILE [--https-listen ADDR:PORT]]
#                          [--conn-per-address N] [--acme-root DIR] [--standalone DIR] [--upstream-header]
#
# --upstream may be given several times (or as a comma-separated list, also in $VISION_UPSTREAM): Streamlit UI
# processes, each visitor kept on one of them by a cookie the proxy sets (vision_ui; hash consistent). Default:
# 127.0.0.1:8501. --processes N (or $VISION_UI_PROCESSES): each HOST:PORT stands for N processes on PORT, PORT+1, …
# (what deploy/install.sh starts). --upstream-header (tests only): every response names the process that served it
# (X-Vision-Upstream: $upstream_addr); a production configuration never sets it.
#
# --tls-cert/--tls-key (PEM: the certificate chain and its key; e.g. certbot's fullchain.pem and privkey.pem): HTTPS
# on --https-listen (default 443) with HSTS, and --listen (default 80) answers 301 to https:// (except certbot's
# /.well-known/acme-challenge/, served from --acme-root, default /var/www/letsencrypt; standalone: DIR/acme).
# --conn-per-address N: concurrent connections (websockets included) one client address may hold (default 400).
#
# Without --standalone: prints the http{}-level site configuration (for /etc/nginx/conf.d/).
# With --standalone DIR: writes DIR/vision-playground.conf and DIR/nginx.conf (a complete main configuration
# whose pid, logs and temporary files stay in DIR) for `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`.
# The body limit is server.maxUploadSize (MB) of the app's .streamlit/config.toml: the one place it is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
upstreams=()
processes=${VISION_UI_PROCESSES:-1}
upstream_header=0
listen=${VISION_LISTEN:-80}
config="$here/../.streamlit/config.toml"
standalone=""
tls_cert=""
tls_key=""
https_listen=${VISION_HTTPS_LISTEN:-443}
conn_per_address=${VISION_CONN_PER_ADDRESS:-400}
acme_root=""
while [ $# -gt 0 ]; do
  case "$1" in
    --upstream) IFS=, read -r -a more <<<"$2"; upstreams+=("${more[@]}"); shift 2 ;;
    --processes) processes=$2; shift 2 ;;
    --upstream-header) upstream_header=1; shift ;;
    --listen) listen=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --standalone) standalone=$2; shift 2 ;;
    --tls-cert) tls_cert=$2; shift 2 ;;
    --tls-key) tls_key=$2; shift 2 ;;
    --https-listen) https_listen=$2; shift 2 ;;
    --conn-per-address) conn_per_address=$2; shift 2 ;;
    --acme-root) acme_root=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "render-nginx.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "render-nginx.sh: $*" >&2; exit 2; }
if [ ${#upstreams[@]} -eq 0 ]; then
  IFS=, read -r -a upstreams <<<"${VISION_UPSTREAM:-127.0.0.1:8501}"
fi
[[ $processes =~ ^[1-9][0-9]*$ ]] || die "--processes needs a positive number, not '$processes'"
if [ "$processes" -gt 1 ]; then
  expanded=()
  for u in "${upstreams[@]}"; do
    [[ $u =~ ^(.+):([0-9]+)$ ]] || die "--processes needs HOST:PORT upstreams, not '$u'"
    for ((i = 0; i < processes; i++)); do expanded+=("${BASH_REMATCH[1]}:$((BASH_REMATCH[2] + i))"); done
  done
  upstreams=("${expanded[@]}")
fi
upstream=$(IFS=,; echo "${upstreams[*]}")
if [ ${#upstreams[@]} -eq 1 ]; then
  servers="    server ${upstreams[0]};"
  multi=SINGLE
else
  servers="    hash \$vision_ui_key consistent;"
  for u in "${upstreams[@]}"; do
    servers+="\n    server $u max_fails=3 fail_timeout=10s;"
  done
  multi=MULTI
fi

# maxUploadSize = 200   (Streamlit's default is 200 when the key is absent)
mb=$(sed -n -E 's/^[[:space:]]*maxUploadSize[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$config" | head -n1)
mb=${mb:-200}
# A little headroom for the multipart envelope around the file itself.
max_body="$((mb + 1))m"

[[ $conn_per_address =~ ^[1-9][0-9]*$ ]] || die "--conn-per-address needs a positive number, not '$conn_per_address'"
if [ -n "$tls_cert$tls_key" ]; then
  [ -n "$tls_cert" ] && [ -n "$tls_key" ] || die "--tls-cert and --tls-key go together"
  for f in "$tls_cert" "$tls_key"; do [ -r "$f" ] || die "cannot read $f"; done
  tls_cert="$(cd "$(dirname "$tls_cert")" && pwd)/$(basename "$tls_cert")"
  tls_key="$(cd "$(dirname "$tls_key")" && pwd)/$(basename "$tls_key")"
  keep=TLS drop=PLAIN
else
  keep=PLAIN drop=TLS
fi
# The redirect names the HTTPS port unless it is the default one.
redirect_port=":${https_listen##*:}"
[ "$redirect_port" = ":443" ] && redirect_port=""

render() {
  local header=UPSTREAM_HEADER
  [ "$upstream_header" = 1 ] || header=NO_UPSTREAM_HEADER
  # Lines marked @TLS@/@PLAIN@, @MULTI@ (several upstreams: the sticky cookie) and @UPSTREAM_HEADER@ are kept or
  # dropped; a line may carry two markers (@MULTI@@TLS@…).
  sed -e "s|^@$multi@||" -e "/^@\(MULTI\|SINGLE\)@/d" -e "s|^@$header@||" -e "/^@UPSTREAM_HEADER@/d" \
      -e "/^@$drop@/d" -e "s|^@$keep@||" \
      -e "s|@UPSTREAM_SERVERS@|$servers|" -e "s|@UPSTREAM@|$upstream|g" -e "s|@LISTEN@|$listen|g" -e "s|@MAX_BODY@|$max_body|g" \
      -e "s|@HTTPS_LISTEN@|$https_listen|g" -e "s|@REDIRECT_PORT@|$redirect_port|g" -e "s|@TLS_CERT@|$tls_cert|g" \
      -e "s|@TLS_KEY@|$tls_key|g" -e "s|@CONN_PER_ADDRESS@|$conn_per_address|g" -e "s|@ACME_ROOT@|$acme_root|g" \
      -e "s|@PREFIX@|${standalone}|g" "$1"
}

if [ -z "$standalone" ]; then
  acme_root=${acme_root:-/var/www/letsencrypt}
  render "$here/nginx/vision-playground.conf.in"
else
  mkdir -p "$standalone/tmp"
  standalone="$(cd "$standalone" && pwd)"
  acme_root=${acme_root:-$standalone/acme}
  mkdir -p "$acme_root"
  render "$here/nginx/vision-playground.conf.in" >"$standalone/vision-playground.conf"
  render "$here/nginx/standalone.conf.in" >"$standalone/nginx.conf"
  echo "$standalone/nginx.conf"
fi
