"""Lab 5's workspace: the parallel encoder's handlers and state machine written in notebook cells, deployed for real.

    %load_ext serverless_workbook.workspaces.parallel_lab

    %%handler split              the cell becomes split.py in workspace/parallel_encode/
    %%state_machine              the cell's YAML is the Definition of the template's state machine

A handler or definition still holding the generated stub is replaced by the reference
(functions/parallel_encode/, templates/parallel-encode.yaml), so a learner who skips one
exercise can still do the ones after it, and the invert test sees only its check fail.
"""
from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from serverless_workbook.common import media, process_environment, waiting
from serverless_workbook.course.lab_format import STUB, NotSaved, without_markers
from serverless_workbook.common.templates import load_template, write_template
from serverless_workbook.localcloud.stepfunctions import definition as substituted
# The lab's target (parallel_lab.connect_concurrent() in its notebook): the encoders run side by side.
from serverless_workbook.cloud.target import connect_concurrent  # noqa: F401
from serverless_workbook.workspaces import check_cloud, register_saving_magics
from serverless_workbook.common.registry import ROOT

FUNCTIONS = ROOT / "functions" / "parallel_encode"
REFERENCE_TEMPLATE = ROOT / "templates" / "parallel-encode.yaml"
HANDLERS = ("split", "encode_segment", "merge")
# What a handler module may import besides the standard library and boto3: the modules beside it.
HELPERS = ("ffmpeg_tools.py",)
# The memory the template gives every function, so a check's throwaway function gets the CPU the deployed one
# gets (at 128 MB Lambda gives a function 1/14 of a CPU, and so does the local cloud).
TEMPLATE_MEMORY_MB = max(resource["Properties"].get("MemorySize", 128) for resource in load_template(
    REFERENCE_TEMPLATE.read_text())["Resources"].values() if resource["Type"] == "AWS::Lambda::Function")


