"""Lab 5's workspace: handlers and the definition fall back to the reference until written; what the checks observe."""
import subprocess

import pytest
import yaml

from serverless_workbook.common import media
from serverless_workbook.course.lab_format import NotSaved, stub_line
from serverless_workbook.common.templates import load_template
from serverless_workbook.workspaces import parallel_lab

REFERENCE = load_template(parallel_lab.REFERENCE_TEMPLATE.read_text())
DEFINITION = REFERENCE["Resources"]["EncodeStateMachine"]["Properties"]["Definition"]


def test_a_stubbed_handler_deploys_the_reference_and_cannot_be_checked(tmp_path):
    workspace = parallel_lab.Workspace(tmp_path)
    assert "still a stub" in workspace.save_handler("split", f"def handler(event, context):\n    {stub_line('5.1')}\n")
    package = workspace.deploy_folder()
    assert (package / "split.py").read_text() == (parallel_lab.FUNCTIONS / "split.py").read_text()
    with pytest.raises(NotImplementedError, match="Exercise 5.1 is not done yet"):
        workspace.learner_handler("split")
    with pytest.raises(NotSaved, match="%%handler merge"):
        workspace.learner_handler("merge")


def test_a_written_handler_is_deployed_and_checked_with_its_helpers_only(tmp_path):
    workspace = parallel_lab.Workspace(tmp_path)
    workspace.save_handler("merge", "### BEGIN SOLUTION\ndef handler(event, context):\n    return 1\n### END SOLUTION\n")
    assert (workspace.deploy_folder() / "merge.py").read_text() == "def handler(event, context):\n    return 1\n"
    assert sorted(p.name for p in workspace.learner_handler("merge").iterdir()) == ["ffmpeg_tools.py", "merge.py"]
    with pytest.raises(ValueError, match="choose one of split, encode_segment, merge"):
        workspace.save_handler("transcode", "")


def test_the_reference_definition_written_back_gives_the_reference_template(tmp_path):
    workspace = parallel_lab.Workspace(tmp_path)
    assert workspace.template() == REFERENCE
    workspace.save_definition(yaml.safe_dump(DEFINITION))
    assert workspace.learner_definition() == DEFINITION
    assert load_template(workspace.write_template().read_text()) == REFERENCE


def test_a_stubbed_definition_deploys_the_reference_and_a_malformed_one_is_refused(tmp_path):
    workspace = parallel_lab.Workspace(tmp_path)
    assert "still a stub" in workspace.save_definition(f"# YOUR CODE HERE\n{stub_line('5.4')}\n")
    with pytest.raises(NotImplementedError):
        workspace.learner_definition()
    assert workspace.template() == REFERENCE
    with pytest.raises(ValueError, match="StartAt and States"):
        workspace.save_definition("States: {}\n")


def test_states_and_lambda_tasks_are_found_inside_the_map():
    assert list(parallel_lab.all_states(DEFINITION)) == [
        "Split", "EncodeSegments", "EncodeSegment", "Merge", "MarkEncoded", "MarkFailed", "EncodeFailed"]
    assert parallel_lab.lambda_tasks(DEFINITION) == {"Split": "${SplitFunctionArn}",
                                                     "EncodeSegment": "${EncodeSegmentFunctionArn}",
                                                     "Merge": "${MergeFunctionArn}"}


def test_packets_tell_a_stream_copy_from_an_encode_and_x264_settings_are_read(tmp_path):
    clip = media.generate_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=90, fps=10)
    copied, encoded = tmp_path / "copied.mp4", tmp_path / "encoded.mp4"
    subprocess.run([media.FFMPEG, "-v", "error", "-i", str(clip), "-map", "0:v", "-c", "copy", str(copied)], check=True)
    subprocess.run([media.FFMPEG, "-v", "error", "-i", str(clip), "-map", "0:v", "-c:v", "libx264", "-crf", "30",
                    "-threads", "2", str(encoded)], check=True)
    assert parallel_lab.packets(copied) == parallel_lab.packets(clip)
    assert parallel_lab.pictures(copied) == parallel_lab.pictures(clip)
    assert parallel_lab.pictures(encoded) != parallel_lab.pictures(clip)
    assert len(parallel_lab.packets(clip, "a")) > 0
    assert parallel_lab.x264_options(clip)["threads"] == "1"
    assert (parallel_lab.x264_options(encoded)["threads"], parallel_lab.x264_options(encoded)["crf"]) == ("2", "30.0")
    assert parallel_lab.moov_first(clip) is False
