#!/usr/bin/env bash
# Renders the nginx configuration of the vision playground from deploy/nginx/*.conf.in.
#
#   deploy/render-nginx.sh [--upstream HOST:PORT]... [--listen ADDR:PORT] [--config .streamlit/config.toml]
#                          [--standalone DIR]
#
# --upstream may be given several times (or as a comma-separated list, also in $VISION_UPSTREAM): N Streamlit UI
# replicas, each visitor kept on one of them (hash $remote_addr consistent). Default: 127.0.0.1:8501.
#
# Without --standalone: prints the http{}-level site configuration (for /etc/nginx/conf.d/).
# With --standalone DIR: writes DIR/vision-playground.conf and DIR/nginx.conf (a complete main configuration
# whose pid, logs and temporary files stay in DIR) for `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`.
# The body limit is server.maxUploadSize (MB) of the app's .streamlit/config.toml: the one place it is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
upstreams=()
listen=${VISION_LISTEN:-80}
config="$here/../.streamlit/config.toml"
standalone=""
while [ $# -gt 0 ]; do
  case "$1" in
    --upstream) IFS=, read -r -a more <<<"$2"; upstreams+=("${more[@]}"); shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --standalone) standalone=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "render-nginx.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ${#upstreams[@]} -eq 0 ]; then
  IFS=, read -r -a upstreams <<<"${VISION_UPSTREAM:-127.0.0.1:8501}"
fi
upstream=$(IFS=,; echo "${upstreams[*]}")
if [ ${#upstreams[@]} -eq 1 ]; then
  servers="    server ${upstreams[0]};"
else
  servers="    hash \$remote_addr consistent;"
  for u in "${upstreams[@]}"; do
    servers+="\n    server $u max_fails=3 fail_timeout=10s;"
  done
fi

# maxUploadSize = 200   (Streamlit's default is 200 when the key is absent)
mb=$(sed -n -E 's/^[[:space:]]*maxUploadSize[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$config" | head -n1)
mb=${mb:-200}
# A little headroom for the multipart envelope around the file itself.
max_body="$((mb + 1))m"

render() {
  sed -e "s|@UPSTREAM_SERVERS@|$servers|" -e "s|@UPSTREAM@|$upstream|g" -e "s|@LISTEN@|$listen|g" -e "s|@MAX_BODY@|$max_body|g" \
      -e "s|@PREFIX@|${standalone}|g" "$1"
}

if [ -z "$standalone" ]; then
  render "$here/nginx/vision-playground.conf.in"
else
  mkdir -p "$standalone/tmp"
  standalone="$(cd "$standalone" && pwd)"
  render "$here/nginx/vision-playground.conf.in" >"$standalone/vision-playground.conf"
  render "$here/nginx/standalone.conf.in" >"$standalone/nginx.conf"
  echo "$standalone/nginx.conf"
fi
