"""The local cloud: moto plus the gap fillers for what moto 5.2.5 does not do.

One module per gap, like moto's one package per service:
- lambda_runtime: Lambda handlers run in this process, or concurrently in sandbox processes
  (lambda_pool, lambda_sandbox) (moto needs Docker); lambda_concurrency: reserved concurrency enforced;
  lambda_limits: the invocation payload quotas;
- sqs_poller: Lambda's SQS pollers (retries, receive counts, redrive to a dead-letter queue);
- sqs_sampling: a short poll that may answer with no message, as SQS's sampling may;
- delays: AWS's documented delays, scaled down to seconds, which these reproduce:
  notification_propagation (a bucket's new notification configuration), log_visibility (CloudWatch Logs),
  tagging_lag (the tagging API still lists what was deleted), stream_start (a LATEST stream mapping starts
  late), iam_propagation (a new role is not assumable at once);
- mediaconvert (+ mediaconvert_settings, transcoder): MediaConvert on real ffmpeg;
- cloudformation: the template parts moto's CloudFormation ignores or skips;
- cloudformation_types: resource types it lacks (Cognito, API Gateway authorizers);
- cognito: SignUp refused where only the pool's administrator may add users;
- permissions (+ policy_evaluation): a function's calls checked against its role's policies, and deliveries
  between services against the target's resource-based policy, as AWS checks them;
- stepfunctions: state machines that execute, from the API or a template;
- apigateway: the deployed REST API served over HTTP, with its Cognito authorizer;
- public_parameters: AWS's public SSM parameter for the Powertools layer, which templates resolve;
- server: moto as an HTTP server, for the same flow over endpoint URLs;
- cloudformation_changes: the change set an update_stack would make, planned as CloudFormation plans it;
- parity: the ledger of AWS behaviours the labs depend on, and what the local cloud does about each;
- patching: how a gap filler replaces moto's attributes while installed, and puts them back.

May import: common only; never the packages above it (the local cloud knows nothing of labs or grading).
"""
import threading

from serverless_workbook.common import aws_sessions

# Before moto is imported: its services make boto3 sessions of their own, at import and as they are first used.
aws_sessions.share_parsed_descriptions()

from serverless_workbook.localcloud import (
    cloudformation_types,
    cognito,
    iam_propagation,
    lambda_concurrency,
    lambda_runtime,
    log_visibility,
    mediaconvert,
    notification_propagation,
    permissions,
    sqs_poller,
    sqs_sampling,
    stepfunctions,
    stream_start,
    tagging_lag,
)

# The delays, installed and removed together.
_DELAYS = (iam_propagation, log_visibility, notification_propagation, stream_start, tagging_lag)

# What the packages above may use: install() and uninstall(), and the gap fillers whose own API they need. The
# rest (cloudformation_types, cognito, lambda_pool, lambda_sandbox, mediaconvert_settings, permissions,
# patching, policy_evaluation, sqs_sampling, transcoder and the modules that reproduce the delays) works only
# through install().
__all__ = ["install", "uninstall", "apigateway", "cloudformation", "cloudformation_changes", "delays",
           "lambda_concurrency", "mediaconvert", "parity", "public_parameters", "server", "sqs_poller", "stepfunctions"]


# Local targets open in this process. They share moto's backends and these gap fillers: each connect installs them
# (the latest target's Lambda settings win), and they stay until the last of them closes, so closing one target
# leaves another that is still open working.
_open_targets = 0
_open_lock = threading.Lock()


def install(endpoint_url: str | None = None, concurrent_lambdas: bool = False) -> mediaconvert.JobStore:
    """Install every runtime gap filler; return the MediaConvert job store.

    concurrent_lambdas runs each invocation in a sandbox process (needs endpoint_url, moto's server).
    """
    global _open_targets
    permissions.install()
    lambda_runtime.install(endpoint_url, concurrent=concurrent_lambdas)
    sqs_poller.install()
    sqs_sampling.install()
    for delay in _DELAYS:
        delay.install()
    # Added to moto's type map for good: a registered type is inert until a template uses it.
    cloudformation_types.install()
    cognito.install()
    stepfunctions.install(endpoint_url)
    jobs = mediaconvert.install()
    with _open_lock:
        _open_targets += 1
    return jobs


def uninstall() -> bool:
    """Remove the gap fillers if this was the last local target open; whether it was."""
    global _open_targets
    with _open_lock:
        _open_targets = max(0, _open_targets - 1)
        if _open_targets:
            return False
    sqs_poller.uninstall()
    sqs_sampling.uninstall()
    for delay in _DELAYS:
        delay.uninstall()
    cognito.uninstall()
    lambda_runtime.uninstall()
    permissions.uninstall()
    stepfunctions.uninstall()
    mediaconvert.uninstall()
    return True
