"""Entry point: `python -m worker` (or the `spool-worker` script).

Imports every dependency and handler, prints one ready line, then polls the spool directory
until SIGTERM or SIGINT.
"""

import signal
import threading

import structlog

from . import __version__, handlers, log as logsetup
from .config import load_settings
from .jobs import HANDLERS
from .spool import Spool

log = structlog.get_logger()


def main() -> int:
    settings = load_settings()
    logsetup.configure(settings.log_level)
    handlers.load_all()
    spool = Spool(settings.spool_dir)

    stop = threading.Event()

    def on_signal(signum, _frame):
        log.info("worker.stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    print(f"worker ready: {len(HANDLERS)} handlers loaded", flush=True)
    log.info("worker.started", version=__version__, spool=str(settings.spool_dir),
             handlers=sorted(HANDLERS))
    while not stop.is_set():
        for path in spool.pending():
            if stop.is_set():
                break
            spool.process(path, settings.max_attempts)
        stop.wait(settings.poll_interval_s)
    log.info("worker.stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
