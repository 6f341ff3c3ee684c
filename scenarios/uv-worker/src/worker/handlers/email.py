"""Renders a notification email (sending is the mail relay's job)."""

from pydantic import BaseModel

from ..jobs import handler


class EmailJob(BaseModel):
    to: str
    subject: str
    template: str = "plain"
    context: dict[str, str] = {}


@handler("email")
def render_email(payload: dict) -> dict:
    job = EmailJob.model_validate(payload)
    body = "\n".join(f"{key}: {value}" for key, value in sorted(job.context.items()))
    return {"to": job.to, "subject": job.subject, "bytes": len(body.encode())}
