"""Realistic wrong answers to every exercise of labs 1-4, as small patches of the solution's answer cell.

Each is either a mistake learners make or a shortcut to the points, and names a phrase of the
failure its exercise's check must give: a mutant rejected for an unrelated reason (a typo in the
patch) would prove nothing. tests/test_labs.py runs them all in one warm kernel per lab.
"""
from __future__ import annotations

from dataclasses import dataclass

# Run after a wrong answer that started uploads, so its transcodes are done before the lab goes on.
SETTLE = "target.wait_for_jobs()"


@dataclass(frozen=True)
class Mutant:
    exercise: str
    name: str
    kind: str  # "mistake" or "shortcut"
    patches: tuple[tuple[str, str], ...]
    rejected_with: str
    settle: str = ""

    def apply(self, source: str) -> str:
        for old, new in self.patches:
            if source.count(old) != 1:
                raise ValueError(f"mutant {self.exercise} {self.name!r}: {old!r} occurs {source.count(old)} times "
                                 "in the answer cell, not once; update the patch with the solution")
            source = source.replace(old, new)
        return source


def _first(exercise: str, name: str, kind: str, line: str, rejected_with: str, settle: str = "") -> Mutant:
    """A mutant that answers with `line` before the solution's own code (which then never runs)."""
    return Mutant(exercise, name, kind, (("    ### BEGIN SOLUTION\n", f"    ### BEGIN SOLUTION\n{line}\n"),),
                  rejected_with, settle)


LAB01 = [
    Mutant("1.1", "only who runs the servers", "mistake",
           ((' and offering.billing in PAY_PER_USE', ''),),
           "billing='per hour provisioned')) to be False"),
    Mutant("1.1", "only how it bills", "mistake",
           (('offering.who_runs_servers == "provider" and ', ''),),
           "who_runs_servers='you', billing='per request')) to be False"),
    _first("1.1", "the known products by name", "shortcut",
           '    return offering.name in {"AWS Lambda", "Amazon S3", "Amazon SQS"}',
           "name='offering 1'"),
    Mutant("1.2", "free allowance below zero", "mistake",
           (("max(0, requests - PRICES.lambda_free_requests)", "requests - PRICES.lambda_free_requests"),
            ("max(0, gb_seconds - PRICES.lambda_free_gb_seconds)", "gb_seconds - PRICES.lambda_free_gb_seconds")),
           "lambda_cost(500,000, 100, 128, free_tier=True)"),
    Mutant("1.2", "1000 MB to the GB", "mistake",
           (("(memory_mb / 1024)", "(memory_mb / 1000)"),),
           "lambda_cost(400,000, 1000, 1024, free_tier=True)"),
    Mutant("1.2", "free requests only", "mistake",
           (("        gb_seconds = max(0, gb_seconds - PRICES.lambda_free_gb_seconds)\n", ""),),
           "lambda_cost(500,000, 100, 128, free_tier=True)"),
    _first("1.2", "the chapter's cost model", "shortcut",
           "    from serverless_workbook.costs import Workload, lambda_monthly_cost\n"
           "    return lambda_monthly_cost(Workload(requests, duration_ms, memory_mb), free_tier)",
           "write this yourself: costs.lambda_monthly_cost is the answer"),
    Mutant("1.2", "prices typed in", "shortcut",
           (("PRICES.lambda_per_million_requests", "0.20"), ("PRICES.lambda_per_gb_second", "0.0000166667")),
           "once PRICES holds other prices"),
    Mutant("1.3", "one instance", "mistake",
           (('ec2_monthly_cost("t3.medium", instances=2)', 'ec2_monthly_cost("t3.medium")'),),
           "expected the break-even near"),
    Mutant("1.3", "sides swapped", "mistake",
           (('return "lambda" if requests_per_month < thumbnail_break_even() else "ec2"',
             'return "ec2" if requests_per_month < thumbnail_break_even() else "lambda"'),),
           "cheaper_option(15,480,501)"),
    Mutant("1.3", "a round threshold typed in", "shortcut",
           (("requests_per_month < thumbnail_break_even()", "requests_per_month < 15_500_000"),),
           "cheaper_option(15,482,501)"),
    Mutant("1.3", "the chapter's break-even", "shortcut",
           (("    servers = ec2_monthly_cost(", "    from serverless_workbook.costs import break_even_requests\n"
             "    return break_even_requests(ec2_monthly_cost(\"t3.medium\", instances=2), 250, 1024)\n"
             "    servers = ec2_monthly_cost("),),
           "write this yourself: costs.break_even_requests is the answer"),
    Mutant("1.4", "the AWS client icon", "mistake",
           (("from diagrams.onprem.client import Client", "from diagrams.aws.general import Client"),),
           "the node labelled 'Browser'"),
    Mutant("1.4", "sign-in behind the API", "mistake",
           (('browser >> [S3("Website"), Cognito("Sign-in"), api]',
             'browser >> [S3("Website"), api]\n        api >> Cognito("Sign-in")'),),
           "expected an edge 'Browser' >> 'Sign-in'"),
    Mutant("1.4", "everything hung off the browser", "shortcut",
           (('api >> Lambda("Photos function") >> Dynamodb("Photos table")',
             'browser >> [Lambda("Photos function"), Dynamodb("Photos table")]'),),
           "expected an edge 'API' >> 'Photos function'"),
    Mutant("1.5", "the data first", "mistake",
           (('{"choice": "thumbnails", "reasons": ["narrow-interface", "event-driven", "contained"]}',
             '{"choice": "database", "reasons": ["data-first"]}'),),
           "'database' is not the sound choice"),
    Mutant("1.5", "a reason that does not hold", "mistake",
           (('"contained"]', '"contained", "always-cheaper"]'),),
           "the reason 'always-cheaper' does not hold"),
    Mutant("1.5", "every reason ticked", "shortcut",
           (('"contained"]', '"contained", "always-cheaper", "data-first"]'),),
           "does not hold"),
]

