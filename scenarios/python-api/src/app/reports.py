"""Reporting endpoints: pandas for aggregation and CSV export."""

import io

import pandas as pd
from fastapi import APIRouter, Response
from sqlalchemy import select

from .db import Order, SessionLocal

router = APIRouter(prefix="/reports", tags=["reports"])


def orders_frame() -> pd.DataFrame:
    with SessionLocal() as session:
        rows = session.execute(
            select(Order.customer, Order.amount, Order.currency, Order.created_at)
        ).all()
    return pd.DataFrame(rows, columns=["customer", "amount", "currency", "created_at"])


@router.get("/summary")
def summary() -> dict:
    df = orders_frame()
    if df.empty:
        return {"orders": 0, "by_currency": {}}
    totals = df.groupby("currency")["amount"].sum().astype(float).round(2)
    return {"orders": int(len(df)), "by_currency": totals.to_dict()}


@router.get("/orders.csv")
def export_csv() -> Response:
    buf = io.StringIO()
    orders_frame().to_csv(buf, index=False)
    return Response(buf.getvalue(), media_type="text/csv")
