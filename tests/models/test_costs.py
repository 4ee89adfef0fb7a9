"""The cost model against figures worked out by hand from the price table."""
import pytest

from serverless_workbook.cloud import trial_functions
from serverless_workbook.models.costs import (
    HOURS_PER_MONTH,
    PRICES,
    SECONDS_PER_MONTH,
    Workload,
    api_gateway_monthly_cost,
    break_even_requests,
    ec2_monthly_cost,
    fargate_monthly_cost,
    lambda_monthly_cost,
    load_balancer_monthly_cost,
    serverless_monthly_cost,
)


def test_prices_are_dated_and_sourced():
    assert PRICES.as_of
    for page in ("lambda", "ec2", "fargate", "api-gateway", "elasticloadbalancing"):
        assert f"aws.amazon.com/{page}/pricing" in PRICES.source


def test_a_month_has_one_definition():
    assert HOURS_PER_MONTH == 730 and SECONDS_PER_MONTH == 2_628_000


def test_gb_seconds():
    # 5M x 0.12 s x 0.5 GB
    assert Workload(5_000_000, 120, 512).gb_seconds == pytest.approx(300_000)


def test_lambda_inside_the_free_compute_allowance_pays_only_for_requests():
    # 300,000 GB-s < 400,000 free; (5M - 1M) requests x $0.20 per million
    assert lambda_monthly_cost(Workload(5_000_000, 120, 512)) == pytest.approx(0.80)


def test_lambda_without_free_tier():
    # 5 x $0.20 + 300,000 GB-s x $0.0000166667
    assert lambda_monthly_cost(Workload(5_000_000, 120, 512), free_tier=False) == pytest.approx(6.00001)


def test_lambda_beyond_both_allowances():
    # 40M x 0.8 s x 2 GB = 64M GB-s; (64M - 0.4M) x 0.0000166667 + 39 x 0.20
    expected = 63_600_000 * 0.0000166667 + 39 * 0.20
    assert lambda_monthly_cost(Workload(40_000_000, 800, 2048)) == pytest.approx(expected)
    assert expected == pytest.approx(1067.80212)


def test_idle_lambda_costs_nothing():
    assert lambda_monthly_cost(Workload(0)) == 0
    assert lambda_monthly_cost(Workload(0), free_tier=False) == 0


def test_ec2_bills_every_hour():
    assert ec2_monthly_cost("t3.small") == pytest.approx(0.0208 * 730)  # $15.184
    assert ec2_monthly_cost("t3.medium", instances=2) == pytest.approx(60.736)


def test_fargate_bills_vcpu_and_memory_hours():
    # 0.25 x 0.04048 + 0.5 x 0.004445 = 0.0123425 per hour
    assert fargate_monthly_cost(0.25, 0.5) == pytest.approx(9.010025)


def test_break_even_against_a_t3_small():
    # Per request: $0.0000002 + 0.06 GB-s x $0.0000166667 = $0.0000012000002.
    # Past both allowances (6.67M requests) cost = 1.2e-6 R - 0.2 - 6.66668 = 15.184
    expected = (15.184 + 0.2 + 400_000 * 0.0000166667) / (0.2e-6 + 0.06 * 0.0000166667)
    found = break_even_requests(ec2_monthly_cost("t3.small"), duration_ms=120, memory_mb=512)
    assert found == pytest.approx(expected, rel=1e-6)
    assert 18_370_000 < found < 18_380_000


def test_rest_api_gateway_bills_per_million_in_tiers():
    assert api_gateway_monthly_cost(0) == 0
    assert api_gateway_monthly_cost(5_000_000) == pytest.approx(17.50)  # 5 x $3.50
    # 333M at $3.50, then 667M at $2.80, then 19,000M at $2.38, then $1.51
    assert api_gateway_monthly_cost(1_000_000_000) == pytest.approx(1165.50 + 1867.60)
    assert api_gateway_monthly_cost(21e9) == pytest.approx(1165.50 + 1867.60 + 19_000 * 2.38 + 1_000 * 1.51)


def test_http_api_gateway_is_cheaper():
    assert api_gateway_monthly_cost(5_000_000, "http") == pytest.approx(5.00)
    assert api_gateway_monthly_cost(400_000_000, "http") == pytest.approx(300 * 1.00 + 100 * 0.90)


