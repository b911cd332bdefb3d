# The reverse proxy of deploy/compose.yaml: Debian's nginx with the configuration rendered by deploy/render-nginx.sh
# (the same template a VM gets from `install.sh --proxy`), in front of the `app` service.
FROM debian:bookworm-slim

ARG UPSTREAM=app:8501
# the app container's UI processes: UPSTREAM's port and the next UI_PROCESSES - 1 (deploy/compose.yaml sets both images)
ARG UI_PROCESSES=2

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update -q \
    && apt-get install -y -q --no-install-recommends nginx=1.22.* \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
WORKDIR /opt/vision-proxy
COPY deploy/render-nginx.sh deploy/render-nginx.sh
COPY deploy/nginx deploy/nginx
COPY .streamlit/config.toml .streamlit/config.toml
RUN deploy/render-nginx.sh --upstream "${UPSTREAM}" --processes "${UI_PROCESSES}" --listen 8080 --config .streamlit/config.toml \
      >/etc/nginx/conf.d/vision-playground.conf \
    && nginx -t

EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
