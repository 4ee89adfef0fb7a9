"""What closing the local cloud drops: in a module of its own, so that no other test's target is open meanwhile
(the local cloud closes with the last local target open in the process)."""
import json

from serverless_workbook.cloud.target import connect
from serverless_workbook.localcloud import lambda_concurrency
from test_lambda_concurrency import slow_function


def test_events_still_waiting_when_the_local_cloud_closes_are_dropped_with_it():
    first, second = connect("local"), connect("local")
    try:
        name = slow_function(second, "throttled-at-close", reserved=0)
        second.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 1}))
        assert lambda_concurrency.waiting_events() == 1
        second.close()
        assert lambda_concurrency.waiting_events() == 1, "the cloud is still open in the first target"
    finally:
        second.close()
        first.close()
    assert lambda_concurrency.waiting_events() == 0
