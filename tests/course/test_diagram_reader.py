"""describe() reads a drawn diagram back as labelled nodes and edges, as lab 1's check reads a learner's drawing."""
import shutil

from diagrams import Cluster, Edge, Node
from diagrams.aws.compute import Lambda
from diagrams.aws.database import DDB
from diagrams.aws.network import APIGateway
from diagrams.aws.storage import S3
from diagrams.custom import Custom

from serverless_workbook.course.diagram_reader import Architecture, describe
from serverless_workbook.models import figures
from serverless_workbook.models.figures import figure


def test_the_serverless_figure_reads_back_as_its_services(tmp_path):
    module = figures._load(figures.DIAGRAMS_DIR / "fig_serverless.py")
    arch = describe(module.draw(tmp_path / "fig"))

    assert sorted(arch.nodes.values()) == [
        "aws.compute.Lambda", "aws.database.Dynamodb", "aws.general.Client",
        "aws.network.APIGateway", "aws.security.Cognito", "aws.storage.SimpleStorageServiceS3",
    ]
    assert ("API Gateway", "Business logic (Lambda)") in arch.edges
    assert arch.has_chain("Client", "APIGateway", "Lambda", "Dynamodb")
    assert not arch.has_chain("Dynamodb", "Lambda")


def _draw(tmp_path, build) -> Architecture:
    with figure("test", tmp_path / "test") as diagram:
        build()
    return describe(diagram)


def test_edges_follow_the_arrows_and_undirected_ones_go_both_ways(tmp_path):
    def build():
        a, b, c, d, e = (Node(name) for name in "abcde")
        a >> b
        c << d  # the arrow points at c: d -> c
        a - c
        d << Edge(label="both") >> e
        [b, e] >> Lambda("fn")

    arch = _draw(tmp_path, build)
    assert arch.edges == {
        ("a", "b"), ("d", "c"), ("a", "c"), ("c", "a"), ("d", "e"), ("e", "d"), ("b", "fn"), ("e", "fn"),
    }


def test_labels_are_flattened_and_made_unique(tmp_path):
    def build():
        with Cluster("outer"):
            with Cluster("inner"):
                Lambda('Business\nlogic "v2"')
            Lambda()
            Lambda()
            Lambda("<<b>Or</b>ders<br/>API>")

    arch = _draw(tmp_path, build)
    assert arch.nodes == {
        'Business logic "v2"': "aws.compute.Lambda",
        "Lambda": "aws.compute.Lambda",
        "Lambda (2)": "aws.compute.Lambda",
        "Orders API": "aws.compute.Lambda",
    }


def test_kinds_come_from_the_icon_and_match_by_any_name_the_class_has(tmp_path):
    icon = tmp_path / "logo.png"
    shutil.copy(figures.figure_path("fig_1_1_client_server"), icon)

    def build():
        S3("site")
        DDB("table")
        APIGateway("api")
        Custom("mine", str(icon))
        Node("plain")

    arch = _draw(tmp_path, build)
    assert arch.nodes == {
        "site": "aws.storage.SimpleStorageServiceS3",
        "table": "aws.database.Dynamodb",
        "api": "aws.network.APIGateway",
        "mine": "custom.Custom",
        "plain": "Node",
    }
    assert arch.labels("S3") == arch.labels("aws.storage.S3") == ["site"]
    assert arch.labels("DDB") == arch.labels("Dynamodb") == ["table"]
    assert arch.labels("aws.compute.S3") == []
    assert arch.labels("Custom") == ["mine"]
    assert arch.labels("Node") == ["plain"]


def test_has_chain_respects_direction_unless_told_not_to(tmp_path):
    def build():
        APIGateway("api") >> Lambda("fn") << DDB("table")  # drawn the wrong way round

    arch = _draw(tmp_path, build)
    assert arch.has_chain("APIGateway", "Lambda")
    assert not arch.has_chain("APIGateway", "Lambda", "Dynamodb")
    assert arch.has_chain("APIGateway", "Lambda", "Dynamodb", directed=False)
    assert not arch.has_chain("APIGateway", "S3")
    assert not arch.has_chain()


def test_repr_is_the_same_in_every_process():
    arch = Architecture(nodes={"a": "Node", "b": "Node"}, edges={("b", "a"), ("a", "b")})
    assert repr(arch) == "Architecture(nodes={'a': 'Node', 'b': 'Node'}, edges={'a' -> 'b', 'b' -> 'a'})"
