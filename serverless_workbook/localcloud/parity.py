"""The parity ledger: the AWS behaviours the labs depend on, and what the local cloud does about each.

    python -m serverless_workbook.localcloud.parity    # rewrite it on the start page and in the README

One entry per behaviour: reproduced (the local cloud behaves as AWS documents), scaled (it does, on a
shorter time scale: localcloud.delays, settable with WORKBOOK_AWS_DELAYS), or missing (it does not, so code that
relies on AWS doing it is not tested here). The
README and the start page show the table `render()` makes (`make course-map` writes both; a test compares),
and tests/localcloud/test_parity.py holds each "reproduced" or "scaled" entry to a test that fails without it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from serverless_workbook.common.registry import ROOT
from serverless_workbook.localcloud import delays

REPRODUCED, SCALED, MISSING = "reproduced", "scaled", "missing"
HEADING = "## The local cloud and AWS"
START_PAGE = ROOT / "chapters" / "00-start-here.ipynb"
README = ROOT / "README.md"
# The README's ledger sits between these lines, one heading level down; everything between them is rewritten.
README_BEGIN = "<!-- the parity ledger: generated from serverless_workbook/localcloud/parity.py by make course-map -->"
README_END = "<!-- end of the parity ledger -->"


@dataclass(frozen=True)
class Behaviour:
    aws: str  # what AWS does, as its documentation says
    status: str  # REPRODUCED, SCALED or MISSING
    local: str  # what the local cloud does
    doc: str  # the AWS documentation that says so
    test: str = ""  # the test that fails without it: tests/<file>::<test>, for what is reproduced


def _s(delay: delays.Delay) -> str:
    return f"{delay.local_seconds:g} s"


LEDGER = (
    Behaviour("A function's calls are allowed only by its execution role's policies (action, resource, conditions)",
              REPRODUCED, "each call a handler makes is checked against its role's inline and attached policies; "
              "a refusal is AccessDenied(Exception) with AWS's message",
              "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
              "tests/localcloud/test_permissions.py::test_a_role_without_put_item_stops_the_pipeline_with_access_denied"),
    Behaviour("Every thread of a function runs as its execution role", REPRODUCED,
              "a thread a handler starts calls with the role's session and writes to the function's log (a sandbox "
              "process has the role's credentials throughout)",
              "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
              "tests/localcloud/test_permissions.py::test_a_thread_a_handler_starts_calls_as_the_functions_role"),
    Behaviour("A presigned URL carries the permissions of whoever signed it",
              REPRODUCED, "a URL a handler presigns opens only what its role may read",
              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html",
              "tests/localcloud/test_permissions.py::test_a_url_presigned_by_a_role_opens_only_what_the_role_may_read"),
    Behaviour("SNS delivers to a queue or function only if its resource policy lets sns.amazonaws.com in for that "
              "topic", REPRODUCED, "an undelivered message is dropped and reported on stderr",
              "https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html",
              "tests/localcloud/test_permissions.py::test_a_queue_policy_without_the_topic_gets_no_message_and_says_so"),
    Behaviour("EventBridge delivers to a queue only if the queue's policy lets events.amazonaws.com in for that rule",
              REPRODUCED, "an undelivered event is dropped and reported on stderr",
              "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
              "tests/localcloud/test_permissions.py::test_an_event_rule_delivers_only_to_a_queue_whose_policy_names_it"),
    Behaviour("S3 refuses a notification configuration whose destination does not let S3 in for that bucket",
              REPRODUCED, "PutBucketNotificationConfiguration fails with InvalidArgument, naming the destinations",
              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html",
              "tests/localcloud/test_permissions.py::"
              "test_an_invoke_permission_for_another_bucket_refuses_the_notification_configuration"),
    Behaviour("A function submits a MediaConvert job only if its role allows mediaconvert:CreateJob and "
              "iam:PassRole of the job's role to MediaConvert", REPRODUCED, "CreateJob answers AccessDeniedException "
              "with AWS's message", "https://docs.aws.amazon.com/mediaconvert/latest/ug/iam-role.html",
              "tests/localcloud/test_permissions.py::test_a_role_that_may_not_pass_the_job_role_cannot_submit_a_job"),
    Behaviour("A MediaConvert job reads its input and writes its outputs as the job's role", REPRODUCED,
              "the job's S3 reads and writes are made as its role and checked; a refused one fails the job",
              "https://docs.aws.amazon.com/mediaconvert/latest/ug/iam-role.html",
              "tests/localcloud/test_localcloud_mediaconvert.py::test_a_job_whose_role_may_not_read_the_input_fails"),
    Behaviour("A state machine's role must allow each Lambda function it invokes", REPRODUCED,
              "each call a state makes (a Lambda task, a service integration) runs as the state machine's role and "
              "is checked against its policies; a refusal fails the state with AWS's AccessDenied message",
              "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html",
              "tests/localcloud/test_permissions.py::test_a_state_machine_invokes_only_the_functions_its_role_allows"),
    Behaviour("API Gateway invokes a function only if the function's policy lets apigateway.amazonaws.com in, "
              "for that API's method", REPRODUCED, "the local API answers 500 Internal server error and says why on "
              "stderr", "https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html",
              "tests/localcloud/test_api_gateway.py::test_a_function_whose_policy_omits_the_api_answers_500"),
    Behaviour("Lambda refuses an SQS event source whose function's role may not ReceiveMessage, DeleteMessage and "
              "GetQueueAttributes on the queue", REPRODUCED, "CreateEventSourceMapping fails with "
              "InvalidParameterValueException, as on AWS",
              "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions",
              "tests/localcloud/test_permissions.py::test_an_sqs_event_source_needs_a_role_that_may_read_the_queue"),
    Behaviour("A bucket's new notification configuration takes effect after a delay (about five minutes, the S3 guide "
              "says)", SCALED, f"it takes effect {_s(delays.NOTIFICATION_CONFIGURATION)} after the change; until then S3 "
              "notifies as the previous configuration says",
              "https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-enable-disable-notification-intro.html",
              "tests/localcloud/test_delays.py::"
              "test_a_new_trigger_fires_only_after_a_delay_and_an_upload_that_waits_is_handled"),
    Behaviour("CloudWatch Logs events appear seconds after a function wrote them", SCALED,
              f"GetLogEvents and FilterLogEvents return an event {_s(delays.LOG_EVENTS)} after it was written",
              "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
              "tests/localcloud/test_delays.py::test_a_log_line_shows_after_a_delay_and_a_settled_read_finds_it"),
    Behaviour("The Resource Groups Tagging API lists a deleted resource for a while", SCALED,
              f"GetResources lists a deleted resource, with its tags, for {_s(delays.TAGGING_LISTING)}",
              "https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html",
              "tests/localcloud/test_delays.py::"
              "test_the_tagging_api_lists_a_deleted_queue_for_a_while_and_the_leftover_scan_does_not"),
    Behaviour("A DynamoDB stream mapping that starts at LATEST misses records written before it polls", SCALED,
              f"a LATEST mapping gets no record written in the {_s(delays.STREAM_START)} after its creation",
              "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html",
              "tests/localcloud/test_delays.py::test_a_latest_stream_mapping_misses_what_was_written_before_it_polled"),
    Behaviour("Lambda refuses an SQS event source whose queue's visibility timeout is shorter than the function's "
              "timeout", REPRODUCED, "CreateEventSourceMapping fails with InvalidParameterValueException and AWS's "
              "message", "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig",
              "tests/localcloud/test_localcloud_sqs_poller.py::"
              "test_a_queue_that_hides_a_message_for_less_than_the_function_may_run_is_refused"),
    Behaviour("A function's log reaches CloudWatch Logs only if its role may create the group (when missing), a "
              "stream and put events", REPRODUCED, "without those permissions the invocation leaves no log, silently",
              "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
              "tests/localcloud/test_permissions.py::test_a_function_whose_role_may_not_write_logs_leaves_none"),
    Behaviour("A short SQS poll samples a few servers and may answer with no message", REPRODUCED,
              "the first short poll of a queue after a send answers with no message; the next one, or a long "
              "poll, receives",
              "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html",
              "tests/localcloud/test_sqs_sampling.py::test_one_short_poll_is_not_the_queue_and_a_long_poll_is"),
    Behaviour("An SQS event source runs up to five batches at once (fewer under MaximumConcurrency or reserved "
              "concurrency), so completion order is not arrival order", REPRODUCED,
              "the batches AWS would run at once are received together and handled last-received first",
              "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
              "tests/localcloud/test_delays.py::test_batches_run_at_once_finish_out_of_arrival_order"),
    Behaviour("A function's reserved concurrency caps its invocations in flight: a synchronous one beyond it is "
              "refused with TooManyRequestsException (429), an asynchronous one waits in Lambda's queue",
              REPRODUCED, "invocations in flight are counted per function; a refused asynchronous one is retried "
              "until there is room; Step Functions names the refusal Lambda.TooManyRequestsException for a Retry",
              "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
              "tests/localcloud/test_lambda_concurrency.py::"
              "test_a_synchronous_invocation_beyond_the_reserved_concurrency_is_throttled"),
    Behaviour("A function's reserved concurrency must leave the account's quota (1,000 by default) 100 unreserved",
              REPRODUCED, "PutFunctionConcurrency beyond that is refused with AWS's InvalidParameterValueException",
              "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
              "tests/localcloud/test_lambda_concurrency.py::test_a_reservation_must_leave_the_account_100_unreserved"),
    Behaviour("Each invocation's REPORT line gives its Duration, Billed Duration (the Init phase included), Memory "
              "Size, Max Memory Used, and a cold start's Init Duration", REPRODUCED,
              "measured: the handler's time, a cold start's import apart; Max Memory Used is measured for a "
              "handler in a sandbox process (concurrent Lambdas) and left out for one run in the notebook's "
              "process, whose memory it shares",
              "https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html",
              "tests/localcloud/test_localcloud_lambda_parallel.py::"
              "test_a_sandbox_reports_its_init_its_duration_and_the_memory_it_used"),
    Behaviour("Memory buys CPU: one vCPU at 1,769 MB, and CPU in proportion to memory below it", REPRODUCED,
              "a handler in a sandbox process (concurrent Lambdas) runs on the CPUs its memory buys; below 1,769 MB "
              "its process group is stopped and continued to run that share of every 20 ms (bench/lambda_power.py "
              "prints the curve beside the model); a handler run in the notebook's process is not held",
              "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
              "tests/localcloud/test_localcloud_lambda_parallel.py::"
              "test_below_1769_mb_a_sandbox_gets_that_fraction_of_one_cpu"),
    Behaviour("Invoke refuses a request payload over 6 MB (synchronous) or 1 MB (asynchronous) with "
              "RequestTooLargeException (413)", REPRODUCED, "the same refusal, with AWS's message",
              "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html",
              "tests/localcloud/test_lambda_concurrency.py::test_an_invoke_over_its_payload_quota_is_refused"),
    Behaviour("An asynchronous invocation (an Event invoke, an S3 or SNS notification) that fails is retried "
              "twice more, about a minute and then two minutes later", MISSING,
              "a failed asynchronous invocation runs once: a handler that is not idempotent is not caught running "
              "three times, as it may on AWS",
              "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html"),
    Behaviour("Provisioned concurrency keeps that many execution environments initialized ahead of requests",
              MISSING, "the setting is recorded, but no environment is started ahead: the first invocations of "
              "each environment are cold starts, as without it",
              "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html"),
    Behaviour("A configuration change (memory, environment, timeout) retires the function's warm execution "
              "environments: the next requests start cold, with the new settings", REPRODUCED,
              "the next invocation gets a new sandbox (its module state gone, an Init Duration in its REPORT line); "
              "in concurrent mode the old sandbox processes end",
              "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
              "tests/localcloud/test_localcloud_lambda_parallel.py::"
              "test_a_configuration_change_retires_the_warm_sandbox_and_the_next_request_starts_cold"),
    Behaviour("An update takes a moment: LastUpdateStatus stays InProgress, invocations meanwhile run the previous "
              "configuration, and another update is refused with ResourceConflictException", MISSING,
              "moto applies an update at once and reports Successful: code that does not wait for it (the "
              "function_updated_v2 waiter, as chapter 6 and lab 6 do) passes here and may measure the old memory on "
              "AWS",
              "https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html"),
    Behaviour("Each new execution environment downloads and unpacks the function's package, so a bigger package "
              "makes every cold start longer", MISSING,
              "a package is unpacked once per code version and configuration, outside the Init phase: its size does "
              "not show in the Init Duration (imports and work at load do)",
              "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib"),
    Behaviour("A new IAM role is not assumable at once: CreateFunction refuses it for a few seconds", SCALED,
              f"CreateFunction refuses a role younger than {_s(delays.ROLE_PROPAGATION)} with AWS's error",
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html"
              "#troubleshoot_general_eventual-consistency",
              "tests/localcloud/test_delays.py::test_a_new_role_is_refused_at_once_and_a_retrying_create_succeeds"),
)


def render() -> str:
    rows = [f"| {b.aws} | **{b.status}** | {b.local} | [AWS docs]({b.doc}) |" for b in LEDGER]
    counts = {status: sum(b.status == status for b in LEDGER) for status in (REPRODUCED, SCALED, MISSING)}
    return "\n".join([
        HEADING, "",
        "The labs run on a local cloud: moto, plus the workbook's gap fillers. Where it forgives what AWS refuses, "
        "or answers at once where AWS takes time, code that passes here can fail on a real account. This ledger "
        "lists the AWS behaviours the labs depend on and what the local cloud does about each "
        f"({counts[REPRODUCED]} reproduced, {counts[SCALED]} scaled, {counts[MISSING]} missing). A scaled delay is "
        "AWS's, shortened to a second or less; the environment variable `WORKBOOK_AWS_DELAYS` multiplies them all (0 "
        "switches them off). It is generated from `serverless_workbook/localcloud/parity.py`.", "",
        "| AWS | here | what the local cloud does | source |",
        "|---|---|---|---|",
        *rows,
    ])


def in_readme(text: str) -> str:
    """What the README holds between the ledger's markers."""
    return text.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip("\n")


def for_readme() -> str:
    return render().replace(HEADING, "#" + HEADING, 1)


def start_page_cell(notebook: dict) -> dict:
    """The start page's markdown cell that holds the ledger (the notebook as JSON)."""
    [cell] = [c for c in notebook["cells"] if c["cell_type"] == "markdown" and "".join(c["source"]).startswith(HEADING)]
    return cell


def write() -> None:
    # The notebook is edited as JSON, in the layout nbformat writes (indent 1, a list of lines per source), so
    # that the local cloud does not import the course's notebook tools.
    notebook = json.loads(START_PAGE.read_text())
    start_page_cell(notebook)["source"] = render().splitlines(keepends=True)
    START_PAGE.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    text = README.read_text()
    README.write_text(text.replace(in_readme(text), for_readme(), 1))


if __name__ == "__main__":
    write()
    print(f"wrote the parity ledger into {START_PAGE.relative_to(ROOT)} and {README.relative_to(ROOT)}")
