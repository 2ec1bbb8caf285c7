"""The training child's entry point: ``python -m stroydesk.routing.training_child --database
NAME [--keep]`` trains a routing model, stores it and prints one result line (see
``routing.training``, which starts it)."""

from __future__ import annotations

import argparse
import json
import os

from django.conf import settings

# The child's last line on stdout is its result; everything it logs goes to stderr.
RESULT_PREFIX = "routing-training-result "


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB; 0 where there is no /proc (the model
    is stored by then: a missing figure must not fail the job)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train a routing model (the nightly child).")
    parser.add_argument("--database", required=True, help="the parent's database NAME")
    parser.add_argument("--keep", action="store_true", help="store it without activating")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stroydesk.settings")
    # The name must be set before Django opens a connection, and models can only be imported
    # once the apps are set up: hence these imports here, not at the top.
    import django

    settings.DATABASES["default"]["NAME"] = args.database
    django.setup()
    from stroydesk.routing import services

    model = services.model_train(activate=not args.keep)
    result = {"version": model.version, "pid": os.getpid(), "peak_mb": round(peak_mb(), 1)}
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
