"""Labs run by the grader and the tests write into a stand-in folder, never into the real one."""
from serverless_workbook.course import notebook_runner


def test_the_stand_in_resolves_sibling_paths_and_keeps_writes_to_itself(tmp_path):
    real = tmp_path / "solutions"
    real.mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "video-pipeline.yaml").write_text("Resources: {}\n")
    with notebook_runner.folder_like(real) as stand_in:
        assert stand_in.name == "solutions" and stand_in != real
        assert (stand_in / ".." / "templates" / "video-pipeline.yaml").read_text() == "Resources: {}\n"
        (stand_in / "workspace").mkdir()
        (stand_in / "workspace" / "app.py").write_text("def handler(event, context): ...\n")
    assert not (real / "workspace").exists()
    assert not stand_in.parent.exists()
