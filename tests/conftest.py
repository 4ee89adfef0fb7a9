"""What every test folder shares: the targets tests run against, a stubbed real account, which tests are slow,
and the order pytest-xdist hands out work in.

Order: `make test` runs `--dist loadscope --no-loadscope-reorder` (pyproject.toml): each module, test class or
notebook runs on one worker, and scopes are handed out in the order collected. xdist's own order (most tests
first) started the JupyterLab tests, a few tests that take half a minute, last of all, while the other worker sat
idle. So the longest modules go first, then the notebooks, longest first as course.toml estimates them. A stale
entry here costs time, never a result.
"""
import nbval.kernel
import pytest

from serverless_workbook.common import registry
from serverless_workbook.course import notebook_runner
from serverless_workbook.models import costs

# Longest first, from `pytest --durations=0` on 2 cores (seconds per module).
LONGEST_FIRST = (
    "tests/labs/test_labs.py",  # each lab's warm kernel: untouched, then the solution with its trials (4-52 s)
    "tests/ui/test_ui_jupyterlab.py",  # 51 s
    "tests/cloud/test_redeploy.py",  # 35 s
    "tests/course/test_grading.py",  # 29 s
    "tests/templates/test_pipeline_e2e.py",  # 22 s
    "tests/localcloud/test_delays.py",  # 18 s: each delay waited out, at twice its length
)
# Whole labs, a browser, deployed pipelines or notebooks: `make unit` leaves these out.
SLOW = ("tests/labs/", "tests/ui/", "tests/templates/", "tests/cloud/test_redeploy.py", "tests/course/test_grading.py",
        "tests/course/test_gradebook.py", "tests/course/test_notebook_runner.py", "tests/localcloud/test_permissions.py",
        "tests/localcloud/test_delays.py", "tests/localcloud/test_localcloud_lambda_parallel.py",
        "tests/localcloud/test_api_gateway.py", "tests/localcloud/test_lambda_concurrency.py")
NBVAL_SECONDS = {entry.notebook: entry.nbval_seconds for entry in registry.entries()}
_start_new_kernel = nbval.kernel.start_new_kernel


def _start_new_kernel_once_more(*args, **kwargs):
    """nbval's kernel start under the runner's rule: once in about twenty runs a notebook's kernel died before it
    answered while other kernels and servers started beside it, and every cell of the notebook then failed."""
    return notebook_runner.once_more_if_the_kernel_died(lambda: _start_new_kernel(*args, **kwargs))


nbval.kernel.start_new_kernel = _start_new_kernel_once_more


def _rank(item) -> tuple[int, float]:
    path = item.nodeid.split("::")[0]
    for rank, prefix in enumerate(LONGEST_FIRST):
        if path.startswith(prefix):
            return rank, 0
    if path in NBVAL_SECONDS:
        return len(LONGEST_FIRST), -NBVAL_SECONDS[path]
    return len(LONGEST_FIRST) + 1, 0


def pytest_collection_modifyitems(items):
    for item in items:
        if item.nodeid.startswith(SLOW) or item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_rank)  # a stable sort: within a module, class or notebook the order stays as written


@pytest.fixture(scope="module")
def target():
    """The local cloud in this process, one per test module; a module that needs more overrides it."""
    # Imported when a test first needs a cloud: it takes 3 s, which a run of the course tests need not pay.
    from serverless_workbook.cloud.target import connect

    target = connect("local")
    yield target
    target.close()


@pytest.fixture(scope="module", params=["local", "local-server"])
def each_local_target(request):
    """The local cloud in this process, then as moto's server over HTTP: a module's tests run on both."""
    from serverless_workbook.cloud.target import connect

    target = connect(request.param)
    yield target
    target.close()


@pytest.fixture(scope="module")
def concurrent_target():
    """The local cloud as moto's server, each Lambda invocation in a sandbox process of its own."""
    from serverless_workbook.cloud.target import connect

    target = connect("local-server", concurrent_lambdas=True)
    yield target
    target.close()


@pytest.fixture
def stubbed_account():
    from stubbed_account import StubbedAccount

    return StubbedAccount()


@pytest.fixture
def unconfirmed(monkeypatch, stubbed_account):
    """A real account (stubbed) whose costs this kernel has not confirmed."""
    monkeypatch.delenv(costs.CONFIRM_VARIABLE, raising=False)
    monkeypatch.setattr(costs, "_confirmed", set())
    return stubbed_account
