"""Judgement exercises: a decision with reasons, answered in a form a check can mark.

A learner picks one option and the reasons that support it::

    {"choice": "thumbnails", "reasons": ["narrow-interface", "contained"]}

The check passes when the choice is the sound one and the reasons are exactly those that
hold; otherwise its message explains the option chosen and each reason picked wrongly.
Once it passes, `explain()` gives the reasoning behind every option and every reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    text: str
    sound: bool
    why: str


@dataclass(frozen=True)
class Judgement:
    question: str
    options: dict[str, Option]
    reasons: dict[str, Option]

    def __str__(self) -> str:
        lines = [self.question, "", "Options (choose one):"]
        lines += [f"  {key!r}: {option.text}" for key, option in self.options.items()]
        lines += ["", "Reasons (pick every one that supports your choice, and no other):"]
        lines += [f"  {key!r}: {reason.text}" for key, reason in self.reasons.items()]
        return "\n".join(lines)

    def problems(self, answer: Any) -> list[str]:
        """What is wrong with an answer, each with its explanation; empty when it is right."""
        if not (isinstance(answer, dict) and set(answer) == {"choice", "reasons"}):
            return [f"expected a dict with the keys 'choice' and 'reasons', found {answer!r}"]
        choice, reasons = answer["choice"], answer["reasons"]
        if choice not in self.options:
            return [f"'choice' must be one of {', '.join(map(repr, self.options))}, found {choice!r}"]
        if isinstance(reasons, str) or not all(isinstance(r, str) for r in reasons):
            return [f"'reasons' must be a list of reason keys, found {reasons!r}"]
        unknown = sorted(set(reasons) - set(self.reasons))
        if unknown:
            return [f"unknown reason(s) {', '.join(map(repr, unknown))}; choose from {', '.join(map(repr, self.reasons))}"]
        found = []
        if not self.options[choice].sound:
            found.append(f"{choice!r} is not the sound choice: {self.options[choice].why}")
        found += [f"the reason {key!r} does not hold: {self.reasons[key].why}"
                  for key in sorted(set(reasons)) if not self.reasons[key].sound]
        missing = sum(1 for key, reason in self.reasons.items() if reason.sound and key not in reasons)
        if missing:
            found.append(f"{missing} reason(s) that support the sound choice are missing")
        return found

    def explain(self) -> str:
        lines = ["Why each option is, or is not, the one:"]
        lines += [f"  {key!r} ({'yes' if o.sound else 'no'}): {o.why}" for key, o in self.options.items()]
        lines += ["Why each reason holds, or not:"]
        lines += [f"  {key!r} ({'holds' if r.sound else 'does not hold'}): {r.why}" for key, r in self.reasons.items()]
        return "\n".join(lines)


STRANGLE_FIRST = Judgement(
    question="SnapShare will move to serverless with the strangler pattern (chapter 1): a facade routes one part at "
             "a time to the new system while the monolith keeps serving the rest. Which part goes first?",
    options={
        "thumbnails": Option(
            "the thumbnail service", True,
            "one narrow job (a photo in, its thumbnails out) started by an event; the facade can route it alone, and "
            "if the new version fails only thumbnails are late while uploads and sign-in keep working."),
        "database": Option(
            "the relational database", False,
            "every other part reads and writes it: moving the data first is the riskiest step, changes every part at "
            "once, and leaves nothing for the facade to route gradually."),
        "sign-in": Option(
            "the sign-in code", False,
            "every request depends on it and it holds the users' credentials: a mistake locks everyone out, so it "
            "moves once the team has practised on something that can fail safely."),
        "everything": Option(
            "all of it at once, rewritten for Lambda", False,
            "that is the big-bang rewrite the strangler pattern exists to avoid: nothing ships until everything "
            "works, and a failure takes the whole site down."),
    },
    reasons={
        "narrow-interface": Option(
            "it has a narrow interface the facade can route on its own", True,
            "the facade sends one kind of request to the new system and everything else to the monolith."),
        "event-driven": Option(
            "it reacts to an event (a new photo), which can trigger a function directly", True,
            "S3 can invoke a function for each new object: push, not polling (chapter 1's principles)."),
        "contained": Option(
            "if it fails, the rest of the site keeps working", True,
            "a first migration teaches the team; its failures should be cheap."),
        "always-cheaper": Option(
            "Lambda is always cheaper than servers", False,
            "exercise 1.3 shows the opposite for steady heavy traffic: past the break-even, servers cost less."),
        "data-first": Option(
            "moving the data first lets every other part follow", False,
            "it couples every part to the move, the opposite of one part at a time."),
    },
)

FAILED_TRANSCODE = Judgement(
    question="A video's MediaConvert job ends in ERROR: the uploaded file is corrupt. What should the pipeline do?",
    options={
        "record-and-tell": Option(
            "mark the video's item ERROR with MediaConvert's message, keep the upload, and tell the uploader", True,
            "the failure becomes visible where people look (the item, the API), nothing is lost, and a person or a "
            "bounded retry for transient errors decides what happens next. Lab 2's pipeline does this: a job-state "
            "rule sends failed jobs to a queue that extract-metadata reads."),
        "retry-forever": Option(
            "submit the job again until it succeeds", False,
            "a corrupt input fails the same way every time: each attempt costs money and the loop never ends."),
        "delete-silently": Option(
            "delete the upload and the item", False,
            "the uploader never learns what happened and the evidence for debugging is gone."),
        "catch-in-handler": Option(
            "wrap create_job in try/except in transcode-video and return success", False,
            "the job fails minutes after the handler returned, so the handler cannot see it; and catching errors "
            "there only hides the ones it could see."),
    },
    reasons={
        "asynchronous": Option(
            "the job fails long after transcode-video returned, so the failure must arrive as an event", True,
            "MediaConvert publishes job state changes; a rule turns ERROR into a message the pipeline handles."),
        "deterministic": Option(
            "a corrupt input fails the same way every time, so blind retries only add cost", True,
            "retry transient failures (throttling, timeouts) a bounded number of times; not bad input."),
        "visible": Option(
            "the item's status is what the API and the uploader see", True,
            "ERROR with the service's message tells them what happened and what to do."),
        "s3-retries": Option(
            "S3 retries the upload event, so the job is retried for you", False,
            "S3 retries a failed invocation of the function; the function succeeded, it is the job that failed."),
        "wait-in-lambda": Option(
            "transcode-video can wait for the job and retry it itself", False,
            "a function runs at most 15 minutes and is billed while it waits: push the result as an event instead."),
    },
)

WHO_MAY_DELETE = Judgement(
    question="DELETE /videos/{id} removes a video for good, and the authorizer lets every signed-in user call it. "
             "Who should be allowed to delete a given video?",
    options={
        "owner-or-admins": Option(
            "the user who uploaded it, and members of an admins group; everyone else is refused", True,
            "record the uploader's `sub` claim on the item at upload; compare it, or the `cognito:groups` claim, "
            "with the caller's ID token before deleting."),
        "any-signed-in-user": Option(
            "any signed-in user, as today", False,
            "any account, even one made a minute ago, could wipe everyone's videos: signing in proves who you are, "
            "not what you may do."),
        "anyone-with-the-id": Option(
            "anyone who knows the video's id", False,
            "ids are listed by GET /videos and shared in links: an id is a name, not a secret."),
        "nobody": Option(
            "nobody through the API; operators delete in the console", False,
            "users must be able to remove what they uploaded, and console access is far more power than deleting "
            "one video needs."),
    },
    reasons={
        "authn-is-not-authz": Option(
            "the authorizer proves who the caller is; whether they may delete this video is the function's decision",
            True, "API Gateway's Cognito authorizer checks the token, not ownership."),
        "sub-claim": Option(
            "the ID token's sub is issued by the pool and never changes, so the item can record it and compare it",
            True, "a claim in a token the pool signed cannot be forged by the caller."),
        "least-privilege": Option(
            "each caller gets the smallest power they need", True,
            "deleting others' videos is an administrator's power, granted through a group."),
        "ids-are-secret": Option(
            "video ids are random, so knowing one proves ownership", False,
            "GET /videos lists every id to every signed-in user."),
        "email-in-body": Option(
            "the request body can say whose video it is", False,
            "the caller writes the body: only claims in the signed token can be trusted."),
    },
)

PATTERN_FOR_STUDIO_UPLOADS = Judgement(
    question="A partner studio will upload hundreds of videos a night. Each upload must be transcoded, get thumbnails, "
             "and be added to the search index; the search service is down for maintenance an hour most nights, and "
             "transcodes must not wait for it. Which pattern joins the upload to the three jobs?",
    options={
        "fan-out": Option(
            "fan-out: the upload event goes to a topic, and each job has its own queue and function", True,
            "the producer publishes once; each copy is retried, and parked after maxReceiveCount, on its own queue, "
            "so an hour of search downtime delays only the index (replay its parked copies after the window) while "
            "transcodes and thumbnails carry on. Exercise 4.3 ran exactly this."),
        "one-worker": Option(
            "one queue and one worker that does all three jobs in turn", False,
            "while the search service is down every message fails at its last step and is retried whole: the "
            "transcodes are redone or held back with it, and after maxReceiveCount the finished work is parked too."),
        "priority-queue": Option(
            "a priority queue, with the index on the premium queue", False,
            "priority orders work that competes for one consumer; it does not isolate a failing dependency, and "
            "the index still fails whichever queue it is on."),
        "command": Option(
            "the command pattern: one function dispatching transcode, thumbnails and index commands", False,
            "one entry point for callers who choose an operation; here nobody calls, an event must reach three "
            "jobs, and a single dispatcher would still share their failures."),
    },
    reasons={
        "isolated-retries": Option(
            "each consumer's queue retries and parks its own copy, so one failing job holds up no other", True,
            "a queue per consumer turns one consumer's outage into a backlog on its own queue only."),
        "publish-once": Option(
            "the uploader publishes once and needs no change when a fourth job is added", True,
            "a new consumer is a new subscription (exercise 4.3 added captions without touching the producer)."),
        "replay": Option(
            "copies parked during the outage can be replayed once the service is back", True,
            "the dead-letter queue keeps them (14 days at most) for the replay of exercise 4.1."),
        "sns-retries-forever": Option(
            "SNS keeps retrying a failed consumer until it succeeds, so no queue is needed", False,
            "SNS only retries delivering to its endpoint; once a queue has the message, retrying the consumer is the "
            "queue's job. A function subscribed directly is invoked asynchronously: Lambda retries it twice, then "
            "drops the event unless it has an on-failure destination."),
        "ordering": Option(
            "fan-out keeps the three jobs of an upload in order", False,
            "each consumer runs on its own: the index may finish before the transcode. If the order matters, that "
            "is orchestration (chapter 5), not fan-out."),
    },
)

COLD_STARTS_AT_NINE = Judgement(
    question="The shop's checkout function (Python, 1,024 MB) answers in 80 ms when warm, but its p99 is 2.4 s. Every "
             "morning at 9:00 its traffic jumps from 2 to 300 requests a second within a minute, and each of the "
             "hundreds of new environments spends 2 s in its Init phase importing a 200 MB machine-learning library "
             "that only the rare 'recommend' path uses. What do you do first?",
    options={
        "lazy-import": Option(
            "import the library inside the recommend path only, so the Init phase no longer loads it", True,
            "every cold start, all day, loses the 2 s at no running cost; only an environment that serves a "
            "recommendation pays the import, once. Measure again before buying anything (chapter 6.2)."),
        "more-memory": Option(
            "raise the memory to 10,240 MB so the import gets more CPU", False,
            "an import is one thread and partly disk: above 1,769 MB it gains little, while every warm request, "
            "all day, is billed ten times the GB-seconds, and the cold starts still take seconds."),
        "keep-warm": Option(
            "ping the function every five minutes from a schedule to keep it warm", False,
            "a ping keeps one environment warm; the 9:00 burst needs hundreds at once, and each of them still "
            "starts cold."),
        "reserved": Option(
            "set a reserved concurrency of 300", False,
            "reserved concurrency caps the function and sets capacity aside; it initializes nothing ahead, so those "
            "300 environments still start cold."),
        "provisioned-all-day": Option(
            "keep 300 environments of provisioned concurrency around the clock", False,
            "it removes the cold starts but pays for 300 initialized environments 24 hours a day for a burst at "
            "9:00; if cold starts still hurt after the fix, schedule provisioned concurrency for that hour."),
    },
    reasons={
        "init-is-the-tail": Option(
            "the p99 is the cold starts' Init phase, not the handler: warm requests take 80 ms", True,
            "percentiles from a load run show the tail is made of cold starts (chapter 6.2)."),
        "few-need-it": Option(
            "only the rare recommend path uses the library, so most environments never need it loaded", True,
            "work done at Init should be work most requests need; the rest can be lazy."),
        "no-running-cost": Option(
            "moving work out of the Init phase costs nothing per request or per hour", True,
            "unlike more memory (every GB-second) or provisioned concurrency (every hour)."),
        "memory-speeds-imports": Option(
            "more memory makes importing a library proportionally faster", False,
            "memory buys CPU, up to one vCPU at 1,769 MB for one thread; an import reads from disk and runs on one "
            "thread."),
        "reserved-prewarms": Option(
            "reserved concurrency keeps environments initialized ahead of traffic", False,
            "that is provisioned concurrency; reserved concurrency only caps and sets aside."),
    },
)