LAB02 = [
    Mutant("2.1", "key not decoded", "mistake",
           (('key = unquote_plus(record["s3"]["object"]["key"])', 'key = record["s3"]["object"]["key"]'),),
           "expected an item with id 'My first clip (1)'"),
    Mutant("2.1", "only the spaces decoded", "shortcut",
           (('key = unquote_plus(record["s3"]["object"]["key"])',
             'key = record["s3"]["object"]["key"].replace("+", " ").replace("%2F", "/")'),),
           "expected an item with id 'My first clip (1)'"),
    Mutant("2.1", "errors swallowed", "mistake",
           (('        videos.put_item(Item={"id": video_id,', '        try:\n            videos.put_item(Item={"id": video_id,'),
            ('"renditions": {}})\n', '"renditions": {}})\n        except Exception as error:\n'
                                     '            print(f"Could not record {key}: {error}")\n')),
           "let the error raise"),
    Mutant("2.1", "the book's metadata only, no stack marker", "mistake",
           (('UserMetadata={"videoId": video_id, "sourceKey": key, "transcodedBucket": TRANSCODED}',
             'UserMetadata={"videoId": video_id, "sourceKey": key}'),),
           "UserMetadata transcodedBucket"),
    Mutant("2.1", "the workbook's table of outputs", "shortcut",
           (("import boto3\n", "import boto3\nfrom serverless_workbook.workspaces.pipeline_run import BOOK_RENDITIONS\n"),
            ("[output(*rendition) for rendition in RENDITIONS]",
             "[output(modifier, *size) for modifier, size in BOOK_RENDITIONS.items()]")),
           "serverless_workbook is not in the Lambda runtime"),
    Mutant("2.2", "any bucket may invoke", "shortcut",
           (('SourceArn: !Sub "arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${BucketSuffix}"',
             'SourceArn: !Sub "arn:${AWS::Partition}:s3:::*"'),),
           "SourceArn to be exactly the upload bucket's ARN"),
    Mutant("2.2", "the other bucket", "mistake",
           (("${AWS::StackName}-uploads-${BucketSuffix}", "${AWS::StackName}-transcoded-${BucketSuffix}"),),
           "SourceArn to be exactly the upload bucket's ARN"),
    Mutant("2.2", "the buckets' names before BucketSuffix", "mistake",
           (("${AWS::StackName}-uploads-${BucketSuffix}", "${AWS::StackName}-uploads-${AWS::AccountId}"),),
           "SourceArn to be exactly the upload bucket's ARN"),
    Mutant("2.2", "no SourceAccount", "mistake",
           (("    SourceAccount: !Ref AWS::AccountId\n", ""),),
           "SourceAccount"),
    Mutant("2.3", "sizes read from the key", "shortcut",
           (('"width": info.width, "height": info.height,',
             '"width": {1080: 1920, 720: 1280, 480: 640}[int(key.rsplit("-", 1)[1][:-5])], '
             '"height": int(key.rsplit("-", 1)[1][:-5]),'),),
           "width, height and size"),
    Mutant("2.3", "key not decoded", "mistake",
           (('key = unquote_plus(s3_record["s3"]["object"]["key"])', 'key = s3_record["s3"]["object"]["key"]'),),
           "your handler failed on 'My clip/My clip-480p.mp4'"),
    Mutant("2.3", "errors swallowed", "mistake",
           (("                record(s3_record[\"s3\"][\"bucket\"][\"name\"], key)\n",
             "                try:\n                    record(s3_record[\"s3\"][\"bucket\"][\"name\"], key)\n"
             "                except Exception as error:\n                    print(f\"Could not describe {key}: {error}\")\n"),),
           "must fail the invocation and create nothing"),
    Mutant("2.3", "complete after the first rendition", "mistake",
           (('len(item["renditions"]) >= item["expectedRenditions"]', 'len(item["renditions"]) >= 1'),),
           "the status after 1 of 2 renditions"),
    Mutant("2.4", "the queue's URL as endpoint", "mistake",
           (("Endpoint: !GetAtt NotificationQueue.Arn", "Endpoint: !Ref NotificationQueue"),),
           "the subscription's Endpoint"),
    Mutant("2.4", "not encrypted", "mistake",
           (("  Properties:\n    SqsManagedSseEnabled: true\n", ""),),
           "encrypted at rest"),
    Mutant("2.4", "a queue nobody subscribed", "shortcut",
           (("NotificationSubscription:\n  Type: AWS::SNS::Subscription\n  Properties:\n    TopicArn: !Ref VideoTopic\n"
             "    Protocol: sqs\n    Endpoint: !GetAtt NotificationQueue.Arn\n", ""),),
           "expected one AWS::SNS::Subscription with Protocol sqs"),
    _first("2.5", "the library's upload_and_wait", "shortcut",
           "    return pipeline_run.upload_and_wait(target, outputs, clip, key)",
           "write this yourself: pipeline_run.upload_and_wait is the answer"),
    _first("2.5", "the library's processed", "shortcut",
           "    return pipeline_run.processed(target, outputs, clip, key)",
           "write this yourself: pipeline_run.processed is the answer"),
    Mutant("2.5", "returns once the job is submitted", "mistake",
           (('    mediaconvert = target.client("mediaconvert")\n',
             '    return item\n    mediaconvert = target.client("mediaconvert")\n'),),
           "expected the item's status to be 'COMPLETE'", settle=SETTLE),
    _first("2.6", "get_object instead of the URL", "shortcut",
           '    data = target.client("s3").get_object(Bucket=outputs["TranscodedBucketName"], Key=key)["Body"].read()\n'
           '    return Video(data=data, embed=True, mimetype="video/mp4", width=320)',
           "expected the bytes to come from a GET of a presigned URL"),
    Mutant("2.6", "a public URL", "mistake",
           (('url = target.client("s3").generate_presigned_url(\n'
             '        "get_object", Params={"Bucket": outputs["TranscodedBucketName"], "Key": key}, ExpiresIn=300)',
             'url = f"https://{outputs[\'TranscodedBucketName\']}.s3.amazonaws.com/{key}"'),),
           "403 Client Error: Forbidden"),
    _first("2.7", "the library's lambda_spans", "shortcut",
           "    return pipeline_run.lambda_spans(target, function_name)",
           "write this yourself: pipeline_run.lambda_spans is the answer"),
    Mutant("2.7", "the span starts at the REPORT line", "mistake",
           (("pipeline_run.Span(function_name, end - float(duration.group(1)) / 1000, end)",
             "pipeline_run.Span(function_name, end, end + float(duration.group(1)) / 1000)"),),
           "expected a span of"),
    _first("2.8", "the library's leftovers", "shortcut",
           "    return stacks.leftovers(target, STACK)",
           "write this yourself: stacks.leftovers is the answer"),
    _first("2.8", "the scan teardown returns", "shortcut",
           "    return session.teardown()",
           "write this yourself: session.teardown is the answer"),
    Mutant("2.8", "the tag's key only", "mistake",
           (('TagFilters=[{"Key": stacks.TAG_KEY, "Values": [STACK]}]', 'TagFilters=[{"Key": stacks.TAG_KEY}]'),),
           "the scan listed the bucket of stack lab02-other"),
    Mutant("2.9", "retry until it works", "mistake",
           (('{"choice": "record-and-tell", "reasons": ["asynchronous", "deterministic", "visible"]}',
             '{"choice": "retry-forever", "reasons": ["s3-retries"]}'),),
           "'retry-forever' is not the sound choice"),
    Mutant("2.9", "a reason left out", "mistake",
           (('"deterministic", "visible"]', '"visible"]'),),
           "1 reason(s) that support the sound choice are missing"),
    Mutant("2.9", "every reason ticked", "shortcut",
           (('"visible"]', '"visible", "s3-retries", "wait-in-lambda"]'),),
           "does not hold"),
]

