"""Deploying and running on a target, the same code for the local cloud and a real account.

    target           connect(): the local cloud (moto in this kernel or as a server) or an opted-in AWS account
    stacks           deploy (create or update in place), outputs, teardown, leftover scan
    resources        each service's resources by ARN: the name in it, still there?, how to delete it
    stack_updates    planning and applying an update: change sets, data at risk, code-only updates
    artifacts        Lambda code packages and the bucket they are uploaded to
    trial_functions  throwaway functions that run one handler folder for a check
    executions       Step Functions executions: run one, read its history as timeline spans and timings
    load_runs        chapter 6's instruments: a REPORT line read, a load run, a power-tuning run
    function_logs    a function's CloudWatch Logs, read until they settle (lines show up seconds late)
    ffmpeg_layer     the ffmpeg Lambda layer for a real account
    cleanup          find and delete everything the workbook tagged (python -m serverless_workbook.cloud.cleanup)

May import: models, localcloud and common (below it), never workspaces or course.
"""
# The modules other packages, notebooks and commands may use.
__all__ = [
    "artifacts", "cleanup", "executions", "ffmpeg_layer", "function_logs", "load_runs", "resources", "stack_updates", "stacks",
    "target", "trial_functions",
]

