"""Production launcher: ``python -m components.serve [--env-file FILE] [APP] [streamlit run options…]``.

What ``deploy/`` starts (systemd unit, Docker image, the proxy tests) instead of a bare ``streamlit run``:

1. reads the production settings from an environment file (``--env-file``, else ``$VISION_ENV_FILE``, else none):
   ``KEY=VALUE`` lines (the format of systemd's ``EnvironmentFile=`` and Compose's ``env_file:``); a variable already
   set in the environment wins, so ``docker run -e`` and systemd overrides keep working;
2. installs :func:`components.errors.install_global_handler`: an uncaught exception in a page is logged with an id
   and the visitor sees only that id;
3. runs ``streamlit run APP`` (default ``app.py``) in this process.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

ENV_FILE_VAR = "VISION_ENV_FILE"


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments and blank lines skipped; one level of quotes removed."""
    values: dict[str, str] = {}
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ValueError(f"{path}:{n}: not a KEY=VALUE line: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = shlex.split(value)[0]
        values[key] = value
    return values


def apply_env_file(path: Path) -> dict[str, str]:
    values = read_env_file(path)
    for key, value in values.items():
        os.environ.setdefault(key, value)
    return values


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    env_file = os.environ.get(ENV_FILE_VAR)
    if args[:1] == ["--env-file"]:
        env_file, args = args[1], args[2:]
    if env_file:
        apply_env_file(Path(env_file))
    app = "app.py"
    if args and not args[0].startswith("-"):
        app, args = args[0], args[1:]

    from components.errors import install_global_handler

    install_global_handler()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", app, *args]
    cli.main()


if __name__ == "__main__":
    main()
