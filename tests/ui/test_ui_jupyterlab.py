"""Browser tests: what a learner sees in JupyterLab, in Debian's Chromium.

The first opens the start page and the committed notebooks without running
anything, as a learner does on a fresh machine: the course map renders, lab 2's
stored player plays its video (so `make lab` has trusted the committed notebook),
and a failing check's message is readable. The second runs chapter 1: its
figures and live widgets.

JupyterLab is started the way the README's first command starts it
(scripts/lab.sh), on a random port with a random token. Debian's Chromium is
driven by Playwright; no browser is ever downloaded. The test clears the
stored outputs, runs every cell, and checks what a learner sees: the diagrams
as images, the cost model as sliders that redraw the chart, no error output,
no "Error displaying widget" and no news pop-up. The screenshot goes to
reports/ui/chapter01.png.

JupyterLab gets its own settings, workspaces and runtime folders, so a
learner's layout and settings neither affect the test nor are touched by it;
autosave is off there, so the committed notebook is never saved over (the
test checks its bytes anyway).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from serverless_workbook.common.registry import ROOT
from chromium import kill_leftovers

NOTEBOOK = "chapters/01-serverless-architectures.ipynb"
START_PAGE = "chapters/00-start-here.ipynb"
PLAYER_NOTEBOOK = "solutions/lab02-video-pipeline.ipynb"
UNDONE_LAB = "labs/lab01-serverless-or-not.ipynb"
SCREENSHOT = ROOT / "reports" / "ui" / "chapter01.png"
# At least this many images must render outside the widgets: chapter 1 has four diagrams.
MIN_FIGURES = 3
MAX_SCREENSHOT_HEIGHT = 16_000   # Chromium draws no taller page in one piece

STARTUP_TIMEOUT_S = 180   # scripts/setup.sh is quick once set up; the server then starts in seconds
RUN_TIMEOUT_S = 240       # running every cell of the chapter


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_status(port: int, path: str, method: str = "GET") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        return conn.getresponse().status
    finally:
        conn.close()


class Lab:
    def __init__(self, port: int, token: str, log: Path):
        self.port, self.token, self.log = port, token, log

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}?token={self.token}"


@pytest.fixture
def committed_notebooks():
    """The opened notebooks' bytes before the test; they must be the same after it."""
    paths = [ROOT / name for name in (NOTEBOOK, START_PAGE, PLAYER_NOTEBOOK, UNDONE_LAB)]
    before = {path: path.read_bytes() for path in paths}
    folders = {path.parent / ".ipynb_checkpoints" for path in paths}
    had_checkpoints = {folder for folder in folders if folder.exists()}
    yield paths
    changed = [path for path, data in before.items() if path.read_bytes() != data]
    for path in changed:
        path.write_bytes(before[path])
    for folder in folders - had_checkpoints:
        shutil.rmtree(folder, ignore_errors=True)
    assert not changed, f"JupyterLab saved over {changed}; the committed bytes have been restored"


@pytest.fixture
def lab(tmp_path, committed_notebooks):
    """scripts/lab.sh on a random port and token, stopped (with its kernels) at the end."""
    port, token = _free_port(), secrets.token_hex(24)
    home = tmp_path / "jupyter"
    settings = home / "settings"
    # Belt and braces with the bytes check: nothing the test does may reach the disk.
    (settings / "@jupyterlab" / "docmanager-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"autosave": False}))
    runtime = home / "runtime"
    env = dict(os.environ, PORT=str(port), TOKEN=token,
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(runtime),
               # A fresh data folder holds no notebook signatures: a learner's first open.
               JUPYTER_DATA_DIR=str(home / "data"))
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["scripts/lab.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    announced = None
    try:
        # lab.sh takes the first free port from PORT: read the one it announces.
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while announced is None:
            match = re.search(rf"http://127\.0\.0\.1:(\d+)/lab/tree/{re.escape(START_PAGE)}\?token={token}",
                              log.read_text())
            if match:
                announced = int(match.group(1))
            elif proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/lab.sh printed no URL (exit code {proc.poll()}):\n{log.read_text()}")
            else:
                time.sleep(0.2)
        server = Lab(announced, token, log)
        status = None
        while status != 200:
            try:
                status = _http_status(server.port, f"/lab?token={token}")
            except OSError:
                status = None
            if status != 200:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"GET /lab answered {status} (exit code {proc.poll()}):\n{log.read_text()}")
                time.sleep(0.2)
        assert status == 200
        yield server
    finally:
        # A clean shutdown also stops the kernels, which run in sessions of their own.
        try:
            if proc.poll() is None:
                _http_status(announced or port, f"/api/shutdown?token={token}", "POST")
        except Exception:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # anything else still in lab.sh's group
        except ProcessLookupError:
            pass
        # Kernels name their connection file, which lives in the runtime folder.
        leftovers = kill_leftovers(str(runtime), "kernel")
        assert not leftovers, f"JupyterLab left kernels running: {leftovers}"



def _menu(page, menu: str, item: str) -> None:
    """Click a JupyterLab menu-bar entry, then one of its items."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


_KERNEL_READY = """() => {
    const panel = document.querySelector('.jp-NotebookPanel');
    const name = panel?.querySelector('.jp-Toolbar-kernelName')?.textContent.trim();
    return Boolean(name) && name !== 'No Kernel'
        && panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle';
}"""

# Every code cell has run when each prompt shows a number and none a star;
# an error stops Run All early, so an error output also ends the wait.
_RUN_FINISHED = """() => {
    const panel = document.querySelector('.jp-NotebookPanel');
    if (!panel) return false;
    const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    if (panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            && prompts.every(p => p !== '[*]:')) return true;
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p))
        && status !== null && status.dataset.status === 'idle';
}"""

_FIGURES = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output img')]
    .filter(img => !img.closest('.jupyter-widgets'))
    .map(img => ({complete: img.complete, width: img.naturalWidth, height: img.naturalHeight}))"""


