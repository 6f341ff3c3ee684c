"""The FastAPI application: `uvicorn app.main:app`."""

from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel

from . import __version__, cache
from .config import get_settings
from .db import Order, SessionLocal, database_ok
from .reports import router as reports_router

log = structlog.get_logger()


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.http = httpx.AsyncClient(timeout=settings.http_timeout_s)
    log.info("startup", version=__version__)
    yield
    await app.state.http.aclose()


app = FastAPI(title="Orders API", version=__version__, lifespan=lifespan)
app.include_router(reports_router)


class OrderIn(BaseModel):
    customer: str
    amount: float
    currency: str = "EUR"


@app.get("/health")
def health(response: Response) -> dict:
    """Readiness: the app is up and its database answers; with APP_HEALTH_REQUIRES_REDIS (as
    in its compose stack, scenarios/stack) Redis answers too. 503 until they do."""
    checks = {"database": database_ok()}
    if get_settings().health_requires_redis:
        checks["redis"] = cache.ping()
    ready = all(checks.values())
    if not ready:
        response.status_code = 503
    return {"status": "ok" if ready else "unavailable", "version": __version__, **checks}


@app.post("/orders", status_code=201)
def create_order(order: OrderIn) -> dict:
    with SessionLocal() as session:
        row = Order(customer=order.customer, amount=order.amount, currency=order.currency)
        session.add(row)
        session.commit()
        return {"id": row.id}


@app.get("/orders/{order_id}")
def get_order(order_id: int) -> dict:
    with SessionLocal() as session:
        row = session.get(Order, order_id)
        if row is None:
            raise HTTPException(status_code=404, detail="order not found")
        return {"id": row.id, "customer": row.customer, "amount": float(row.amount),
                "currency": row.currency}


@app.get("/rates/{currency}")
async def rates(currency: str) -> dict:
    key = f"rates:{currency}"
    cached = cache.get_cached(key)
    if cached is not None:
        return {"currency": currency, "rate": float(cached), "cached": True}
    resp = await app.state.http.get(get_settings().rates_url, params={"base": currency})
    resp.raise_for_status()
    rate = float(resp.json()["rate"])
    cache.set_cached(key, str(rate).encode())
    return {"currency": currency, "rate": rate, "cached": False}
