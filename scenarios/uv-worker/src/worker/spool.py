"""The spool directory: each *.json file is one job; done and failed jobs are moved aside."""

from pathlib import Path

import orjson
import structlog
from pydantic import ValidationError

from . import jobs

log = structlog.get_logger()


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.done = root / "done"
        self.failed = root / "failed"
        for folder in (self.root, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def pending(self) -> list[Path]:
        # Oldest first; a file is complete once renamed to *.json (writers use *.tmp first).
        return sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime)

    def process(self, path: Path, max_attempts: int) -> bool:
        """Runs one job file; True if it succeeded."""
        try:
            job = jobs.Job.model_validate(orjson.loads(path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ValidationError) as err:
            log.warning("job.invalid", file=path.name, error=str(err))
            path.replace(self.failed / path.name)
            return False
        try:
            result = jobs.run(job, max_attempts)
        except Exception as err:  # a failed job must not stop the worker
            log.error("job.failed", job=job.id, kind=job.kind, error=repr(err))
            path.replace(self.failed / path.name)
            return False
        (self.done / path.name).write_bytes(
            orjson.dumps({"job": job.model_dump(mode="json"), "result": result})
        )
        path.unlink()
        log.info("job.done", job=job.id, kind=job.kind)
        return True