def _clip_seconds() -> float:
    """The length lab 2 gives its clip, as the notebook itself states it."""
    source = (ROOT / PLAYER_NOTEBOOK).read_text()
    return float(re.search(r"CLIP_SECONDS = (\d+(?:\.\d+)?)", source).group(1))


_VIDEO = """video => ({readyState: video.readyState, duration: video.duration, width: video.videoWidth,
    height: video.videoHeight, src: (video.querySelector('source')?.getAttribute('src') || video.src || '').slice(0, 22)})"""


@pytest.mark.timeout(600, method="signal")
def test_a_first_open_shows_the_map_the_committed_video_and_a_readable_check(lab, page, capsys):
    # The URL make lab prints opens the start page, with its course map.
    page.goto(lab.url(f"/lab/tree/{START_PAGE}"))
    course_map = page.locator(".jp-NotebookPanel .jp-RenderedMarkdown table").first
    course_map.wait_for(state="visible")
    rows = course_map.locator("tbody tr").all_inner_texts()
    assert len(rows) >= 3 and all(f"Lab {n}" in row for n, row in zip((1, 2, 3), rows)), rows

    # A committed notebook, opened and not run, plays its stored video: JupyterLab trusted it.
    page.goto(lab.url(f"/lab/tree/{PLAYER_NOTEBOOK}") + "&reset")   # reset: this notebook alone, no restored tabs
    video = page.locator(".jp-NotebookPanel .jp-OutputArea-output video").first
    video.wait_for(state="attached")
    video.scroll_into_view_if_needed()
    handle = video.element_handle()
    try:
        page.wait_for_function("video => video.readyState >= 1", arg=handle, timeout=30_000)
    finally:
        state = page.evaluate(_VIDEO, handle)
        with capsys.disabled():
            print(f"\nlab 2's stored player: {state}")
    assert state["src"].startswith("data:video/mp4"), f"the video's source was stripped: {state}"
    assert abs(state["duration"] - _clip_seconds()) < 0.5, state
    assert state["width"] > 0 and state["height"] > 0, state

    # A check of an exercise left undone fails with a message a learner can read in the page.
    page.goto(lab.url(f"/lab/tree/{UNDONE_LAB}") + "&reset")
    panel = page.locator(".jp-NotebookPanel")
    panel.locator(".jp-Cell").first.wait_for()
    page.wait_for_function(_KERNEL_READY, timeout=120_000, polling=250)
    _menu(page, "Run", "Run All Cells")   # stops at the first check that fails
    error = panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').first
    error.wait_for(state="attached", timeout=RUN_TIMEOUT_S * 1000)
    # Off-screen cells are not drawn (content-visibility), so have no rendered text: bring it into view as a learner would.
    error.scroll_into_view_if_needed()
    page.wait_for_function("el => el.innerText.includes('ExerciseFailed')", arg=error.element_handle())
    text = error.inner_text()
    assert "ExerciseFailed: Exercise 1.1 is not done yet" in text, text
    assert "Write your answer in place of the stub" in text, text
    assert "contextlib" not in text and "serverless_workbook/course/checks.py" not in text, (
        f"the check's own frames bury the message: {text}")
    assert "\x1b[" not in text and "[0;31m" not in text, f"raw terminal colour codes in the message: {text!r}"