@dataclass
class Workspace:
    """The learner's handlers and state machine definition; git ignores the folder."""

    folder: Path
    done: set[str] = field(default_factory=set)
    definition: dict[str, Any] | None = None
    definition_stub: str | None = None

    @property
    def code(self) -> Path:
        return self.folder / "parallel_encode"

    def save_handler(self, name: str, source: str) -> str:
        if name not in HANDLERS:
            raise ValueError(f"No handler named {name!r}; choose one of {', '.join(HANDLERS)}")
        self.code.mkdir(parents=True, exist_ok=True)
        (self.code / f"{name}.py").write_text(without_markers(source))
        if STUB.search(source):
            self.done.discard(name)
            return f"Saved {name}.py, still a stub: until you write it, deploys use functions/parallel_encode/{name}.py."
        self.done.add(name)
        return f"Saved {name}.py: the {name.replace('_', '-')} function deploys this code."

    def learner_handler(self, name: str) -> Path:
        """A folder with the learner's module and the helpers beside it, for the checks: never the reference."""
        source = self.code / f"{name}.py"
        if not source.is_file():
            raise NotSaved(f"run the %%handler {name} cell first")
        stub = STUB.search(source.read_text())
        if stub:
            raise NotImplementedError(stub.group(1))
        folder = self.folder / "trial" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy(source, folder)
        for helper in HELPERS:
            shutil.copy(FUNCTIONS / helper, folder)
        return folder

    def deploy_folder(self) -> Path:
        """The function package: the learner's handlers where written, the reference's otherwise."""
        folder = self.folder / "package"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(FUNCTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        for name in self.done:
            shutil.copy(self.code / f"{name}.py", folder)
        return folder

    def save_definition(self, text: str) -> str:
        self.definition, self.definition_stub = None, None
        stub = STUB.search(text)
        if stub:
            self.definition_stub = stub.group(1)
            return ("Saved the state machine, still a stub: until you write it, deploys use the definition in "
                    "templates/parallel-encode.yaml.")
        definition = yaml.safe_load(without_markers(text))
        if not isinstance(definition, dict) or "States" not in definition or "StartAt" not in definition:
            raise ValueError("A state machine definition is a YAML mapping with StartAt and States, "
                             f"found {str(definition)[:200]}")
        self.definition = definition
        return f"Saved the state machine: {definition['StartAt']} first, states {', '.join(definition['States'])}."

    def learner_definition(self) -> dict[str, Any]:
        if self.definition_stub:
            raise NotImplementedError(self.definition_stub)
        if self.definition is None:
            raise NotSaved("run the %%state_machine cell first")
        return self.definition

    def template(self) -> dict[str, Any]:
        """The reference template, with the learner's state machine definition once it is written."""
        template = load_template(REFERENCE_TEMPLATE.read_text())
        if self.definition is not None:
            template["Resources"]["EncodeStateMachine"]["Properties"]["Definition"] = self.definition
        return template

    def write_template(self) -> Path:
        return write_template(self.template(), self.folder / "parallel-encode.yaml")

    def describe(self) -> list[str]:
        lines = [f"{name}: {'yours' if name in self.done else f'reference (functions/parallel_encode/{name}.py)'}"
                 for name in HANDLERS]
        lines.append(f"state machine: {'yours' if self.definition else 'reference (templates/parallel-encode.yaml)'}")
        return lines


# ---------- what the checks observe ----------

def all_states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state by name, those inside Map and Parallel states too."""
    found = {}
    for name, state in definition.get("States", {}).items():
        found[name] = state
        for inner in [state.get("ItemProcessor") or state.get("Iterator") or {}, *state.get("Branches", [])]:
            found.update(all_states(inner))
    return found


def lambda_tasks(definition: dict[str, Any]) -> dict[str, str]:
    """State name -> the function it invokes, for every Task state that is not a direct service integration."""
    return {name: state.get("Resource", "") for name, state in all_states(definition).items()
            if state.get("Type") == "Task" and not state.get("Resource", "").startswith("arn:aws:states:::")}


@contextlib.contextmanager
def trial_state_machine(target: Any, stack_name: str, outputs: dict[str, str],
                        definition: dict[str, Any]) -> Iterator[str]:
    """The definition as a throwaway state machine over the stack's functions, table and role; yields its ARN."""
    sfn, lam = target.client("stepfunctions"), target.client("lambda")
    substitutions = {f"{logical}FunctionArn": lam.get_function(FunctionName=f"{stack_name}-{name}")["Configuration"]["FunctionArn"]
                     for logical, name in (("Split", "split"), ("EncodeSegment", "encode-segment"), ("Merge", "merge"))}
    substitutions["VideosTableName"] = outputs["VideosTableName"]
    role = sfn.describe_state_machine(stateMachineArn=outputs["StateMachineArn"])["roleArn"]
    name = f"{stack_name}-trial"
    with contextlib.suppress(sfn.exceptions.StateMachineDoesNotExist):
        # What a check interrupted before its clean-up left behind.
        sfn.delete_state_machine(stateMachineArn=outputs["StateMachineArn"].rsplit(":", 1)[0] + f":{name}")
    arn = sfn.create_state_machine(name=name, roleArn=role, definition=substituted(
        {"Definition": definition, "DefinitionSubstitutions": substitutions}))["stateMachineArn"]
    try:
        yield arn
    finally:
        wait_for_executions(target, arn)
        sfn.delete_state_machine(stateMachineArn=arn)


def packets(path: str | Path, stream: str = "v") -> list[str]:
    """A fingerprint of every packet of the file's first video (or audio) stream, as stored, in order.

    Read with a stream copy, so a file cut by stream copy has exactly the packets of the file
    it came from, and a re-encoded one has others.
    """
    return _framemd5(path, stream, "-c", "copy")


def pictures(path: str | Path) -> list[str]:
    """A fingerprint of every decoded picture of the file's video, in order.

    A stream copy leaves the pictures as they were, even where the concat demuxer repeats the
    codec's parameter sets inside keyframe packets; encoding them again (x264 is lossy) does not.
    """
    return _framemd5(path, "v")


def _framemd5(path: str | Path, stream: str, *codec: str) -> list[str]:
    lines = process_environment.run(
        [media.FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", f"0:{stream}:0", *codec, "-f", "framemd5",
         "-"], capture_output=True, text=True, check=True).stdout.splitlines()
    return [line.rsplit(",", 1)[1].strip() for line in lines if not line.startswith("#")]


_X264_OPTIONS = re.compile(rb"x264 - core \d+ .*? - options: ([ -~]+)")


def x264_options(path: str | Path) -> dict[str, str]:
    """The settings x264 wrote into the stream (its SEI message): threads, crf, ... Empty if another encoder made it."""
    found = _X264_OPTIONS.findall(Path(path).read_bytes())
    if not found:
        return {}
    # The last one: a stream copy keeps the source's message, an encode writes its own.
    return dict(option.split("=", 1) for option in found[-1].decode().split() if "=" in option)


def merge_inputs(clip: Path, folder: Path, segments: int) -> tuple[list[Path], Path]:
    """What the Map hands the merge, made as the reference functions make it: the clip's video cut at keyframes
    by stream copy, each piece encoded on its own with x264, and the audio copied apart."""
    shutil.rmtree(folder, ignore_errors=True)  # pieces of an earlier run would be joined too
    folder.mkdir(parents=True)
    duration = media.probe(clip).duration
    ffmpeg = [media.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    process_environment.run([*ffmpeg, "-i", str(clip), "-map", "0:v:0", "-c", "copy", "-f", "segment",
                             "-segment_time", f"{duration / segments:.6f}", "-reset_timestamps", "1",
                             str(folder / "piece-%03d.mp4")], check=True)
    encoded = []
    for piece in sorted(folder.glob("piece-*.mp4")):
        encoded.append(folder / piece.name.replace("piece", "encoded"))
        process_environment.run([*ffmpeg, "-i", str(piece), "-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast",
                                 "-crf", "23", "-pix_fmt", "yuv420p", "-threads", "1", str(encoded[-1])], check=True)
    audio = folder / "audio.m4a"
    process_environment.run([*ffmpeg, "-i", str(clip), "-map", "0:a:0", "-c", "copy", str(audio)], check=True)
    return encoded, audio


def moov_first(path: str | Path) -> bool:
    """Whether the MP4's index (moov) comes before its media (mdat), so a player can start before the download ends."""
    data = Path(path).read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


# ---------- a scratch bucket for trying one handler on its own ----------

@dataclass(frozen=True)
class Scratch:
    cloud: Any
    bucket: str

    def grants(self, function: str) -> list[dict[str, Any]]:
        """What templates/parallel-encode.yaml's role for `function` allows on the media bucket (besides its logs),
        on the scratch bucket: each reads and writes only its own folders."""
        reads, writes = {"split": ("", "work/"), "encode_segment": ("work/", "work/"),
                         "merge": ("work/", "encoded/")}[function]
        return [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{self.bucket}/{reads}*"},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{self.bucket}/{writes}*"}]


@contextlib.contextmanager
def scratch(target: Any) -> Iterator[Scratch]:
    """An empty bucket on the local cloud (a private, concurrent one when the lab runs on AWS), removed afterwards."""
    with check_cloud.scratch(target, buckets=("lab05-check-media",), concurrent=True) as cloud:
        yield Scratch(cloud, "lab05-check-media")


def wait_for_executions(target: Any, state_machine_arn: str, timeout: float = 120) -> None:
    """Wait until no execution of the state machine is running (one a wrong answer left behind)."""
    sfn = target.client("stepfunctions")
    waiting.until(lambda: sfn.list_executions(stateMachineArn=state_machine_arn, statusFilter="RUNNING")["executions"],
                  f"the running executions of {state_machine_arn} to end", ready=lambda running: not running,
                  timeout=timeout)


def item(target: Any, table_name: str, item_id: str) -> dict[str, Any] | None:
    table = target.resource("dynamodb").Table(table_name)
    return table.get_item(Key={"id": item_id}, ConsistentRead=True).get("Item")


workspace = Workspace(Path.cwd() / "workspace")


def load_ipython_extension(ipython: Any) -> None:
    global workspace
    workspace = Workspace(Path.cwd() / "workspace")
    register_saving_magics(ipython, handler=workspace.save_handler,
                           state_machine=lambda _line, cell: workspace.save_definition(cell))