def test_unknown_api_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="rest, http"):
        api_gateway_monthly_cost(1, "soap")


def test_load_balancer_bills_its_hours_and_lcu_hours():
    assert load_balancer_monthly_cost() == pytest.approx((0.0225 + 0.008) * 730)  # $22.265
    assert load_balancer_monthly_cost(lcus=0) == pytest.approx(16.425)
    with pytest.raises(ValueError):
        load_balancer_monthly_cost(lcus=-1)


def test_a_serverless_api_adds_api_gateway_to_lambda():
    api = Workload(5_000_000, 120, 512)
    assert serverless_monthly_cost(api) == pytest.approx(0.80)  # Lambda alone
    assert serverless_monthly_cost(api, "rest") == pytest.approx(0.80 + 17.50)
    assert serverless_monthly_cost(api, "http", free_tier=False) == pytest.approx(6.00001 + 5.00)


def test_api_gateway_moves_the_break_even_from_18m_to_4m():
    # Below 6.67M requests compute is free: (R - 1M) x $0.20/M + R x $3.50/M = $15.184
    expected = (15.184 + 0.2) / (0.2e-6 + 3.5e-6)
    found = break_even_requests(ec2_monthly_cost("t3.small"), 120, 512, api="rest")
    assert found == pytest.approx(expected, rel=1e-6)
    assert 4_150_000 < found < 4_160_000


def test_with_a_load_balancer_on_both_sides_the_break_even_is_9m():
    # $15.184 + $22.265 = $37.449; past both allowances: 4.7000002e-6 R - 0.2 - 6.66668 = 37.449
    fixed = ec2_monthly_cost("t3.small") + load_balancer_monthly_cost()
    expected = (37.449 + 0.2 + 400_000 * 0.0000166667) / (0.2e-6 + 0.06 * 0.0000166667 + 3.5e-6)
    found = break_even_requests(fixed, 120, 512, api="rest")
    assert found == pytest.approx(expected, rel=1e-6)
    assert 9_420_000 < found < 9_440_000


def test_the_free_tier_moves_the_break_even_at_any_volume():
    # Without it: 1.2000002e-6 R = 15.184
    without = break_even_requests(ec2_monthly_cost("t3.small"), 120, 512, free_tier=False)
    assert without == pytest.approx(15.184 / (0.2e-6 + 0.06 * 0.0000166667), rel=1e-6)
    assert 12_600_000 < without < 12_700_000


@pytest.mark.parametrize("bad", [
    dict(requests_per_month=-1), dict(requests_per_month=1, duration_ms=0),
    dict(requests_per_month=1, memory_mb=64), dict(requests_per_month=1, memory_mb=20_000),
])
def test_impossible_workloads_are_refused(bad):
    with pytest.raises(ValueError):
        Workload(**bad)


def test_unknown_instance_type_names_the_known_ones():
    with pytest.raises(ValueError, match="t3.small"):
        ec2_monthly_cost("x9.huge")


def test_one_lab_run_on_a_real_account_is_priced_from_the_same_table():
    from serverless_workbook.workspaces.pipeline_run import run_cost

    # Each of the three outputs bills at least a minute: 1080p and 720p as HD, 480p as SD.
    estimate = run_cost(clip_seconds=2)
    mediaconvert = sum(v for k, v in estimate.items() if k.startswith("MediaConvert"))
    assert mediaconvert == pytest.approx(0.015 + 0.015 + 0.0075)
    assert run_cost(clip_seconds=61)["MediaConvert 1080p"] == pytest.approx(2 * 0.015)


# ---------- a notebook's estimate, and the confirmation before the first real deploy ----------

