"""A real account that answers only what a test stubs: the `aws` target's code paths without AWS."""
import boto3
from botocore.stub import Stubber

from serverless_workbook.cloud.target import Target


class StubbedAccount(Target):
    """The `aws` target, as the workbook makes it, whose every client is a botocore Stubber: a request is checked
    against the real API's shapes and answered only as the test stubbed it (any other fails the test), and
    nothing leaves the machine. A test stubs a service's answers with `stub(service)` before or after the code
    under test makes its client."""

    def __init__(self, region: str = "eu-west-1") -> None:
        session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name=region)
        super().__init__("aws", "111122223333", region, session)
        self.stubs: dict[str, Stubber] = {}
        self.made: list[Stubber] = []  # every client made, shared or not

    def _stubbed(self, service: str, **kwargs) -> Stubber:
        stubber = Stubber(super().client(service, **kwargs))
        stubber.activate()
        self.made.append(stubber)
        return stubber

    def stub(self, service: str) -> Stubber:
        """The Stubber of the service's client, the one the code under test gets."""
        if service not in self.stubs:
            self.stubs[service] = self._stubbed(service)
        return self.stubs[service]

    def client(self, service: str, **kwargs):
        # A client made with options of its own (a config) is another client, stubbed too but not shared.
        return self._stubbed(service, **kwargs).client if kwargs else self.stub(service).client