@pytest.mark.timeout(600, method="signal")   # signal, so the fixtures still stop JupyterLab and Chromium
def test_chapter_1_runs_in_jupyterlab_with_figures_and_live_widgets(lab, page, capsys):
    started = time.monotonic()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(lab.url(f"/lab/tree/{NOTEBOOK}"))
        panel = page.locator(".jp-NotebookPanel")
        panel.locator(".jp-Cell").first.wait_for()
        # The execution indicator says idle even before there is a kernel, and Run All
        # without a kernel asks which to start: wait until the kernel is named and idle.
        page.wait_for_function(_KERNEL_READY, timeout=120_000, polling=250)

        # Clear the stored outputs first, so all that is checked below comes from this run.
        _menu(page, "Edit", "Clear Outputs of All Cells")
        page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel .jp-OutputArea-output')")
        _menu(page, "Run", "Run All Cells")
        page.wait_for_function(_RUN_FINISHED, timeout=RUN_TIMEOUT_S * 1000, polling=250)

        # (c) no cell shows an error
        stderr = panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        errors = [t for t in stderr.all_text_contents() if re.search(r"Traceback|\w+Error\b|Exception", t)]
        assert not errors, "cells failed in JupyterLab:\n\n" + "\n\n".join(errors)
        for text in stderr.all_text_contents():
            print(f"warning: a cell wrote to stderr:\n{text}")
        prompts = [p.strip() for p in panel.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()]
        assert prompts and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), f"not every cell ran: {prompts}"

        # (a) the diagrams render as images
        page.wait_for_function(
            f"() => ({_FIGURES})().filter(i => i.complete && i.width > 0).length >= {MIN_FIGURES}")
        figures = page.evaluate(_FIGURES)
        assert len(figures) >= MIN_FIGURES, f"expected at least {MIN_FIGURES} figures, found {figures}"
        assert all(f["complete"] and f["width"] > 0 and f["height"] > 0 for f in figures), (
            f"some figures did not render: {figures}")

        # (b) the cost model renders as live controls, and the chart follows them
        slider = panel.locator(".jupyter-widgets.widget-slider").first
        slider.wait_for(state="visible")
        assert panel.locator(".jupyter-widgets.widget-slider").count() >= 1
        chart = panel.locator(".jupyter-widgets.widget-output img").first
        chart.wait_for(state="visible")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
        assert page.get_by_text("Error displaying widget").count() == 0, "a widget failed to display"

        readout = slider.locator(".widget-readout")
        value_before, chart_before = readout.text_content().strip(), chart.get_attribute("src")
        slider.locator(".noUi-handle").first.focus()
        page.keyboard.press("End")   # noUiSlider: End moves the handle to the maximum
        page.wait_for_function("([el, before]) => el.textContent.trim() !== before",
                               arg=[readout.element_handle(), value_before.strip()])
        value_after = readout.text_content().strip()
        page.wait_for_function(
            """before => {
                const img = document.querySelector('.jp-NotebookPanel .jupyter-widgets.widget-output img');
                return img && img.getAttribute('src') !== before && img.complete && img.naturalWidth > 0;
            }""", arg=chart_before, timeout=60_000)
        print(f"slider moved from {value_before} to {value_after}; the chart redrew")
        assert page.get_by_text("Error displaying widget").count() == 0, "a widget failed to display"

        # The offline machine must not be asked about Jupyter news (setup's overrides.json).
        toasts = page.locator(".Toastify__toast").all_inner_texts()
        assert not [t for t in toasts if re.search(r"\bnews\b", t, re.I)], f"news pop-up appeared: {toasts}"
    finally:
        _screenshot_whole_notebook(page)
        with capsys.disabled():   # shown even when pytest captures output
            print(f"\nscreenshot: {SCREENSHOT} (browser part took {time.monotonic() - started:.1f} s)")


def _screenshot_whole_notebook(page) -> None:
    """The notebook scrolls inside JupyterLab: fold the file browser away, grow the
    window to the notebook's height, scroll to its top, then shoot."""
    try:
        current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        if current.count():
            current.first.click(timeout=5_000)   # clicking the open side panel's tab folds it away
    except Exception as error:   # a dialog in the way, say: shoot what there is
        print(f"could not fold the side panel for the screenshot: {error}")
    try:
        # Off-screen cells count with a placeholder height until they are drawn:
        # grow the window until the last cell is in view.
        for _ in range(10):
            hidden = page.evaluate("""() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
                const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
                if (!scroller) return done(0);
                scroller.scrollTop = 0;
                // Measure to the last cell: the space JupyterLab adds past the end grows with the window.
                const cells = scroller.querySelectorAll('.jp-Cell');
                if (!cells.length) return done(0);
                const bottom = cells[cells.length - 1].getBoundingClientRect().bottom
                    - scroller.getBoundingClientRect().top;
                done(Math.ceil(bottom + 16 - scroller.clientHeight));
            })))""")
            size = page.viewport_size
            if hidden <= 1 or size["height"] >= MAX_SCREENSHOT_HEIGHT:
                break
            page.set_viewport_size({"width": size["width"],
                                    "height": min(size["height"] + hidden, MAX_SCREENSHOT_HEIGHT)})
    except Exception as error:   # the screenshot still helps at the original size
        print(f"could not enlarge the window for the screenshot: {error}")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