def test_a_notebooks_estimate_is_priced_in_its_region_or_bounded_outside_it():
    from types import SimpleNamespace

    from serverless_workbook.models.costs import OTHER_REGION_BOUND, notebook_estimate

    def aws(region):
        return SimpleNamespace(is_local=False, region=region)

    home = notebook_estimate("lab03-pipeline", aws("us-east-1"))
    # 3 videos x (1080p and 720p HD at $0.015 + 480p SD at $0.0075, a whole minute each) + under a cent.
    assert home.at_table_prices == pytest.approx(3 * 0.0375 + 0.01) and home.bound == home.at_table_prices
    assert "lab 3" in str(home) and str(home).endswith("at us-east-1 prices (2026-09).")
    away = notebook_estimate("lab03-api", aws("eu-west-1"))
    assert away.bound == pytest.approx(home.at_table_prices * OTHER_REGION_BOUND)
    assert "knows only us-east-1's prices; in eu-west-1 count on at most 2x: $0.24" in str(away)
    assert notebook_estimate("pattern-fan-out", aws("us-east-1")).videos == 1
    # On the local cloud nothing is billed, and the text does not depend on the region it is given.
    local = [str(notebook_estimate("lab03-pipeline", SimpleNamespace(is_local=True, region=region)))
             for region in ("us-east-1", "eu-west-1")]
    assert local[0] == local[1] and local[0].endswith(
        "at us-east-1 prices (2026-09); in another region count on at most 2x ($0.24). The local cloud bills nothing.")


def test_the_pipelines_outputs_are_the_ones_priced():
    from serverless_workbook.models.costs import PIPELINE_OUTPUT_HEIGHTS
    from serverless_workbook.workspaces.pipeline_run import BOOK_RENDITIONS

    assert PIPELINE_OUTPUT_HEIGHTS == tuple(height for _, height, _ in BOOK_RENDITIONS.values())


def test_the_first_real_deploy_asks_for_confirmation_before_any_request(unconfirmed):
    from serverless_workbook.cloud import stacks
    from serverless_workbook.models import costs
    from serverless_workbook.workspaces import catalogue

    with pytest.raises(costs.CostsNotConfirmed) as refused:
        stacks.deploy(unconfirmed, "lab03-pipeline", catalogue.PIPELINE_TEMPLATE, code=catalogue.PIPELINE_CODE)
    message = str(refused.value)
    assert "Estimated cost of lab 3 on AWS" in message and "in eu-west-1 count on at most 2x" in message
    assert "Nothing has been created yet" in message and "costs.confirm(target)" in message
    assert "WORKBOOK_CONFIRM_COSTS=yes" in message
    assert unconfirmed.made == []  # not even a client was made


def test_confirming_in_the_kernel_or_the_environment_lets_deploys_through(unconfirmed, monkeypatch, capsys):
    from serverless_workbook.models import costs

    costs.confirm(unconfirmed)
    assert capsys.readouterr().out == "Confirmed: this kernel may deploy to AWS in eu-west-1.\n"
    costs.require_confirmation(unconfirmed, "lab03-api")
    monkeypatch.setattr(costs, "_confirmed", set())
    monkeypatch.setenv(costs.CONFIRM_VARIABLE, "no")
    with pytest.raises(costs.CostsNotConfirmed):
        costs.require_confirmation(unconfirmed, "lab03-api")
    monkeypatch.setenv(costs.CONFIRM_VARIABLE, "yes")
    costs.require_confirmation(unconfirmed, "lab03-api")


def test_the_local_cloud_never_asks(monkeypatch):
    from types import SimpleNamespace

    from serverless_workbook.models import costs

    monkeypatch.delenv(costs.CONFIRM_VARIABLE, raising=False)
    monkeypatch.setattr(costs, "_confirmed", set())
    costs.require_confirmation(SimpleNamespace(is_local=True), "lab03-pipeline")


def test_a_bucket_or_a_throwaway_function_made_outside_a_stack_asks_too(unconfirmed, tmp_path):
    """Chapter 2's push-versus-poll experiment makes a bucket and a function before its first stack."""
    from serverless_workbook.models import costs

    with pytest.raises(costs.CostsNotConfirmed, match="Estimated cost of chapter 2 on AWS: at most 3 short videos"):
        unconfirmed.create_bucket("ch2-push-vs-poll-0a1b2c3d4e5f")
    (tmp_path / "probe").mkdir()
    with pytest.raises(costs.CostsNotConfirmed, match="the notebook that creates lab-trial-probe on AWS: at most 1 "
                                                      "short video transcoded"):
        with trial_functions.trial_function(unconfirmed, tmp_path / "probe", {}):
            pass
