"""jsonschema's IRI grammar is built the first time an IRI is checked, not when the workbook is imported."""
import subprocess
import sys

FRESH_PROCESS = """
import sys
import serverless_workbook
from jsonschema import FormatChecker
from serverless_workbook.localcloud import cloudformation  # moto's CloudFormation: jsonschema, through API Gateway
print("grammar built at start-up:", "lark" in sys.modules)
checker = FormatChecker()
print("IRI with a space:", checker.conforms("http://exa mple.com/", "iri"))
print("IRI with an accent:", checker.conforms("http://example.com/café", "iri"))
print("relative reference:", checker.conforms("../café", "iri-reference"))
print("grammar built when used:", "lark" in sys.modules)
"""


def test_the_iri_grammar_is_built_on_first_use_and_checks_as_before():
    ran = subprocess.run([sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines() == [
        "grammar built at start-up: False",
        "IRI with a space: False",
        "IRI with an accent: True",
        "relative reference: True",
        "grammar built when used: True",
    ], ran.stderr
