"""The command line: ``python -m tests.services start|stop|status``."""

from __future__ import annotations

import argparse
import sys

from tests.services import read_env, start, status, stop
from tests.services.processes import ServiceError, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.services",
        description="Real PostgreSQL, Redis and Ceph RGW on loopback.",
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    command = parser.parse_args(argv).command
    try:
        if command == "start":
            start()
            return 0
        if command == "stop":
            env = read_env()
            if not env:
                log("nothing to stop (no env file)")
                return 0
            stop(env)
            return 0
        return status()
    except ServiceError as error:
        print(f"services: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
