"""The threads uploads are stored in: their own pool, never asyncio's default one.

Storing is copying and hashing (the disk's pace; file I/O and hashlib release
the GIL) and, for media, decoding. A burst of uploads waits here, and never
takes the threads of asyncio's default pool (min(32, cores + 4)), which every
page's queries need. The buffered handler runs ``ingest.ingest_batch`` here;
the streaming one hands ``POOL`` to chunked.py for its writes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars

from upload_demo import ingest
from upload_demo.ingest import Incoming, Outcome, Uploader
from upload_demo.policy import UploadPolicy
from upload_demo.stores import Store

#: Uploads stored at once per process. Decoding is capped at 2 at a time (media.py, for
#: memory); with 4, two uploads can be copied while two are decoded.
INGEST_THREADS = 4

POOL = concurrent.futures.ThreadPoolExecutor(
    max_workers=INGEST_THREADS, thread_name_prefix="ingest"
)


async def ingest_in_pool(
    items: list[Incoming], policy: UploadPolicy, store: Store, by: Uploader
) -> list[Outcome]:
    """``ingest.ingest_batch`` in the pool, with this context (as asyncio.to_thread)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        POOL, lambda: context.run(ingest.ingest_batch, items, policy, store, by)
    )
