"""The yardstick for intake: a bare FastAPI endpoint doing one SQLite insert (the same
SQLAlchemy and aiosqlite as the services), served by uvicorn like them."""
import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from sqlalchemy import Column, DateTime, MetaData, String, Table, insert

from vod_shared.db import create_engine

metadata = MetaData()
items = Table("items", metadata, Column("id", String, primary_key=True),
              Column("body", String), Column("at", DateTime(timezone=True)))
# the services' own engine: WAL, synchronous=NORMAL, the same busy timeout and pool
engine = create_engine(os.environ["BENCH_BARE_DATABASE_URL"])


@asynccontextmanager
async def lifespan(_app: FastAPI):
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/items", status_code=202)
async def add(request: Request) -> dict:
    body = await request.body()
    item = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(insert(items).values(id=item, body=body.decode(),
                                                at=datetime.now(timezone.utc)))
    return {"id": item}
