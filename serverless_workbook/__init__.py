"""The support library the workbook's notebooks import, one subpackage per concern.

Imports run one way, down this list; a package may import its own modules and those of the
packages below it, never one above, and of another package only what its __init__'s __all__ names, its
public surface (tests/project/test_layers.py holds the code to both):

    workspaces   what each chapter and lab builds and drives, one module per lab or deployed system
    course       the course machinery: lab format, generating labs, checks, grading, running notebooks
    cloud        deploying and running on a target (local or AWS): stacks, artifacts, executions, clean-up
    models       the chapters' models and figures: cost model, parallel-encode model, charts, diagrams
    localcloud   moto plus one module per gap it leaves (Lambda, MediaConvert, API Gateway, ...)
    common       what every layer stands on: the course registry, ffmpeg, starting processes safely, templates
"""
# Before anything imports jsonschema (moto and nbformat do): its optional IRI grammar is built only when used.
from serverless_workbook.common import deferred_imports  # noqa: E402,F401
