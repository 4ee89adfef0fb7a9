"""Chapter 6's instruments on the local cloud: each configuration change they make is a real one."""
import io
import zipfile

from serverless_workbook.cloud import load_runs, trial_functions
from roles import function_role


def test_every_call_for_fresh_environments_changes_the_description_so_aws_makes_new_ones(target):
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    trial_functions.create_function(target.client("lambda"), FunctionName="fresh-each-time", Runtime="python3.12",
                                    Role=function_role(target, "fresh-each-time"), Handler="app.handler",
                                    Code={"ZipFile": code.getvalue()})
    descriptions = []
    for _ in range(3):
        load_runs.fresh_environments(target, "fresh-each-time")
        descriptions.append(target.client("lambda").get_function_configuration(
            FunctionName="fresh-each-time").get("Description", ""))
    assert descriptions == [".", "", "."]