LAB03 = [
    Mutant("3.1", "public URLs", "mistake",
           (('url = s3.generate_presigned_url("get_object", Params={"Bucket": TRANSCODED_BUCKET, "Key": rendition["key"]},\n'
             '                                        ExpiresIn=PLAYBACK_URL_SECONDS)',
             'url = f"https://{TRANSCODED_BUCKET}.s3.amazonaws.com/{rendition[\'key\']}"'),),
           "URL should be presigned"),
    Mutant("3.1", "the upload kept", "mistake",
           (('    if item.get("sourceBucket") == UPLOAD_BUCKET:\n'
             '        s3.delete_object(Bucket=UPLOAD_BUCKET, Key=item["sourceKey"])\n', ''),),
           "the upload left after DELETE"),
    Mutant("3.1", "only the item deleted", "shortcut",
           (('    for rendition in item.get("renditions", {}).values():\n'
             '        s3.delete_object(Bucket=TRANSCODED_BUCKET, Key=rendition["key"])\n', ''),),
           "rendition files left after DELETE"),
    Mutant("3.1", "no owner check on GET", "mistake",
           (("item = plain(visible_item()[0])", "item = plain(get_item())"),),
           "GET of another user's video: status"),
    Mutant("3.1", "anyone deletes anything", "mistake",
           (("    item, owner = visible_item()\n", '    item, owner = get_item(), "whoever"\n'),),
           "DELETE of another user's video: status"),
    Mutant("3.1", "ownerless videos deleted", "mistake",
           (("    if owner is None:\n"
             "        raise ServiceError(403, f\"Video {item['id']!r} has no owner: nobody may delete it through this API\")\n",
             ""),),
           "DELETE of an ownerless video"),
    Mutant("3.1", "the owner record kept", "mistake",
           (('    owners.delete_item(Key={"id": item["id"]})\n', ""),),
           "owner record should be gone"),
    Mutant("3.2", "content type not checked for a string", "mistake",
           (("if not isinstance(content_type, str) or content_type not in CONTENT_TYPES:",
             "if content_type not in CONTENT_TYPES:"),),
           "a content type in a list: expected a 400"),
    Mutant("3.2", "isinstance lets true through", "mistake",
           (("if type(size) is not int or size < 1:", "if not isinstance(size, int) or size < 1:"),),
           "a size of true: expected a 400"),
    Mutant("3.2", "the limit itself refused", "mistake",
           (("if size > MAX_UPLOAD_BYTES:", "if size >= MAX_UPLOAD_BYTES:"),),
           "a size at the limit: expected 201"),
    _first("3.2", "one message for everything", "shortcut",
           "    try:\n"
           "        request = json.loads(body or \"\")\n"
           "        assert set(request) == UPLOAD_FIELDS and request[\"contentType\"] in CONTENT_TYPES\n"
           "        assert type(request[\"size\"]) is int and 0 < request[\"size\"] <= MAX_UPLOAD_BYTES\n"
           "        return request[\"filename\"], request[\"contentType\"], request[\"size\"]\n"
           "    except Exception:\n"
           "        raise BadRequestError(\"Invalid request\") from None",
           "malformed JSON: expected a 400 whose message mentions 'JSON'"),
    Mutant("3.3", "the access token", "mistake",
           (('return result["AuthenticationResult"]["IdToken"]', 'return result["AuthenticationResult"]["AccessToken"]'),),
           "the token's token_use and email"),
    Mutant("3.3", "self sign-up, as before the pool was closed", "mistake",
           (('    idp.admin_create_user(UserPoolId=api["UserPoolId"], Username=email, MessageAction="SUPPRESS",\n'
             '                          UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])\n'
             '    idp.admin_set_user_password(UserPoolId=api["UserPoolId"], Username=email, Password=password, Permanent=True)\n',
             '    idp.sign_up(ClientId=api["UserPoolClientId"], Username=email, Password=password,\n'
             '                UserAttributes=[{"Name": "email", "Value": email}])\n'
             '    idp.admin_confirm_sign_up(UserPoolId=api["UserPoolId"], Username=email)\n'),),
           "the pool refuses SignUp"),
    Mutant("3.3", "an invitation e-mailed", "mistake",
           (('Username=email, MessageAction="SUPPRESS",', 'Username=email,'),),
           "Cognito e-mails an invitation"),
    Mutant("3.3", "a temporary password", "mistake",
           (("Password=password, Permanent=True)", "Password=password)"),),
           "NEW_PASSWORD_REQUIRED challenge"),
    _first("3.3", "the library's create_user", "shortcut",
           "    catalogue.create_user(target, api, email, password)\n"
           "    idp = target.client(\"cognito-idp\")\n"
           "    return idp.initiate_auth(ClientId=api[\"UserPoolClientId\"], AuthFlow=\"USER_PASSWORD_AUTH\",\n"
           "                             AuthParameters={\"USERNAME\": email, \"PASSWORD\": password})[\"AuthenticationResult\"][\"IdToken\"]",
           "write this yourself: catalogue.create_user is the answer"),
    _first("3.3", "the library's signed_in", "shortcut",
           "    return api_lab.signed_in(target, api, email, password)",
           "write this yourself: api_lab.signed_in is the answer"),
    Mutant("3.4", "boto3 instead of the POST", "shortcut",
           (('    with clip.open("rb") as file:\n'
             '        requests.post(grant["url"], data=grant["fields"], timeout=30,\n'
             '                      files={"file": (filename, file, "video/mp4")}).raise_for_status()\n',
             '    target.client("s3").upload_file(str(clip), pipeline["UploadBucketName"], grant["key"],\n'
             '                                    ExtraArgs={"ContentType": "video/mp4"})\n'),),
           "expected the clip's bytes to go to the grant's url", settle=SETTLE),
    _first("3.4", "the library's request_upload", "shortcut",
           "    return api_lab.request_upload(URL, AUTH, clip, filename)",
           "write this yourself: api_lab.request_upload is the answer"),
    Mutant("3.4", "a size guessed", "mistake",
           (('"size": clip.stat().st_size', '"size": 10_000_000'),),
           "the body of your POST /uploads", settle=SETTLE),
    Mutant("3.5", "the first page only", "mistake",
           (('        if page["nextToken"] is None:\n            return found\n', '        return found\n'),),
           "the ids listed with 2 per page"),
    _first("3.5", "one big page", "shortcut",
           '    return requests.get(f"{URL}/videos", params={"limit": 100}, headers=AUTH, timeout=10).json()["videos"]',
           "the limit of each request (2 per page)"),
    Mutant("3.5", "nextToken never sent back", "mistake",
           (('        params["nextToken"] = page["nextToken"]\n', ''),),
           "TooManyRequests"),
    _first("3.6", "the rendition read with boto3", "shortcut",
           '    item = target.resource("dynamodb").Table(pipeline["VideosTableName"]).get_item(Key={"id": video_id})["Item"]\n'
           '    key = item["renditions"][f"{video_id}-{label}.mp4"]["key"]\n'
           '    data = target.client("s3").get_object(Bucket=pipeline["TranscodedBucketName"], Key=key)["Body"].read()\n'
           '    return Video(data=data, embed=True, mimetype="video/mp4", width=320)',
           "expected play to ask the API for the video"),
    Mutant("3.6", "the token sent to S3 too", "mistake",
           (('requests.get(response.json()["renditions"][label]["url"], timeout=30)',
             'requests.get(response.json()["renditions"][label]["url"], headers=AUTH, timeout=30)'),),
           "without your Authorization header"),
    Mutant("3.6", "always the first rendition", "mistake",
           (('["renditions"][label]["url"]', '["renditions"]["1080p"]["url"]'),),
           "the embedded video's width x height and codec"),
    Mutant("3.7", "any signed-in user", "mistake",
           (('{"choice": "owner-or-admins", "reasons": ["authn-is-not-authz", "sub-claim", "least-privilege"]}',
             '{"choice": "any-signed-in-user", "reasons": ["authn-is-not-authz"]}'),),
           "'any-signed-in-user' is not the sound choice"),
    Mutant("3.7", "ownership from the body", "mistake",
           (('"least-privilege"]', '"least-privilege", "email-in-body"]'),),
           "the reason 'email-in-body' does not hold"),
    Mutant("3.7", "every reason ticked", "shortcut",
           (('"least-privilege"]', '"least-privilege", "ids-are-secret", "email-in-body"]'),),
           "does not hold"),
]

