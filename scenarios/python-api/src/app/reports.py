"""Reporting endpoints: DuckDB aggregates the orders and writes the CSV export."""

import os
import tempfile

import duckdb
from fastapi import APIRouter, Response
from sqlalchemy import select

from .db import Order, SessionLocal

router = APIRouter(prefix="/reports", tags=["reports"])


def orders_table() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database holding a snapshot of the orders table."""
    with SessionLocal() as session:
        rows = session.execute(
            select(Order.customer, Order.amount, Order.currency, Order.created_at)
        ).all()
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE orders (customer VARCHAR, amount DECIMAL(12, 2), currency VARCHAR,"
        " created_at TIMESTAMP)"
    )
    if rows:
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", [tuple(r) for r in rows])
    return con


@router.get("/summary")
def summary() -> dict:
    con = orders_table()
    totals = con.execute(
        "SELECT currency, SUM(amount) FROM orders GROUP BY currency ORDER BY currency"
    ).fetchall()
    count = con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    return {"orders": count, "by_currency": {c: round(float(a), 2) for c, a in totals}}


@router.get("/orders.csv")
def export_csv() -> Response:
    con = orders_table()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "orders.csv")
        con.execute(f"COPY (SELECT * FROM orders ORDER BY created_at) TO '{path}' (HEADER)")
        with open(path) as f:
            return Response(f.read(), media_type="text/csv")
