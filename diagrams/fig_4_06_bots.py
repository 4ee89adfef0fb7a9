"""Workbook figure 4.6 (after the book's chapter 3 use cases): bots. A chat
platform calls a webhook for each message; a function answers it, and the
conversation costs nothing while nobody talks."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.network import APIGateway
from diagrams.saas.chat import Slack

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.6  Bots", out_path) as diagram:
        chat = Slack("Chat platform")
        webhook = APIGateway("Webhook")
        bot = Lambda("bot")
        chat >> Edge(label="message event") >> webhook >> bot
        bot >> Edge(label="conversation state") >> Dynamodb("Sessions")
        bot >> Edge(label="reply (chat API)", style="dashed") >> chat
    return diagram