LAB04 = [
    Mutant("4.1", "one receive more than asked", "mistake",
           (('"maxReceiveCount": max_receives}', '"maxReceiveCount": max_receives + 1}'),),
           "concert.mov's receive counts with max_receives=1 to be [1] but found [1, 2]"),
    Mutant("4.1", "the dead-letter queue's URL for its ARN", "mistake",
           (('{"deadLetterTargetArn": dlq_arn,', '{"deadLetterTargetArn": dead_letter_queue_url,'),),
           "when calling the SetQueueAttributes operation"),
    Mutant("4.1", "replayed but never deleted", "mistake",
           (('            sqs.delete_message(QueueUrl=dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"])\n',
             ''),),
           "the dead-letter queue after the replay (visible, in flight) to be (0, 0)"),
    Mutant("4.1", "one receive of ten", "mistake",
           (("            moved += 1\n", "            moved += 1\n        return moved\n"),),
           "holding 12 messages to be 12 but found 10"),
    Mutant("4.1", "the template's redrive, redeployed", "shortcut",
           (("    dlq_arn = ", '    return patterns_lab.deploy(target, "lab04-check-park-1", "messaging-dlq", '
             "MaxReceiveCount=str(max_receives))\n    dlq_arn = "),),
           "write this yourself: patterns_lab.deploy is the answer"),
    Mutant("4.2", "tiers swapped", "mistake",
           (('{"premium": stack["PremiumQueueUrl"], "free": stack["FreeQueueUrl"]}',
             '{"premium": stack["FreeQueueUrl"], "free": stack["PremiumQueueUrl"]}'),),
           "but found {'free': 2, 'premium': 4}"),
    Mutant("4.2", "an unknown tier made free", "mistake",
           (("    if tier not in queues:\n", "    if False:\n"),
            ("QueueUrl=queues[tier]", 'QueueUrl=queues.get(tier, stack["FreeQueueUrl"])')),
           "expected submit to refuse an upload of tier 'gold'"),
    Mutant("4.2", "every upload on the premium queue", "shortcut",
           (("QueueUrl=queues[tier]", 'QueueUrl=queues["premium"]'),),
           "but found {'free': 0, 'premium': 6}"),
    Mutant("4.3", "no raw delivery", "mistake",
           ((', Attributes={"RawMessageDelivery": "true"}', ""),),
           "to be ['captions', 'metadata', 'thumbnails'] but found ['metadata', 'thumbnails']"),
    Mutant("4.3", "any topic may send", "mistake",
           ((', "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}', ""),),
           "on the condition that aws:SourceArn equals the topic's ARN"),
    Mutant("4.3", "no queue policy, the local cloud delivers anyway", "shortcut",
           (('    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})\n', ""),),
           "(on AWS nothing arrives otherwise); found None"),
    Mutant("4.4", "dispatch through globals()", "mistake",
           (("name not in COMMANDS:", "name not in globals():"),
            ('return COMMANDS[name](event["video"])', 'return globals()[name](event["video"])')),
           'expected {"command": "handler", "video": "v1"} to be refused'),
    Mutant("4.4", "no check of the video", "mistake",
           (("""    if not isinstance(event.get("video"), str):\n        raise ValueError(f'command {name!r} needs a "video" id')\n""",
             ""),),
           'expected {"command": "publish"} to be refused with ValueError'),
    Mutant("4.4", "answers made up, table untouched", "shortcut",
           (('    return COMMANDS[name](event["video"])',
             '    return {"video": event["video"], "visibility": "public" if name == "publish" else "private"}'),),
           "v1's visibility in the table after publish to be 'public' but found None"),
    Mutant("4.5", "the new image only", "mistake",
           (('((change.get("OldImage"), -1), (change.get("NewImage"), 1))', '((change.get("NewImage"), 1),)'),),
           "after 'v2 changes owner to grace'"),
    Mutant("4.5", "the view overwritten", "mistake",
           (('UpdateExpression="ADD videos :v, seconds :s"', 'UpdateExpression="SET videos = :v, seconds = :s"'),),
           "after 'ada uploads v2 (12 s)'"),
    Mutant("4.5", "new uploads only", "shortcut",
           (('        change = record["dynamodb"]\n',
             '        if record["eventName"] != "INSERT":\n            continue\n        change = record["dynamodb"]\n'),),
           "after 'v2 changes owner to grace'"),
    Mutant("4.6", "one worker for all three", "mistake",
           (('{"choice": "fan-out", "reasons": ["isolated-retries", "publish-once", "replay"]}',
             '{"choice": "one-worker", "reasons": ["publish-once"]}'),),
           "'one-worker' is not the sound choice"),
    Mutant("4.6", "every reason ticked", "shortcut",
           (('"replay"]', '"replay", "sns-retries-forever", "ordering"]'),),
           "the reason 'ordering' does not hold"),
]

MUTANTS = {
    "lab01-serverless-or-not": LAB01,
    "lab02-video-pipeline": LAB02,
    "lab03-video-api": LAB03,
    "lab04-patterns": LAB04,
}
