"""What every layer of the workbook stands on: the course registry, ffmpeg, processes, template files, waiting.

    aws_sessions         boto3 sessions that parse botocore's service descriptions once per process
    deferred_imports     optional imports of our dependencies made when first used, not at start-up
    media                sample clips and probing with ffmpeg (the imageio-ffmpeg wheel's, or IMAGEIO_FFMPEG_EXE)
    process_environment  start processes and change os.environ one at a time, whatever thread does either
    registry             course.toml read: every chapter and lab, its notebook, test session, mutants, cost
    templates            CloudFormation templates read (short-form intrinsics included) and written back as YAML
    waiting              the one way to wait: poll with a deadline and back-off, and say what was awaited

May import: nothing of the workbook's.
"""
# The modules other packages, notebooks and commands may use.
__all__ = ["aws_sessions", "deferred_imports", "media", "process_environment", "registry", "templates", "waiting"]

