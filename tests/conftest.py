"""The order pytest-xdist hands out work in: the longest scopes first.

`make test` runs `--dist loadscope --no-loadscope-reorder`: each module, test class or
notebook runs on one worker, and scopes are handed out in the order collected. xdist's own
order (most tests first) started the JupyterLab tests, a few tests that take half a minute,
last of all, while the other worker sat idle. A stale entry here costs time, never a result.
"""

# Longest first, from `pytest --durations=0` on 2 cores.
LONGEST_FIRST = (
    "tests/test_labs.py",  # the untouched labs (45 s together), then each lab's warm run (4-33 s)
    "tests/test_ui_jupyterlab.py",  # 32 s
    "tests/test_redeploy.py",  # 23 s
    "tests/test_grading.py",  # 15 s
    "tests/test_pipeline_e2e.py",  # 14 s
    "chapters/",  # 2-13 s each
    "solutions/",
)


def _rank(item) -> int:
    path = item.nodeid.split("::")[0]
    return next((rank for rank, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(items):
    items.sort(key=_rank)  # a stable sort: within a module, class or notebook the order stays as written
