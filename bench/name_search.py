"""How long a name search over 5,000 records takes on SQLite (store/beneficiaries.py decrypts at most NAME_SCAN
names): `python -m bench.name_search` from the repository root."""

from __future__ import annotations

import asyncio
import tempfile
import time

from store.beneficiaries import Filters, search
from store.crypto import Keyring, new_key
from store.db import make_engine, make_sessions
from store.migrate import upgrade_async
from store.models import Beneficiary

RECORDS = 5000


async def main() -> None:
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/names.sqlite3"
    await upgrade_async(url)
    engine, keyring = make_engine(url), Keyring([new_key()])
    sessions = make_sessions(engine)
    async with sessions() as tx, tx.begin():
        for n in range(RECORDS):
            tx.add(Beneficiary(full_name_enc=keyring.encrypt(f"محمد عبدالله القحطاني {n}")))
    for _ in range(3):
        async with sessions() as tx:
            started = time.perf_counter()
            page = await search(tx, keyring, Filters(text="عبداللة 4999"))
            took = time.perf_counter() - started
        print(f"name search over {RECORDS} records: {took:.3f} s ({page.total} found)")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
