"""tuning-demo: a handler whose costs chapter 6 dials, to see where a function's time goes.

Its environment sets what the Init phase does (EXTRA_IMPORTS: modules imported at load, as a handler importing a
big library does; INIT_ROUNDS: work done once per environment, as loading a model or a table does); its event sets
what each invocation does ("rounds" of SHA-256 on one thread: compute, which memory speeds up; "wait_ms": waiting,
as on a database or S3, which it does not).
"""
import hashlib
import importlib
import os
import time

for _module in filter(None, os.environ.get("EXTRA_IMPORTS", "").split(",")):
    importlib.import_module(_module)


def _compute(rounds: int) -> str:
    digest = b"lambda"
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


TABLE = _compute(int(os.environ.get("INIT_ROUNDS", "0")))


def handler(event, context):
    digest = _compute(int(event.get("rounds", 0)))
    time.sleep(float(event.get("wait_ms", 0)) / 1000)
    return {"digest": digest[:16]}
