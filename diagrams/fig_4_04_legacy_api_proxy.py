"""Workbook figure 4.4 (after the book's chapter 3 use cases): legacy API proxy.
A modern JSON API in front of an old service: functions translate requests and
responses, so clients never see the legacy protocol."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.general import Client, TraditionalServer
from diagrams.aws.network import APIGateway

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.4  Legacy API proxy", out_path) as diagram:
        api = APIGateway("API Gateway\n(JSON, REST)")
        translate = Lambda("translate")
        Client("New clients") >> Edge(label="JSON") >> api >> translate
        translate >> Edge(label="SOAP / XML") >> TraditionalServer("Legacy service")
    return diagram
