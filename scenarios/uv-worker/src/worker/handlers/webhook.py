"""Prepares a webhook delivery: the signed JSON body (delivery is left to the HTTP relay)."""

import hashlib
import hmac

import orjson

from ..jobs import handler


@handler("webhook")
def sign(payload: dict) -> dict:
    body = orjson.dumps(payload.get("body", {}), option=orjson.OPT_SORT_KEYS)
    secret = str(payload.get("secret", "")).encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return {"url": payload.get("url"), "bytes": len(body), "signature": f"sha256={signature}"}
