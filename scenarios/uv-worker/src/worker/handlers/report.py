"""Aggregates a batch of order amounts per currency."""

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel, Field

from ..jobs import handler


class Line(BaseModel):
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal


class ReportJob(BaseModel):
    lines: list[Line]


@handler("report")
def totals(payload: dict) -> dict:
    job = ReportJob.model_validate(payload)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in job.lines:
        sums[line.currency.upper()] += line.amount
    return {"currencies": {c: str(v) for c, v in sorted(sums.items())}, "lines": len(job.lines)}
