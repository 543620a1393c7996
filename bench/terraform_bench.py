"""Deciding a 10,000-change Terraform plan vs `json.load` of the same file (goal: <= 5x).

The plan is synthetic but shaped like `terraform show -json` output: planned_values,
resource_changes with before/after/after_unknown/sensitive objects, prior_state,
configuration with provider_config, in modules, with a realistic mix of actions.

    PYTHONPATH=src python3 bench/terraform_bench.py [--changes N] [--repeat R] [--keep FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from interlock.analysis.terraform import analyze_plan

AWS = "registry.terraform.io/hashicorp/aws"
TYPES = ("aws_instance", "aws_security_group_rule", "aws_iam_role_policy_attachment",
         "aws_route53_record", "aws_s3_bucket", "aws_db_instance", "aws_lambda_function",
         "aws_cloudwatch_metric_alarm")
# resource_changes action mix (weights): mostly creates and updates, some replaces/deletes.
MIX = ((["create"], 55), (["update"], 25), (["no-op"], 8), (["delete", "create"], 4),
       (["create", "delete"], 2), (["delete"], 4), (["forget"], 1), (["read"], 1))


def _values(rng: random.Random, rtype: str, i: int) -> dict[str, Any]:
    return {
        "arn": f"arn:aws:{rtype[4:8]}:eu-west-1:111111111111:{rtype}/r-{i:06d}",
        "id": f"r-{i:06d}-{rng.getrandbits(32):08x}",
        "name": f"svc-{i % 97}-{rtype}-{i}",
        "bucket": f"acme-prod-{i}" if rtype == "aws_s3_bucket" else None,
        "skip_final_snapshot": rtype == "aws_db_instance" and i % 2 == 0,
        "instance_type": rng.choice(("t3.micro", "m6i.large", "r6g.xlarge")),
        "subnet_id": f"subnet-{rng.getrandbits(32):08x}",
        "vpc_security_group_ids": [f"sg-{rng.getrandbits(32):08x}" for _ in range(2)],
        "root_block_device": [{"volume_size": rng.choice((8, 20, 100)), "volume_type": "gp3",
                               "encrypted": True, "delete_on_termination": True}],
        "tags": {"env": "prod", "team": f"team-{i % 13}", "service": f"svc-{i % 97}"},
        "tags_all": {"env": "prod", "team": f"team-{i % 13}", "service": f"svc-{i % 97}"},
        "timeouts": None,
    }


def make_plan(n: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    actions = [a for a, w in MIX for _ in range(w)]
    changes, planned, prior, config = [], [], [], []
    for i in range(n):
        rtype = TYPES[i % len(TYPES)]
        act = rng.choice(actions)
        mod = f"module.m{i % 40}"
        addr = f"{mod}.{rtype}.r[{i}]"
        mode = "data" if act == ["read"] else "managed"
        if mode == "data":
            addr = f"{mod}.data.{rtype}.r[{i}]"
        fresh = act == ["create"] or mode == "data"
        before = None if fresh else _values(rng, rtype, i)
        after = None if act in (["delete"], ["forget"]) else _values(rng, rtype, i)
        unknown: dict[str, Any] = {}
        if after is not None and act != ["no-op"]:
            if act[0] != "update":
                after.pop("arn"), after.pop("id")
                unknown = {"arn": True, "id": True}
            else:
                after["tags"]["rev"] = "2"
                unknown = {"tags_all": True}
        change: dict[str, Any] = {
            "actions": act, "before": before, "after": after, "after_unknown": unknown,
            "before_sensitive": {} if before is not None else False,
            "after_sensitive": {} if after is not None else False,
        }
        rc: dict[str, Any] = {"address": addr, "module_address": mod, "mode": mode,
                              "type": rtype, "name": "r", "index": i, "provider_name": AWS,
                              "change": change}
        if len(act) == 2:
            change["replace_paths"] = [["subnet_id"]]
            rc["action_reason"] = "replace_because_cannot_update"
        elif act in (["delete"], ["forget"]):
            rc["action_reason"] = "delete_because_no_resource_config"
        changes.append(rc)
        entry = {"address": addr, "mode": mode, "type": rtype, "name": "r", "index": i,
                 "provider_name": AWS, "schema_version": 1}
        if after is not None:
            planned.append({**entry, "values": after, "sensitive_values": {}})
        if before is not None:
            prior.append({**entry, "values": before, "sensitive_values": {}})
        config.append({"address": f"{rtype}.r", "mode": mode, "type": rtype, "name": "r",
                       "provider_config_key": "aws",
                       "expressions": {"name": {"references": ["var.name"]},
                                       "tags": {"constant_value": {"env": "prod"}}},
                       "schema_version": 1, "count_expression": {"constant_value": 1}})
    return {
        "format_version": "1.2", "terraform_version": "1.11.4",
        "variables": {"aws_profile": {"value": "prod-admin"}},
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4",
                        "values": {"root_module": {"resources": prior}}},
        "configuration": {
            "provider_config": {"aws": {
                "name": "aws", "full_name": AWS, "version_constraint": "~> 5.0",
                "expressions": {"region": {"constant_value": "eu-west-1"},
                                "profile": {"references": ["var.aws_profile"]},
                                "assume_role": [{"role_arn": {
                                    "constant_value": "arn:aws:iam::111111111111:role/tf"}}]}}},
            "root_module": {"resources": config},
        },
        "timestamp": "2025-01-01T00:00:00Z", "applyable": True, "complete": True,
        "errored": False,
    }


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", help="also write the generated plan JSON here")
    args = ap.parse_args()

    plan = make_plan(args.changes)
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(plan, f)
    if args.keep:
        with open(args.keep, "w") as f:
            json.dump(plan, f)
    del plan
    size = os.path.getsize(path)

    def load() -> Any:
        with open(path, "rb") as f:
            return json.load(f)

    def load_analyze() -> Any:
        return analyze_plan(load(), workspace="prod")

    analysis = load_analyze()
    print(f"plan: {args.changes} resource changes, {size / 1e6:.1f} MB, "
          f"{len(analysis.effects)} effects, facts {analysis.summary.facts}")

    t_load = best(load, args.repeat)
    t_an = best(load_analyze, args.repeat)
    print(f"json.load            {t_load * 1e3:8.1f} ms")
    print(f"json.load + analyze  {t_an * 1e3:8.1f} ms   ratio {t_an / t_load:.2f}x "
          f"(analyze alone {(t_an - t_load) * 1e3:.1f} ms)")
    p_load, p_an = peak(load), peak(load_analyze)
    loaded = load()
    p_only = peak(lambda: analyze_plan(loaded, workspace="prod"))
    loaded = None  # free it before the decision runs
    print(f"peak memory (tracemalloc): json.load {p_load / 1e6:.1f} MB, "
          f"json.load + analyze {p_an / 1e6:.1f} MB ({p_an / p_load:.2f}x); "
          f"analyze alone on the loaded plan {p_only / 1e6:.1f} MB")

    ratio_decide = None
    try:
        from interlock.pipeline import Decider
    except ImportError:
        print("full decision: interlock.pipeline not available, skipped")
    else:
        decider = Decider(default_tier="production", environ={})
        if decider.config_error:
            print(f"full decision: skipped, decider not configured ({decider.config_error})")
        else:
            def load_decide() -> Any:
                obj = {"tool": "terraform", "input": {"plan": load(), "workspace": "prod"}}
                return decider.decide(obj)

            decision = load_decide()
            t_dec = best(load_decide, max(1, args.repeat // 2))
            ratio_decide = t_dec / t_load
            print(f"json.load + decide   {t_dec * 1e3:8.1f} ms   ratio {ratio_decide:.2f}x "
                  f"-> {decision.decision} ({decision.environment})"
                  + (f" error: {decision.error}" if decision.error else ""))
            print(f"peak memory json.load + decide {peak(load_decide) / 1e6:.1f} MB")
    os.unlink(path)
    ratio = ratio_decide if ratio_decide is not None else t_an / t_load
    print(f"goal <= 5x: {'met' if ratio <= 5 else 'NOT met'} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
