"""Fleet, config and data for bench/run-cost-rules.sh (cost rule evaluation).

    python3 bench/costgen.py fleet WORK GPUS TEAMS EVAL_S
        writes WORK/mlre.yaml (cost: and budgets:, health rules and
        collectors off) and WORK/fleet.json (every GPU's labels, owners,
        budgets). Deterministic: the same arguments give the same files.
    python3 bench/costgen.py expect WORK
        reads WORK/rules.yml (what `mlre rules generate` printed) for the
        catalog's prices, sets each budget's amount in WORK/mlre.yaml to
        about what its team spends in a period (generate the rules again
        after this), and writes WORK/expect.json: how many GPUs are priced
        and what the spend rates must add up to.
    python3 bench/costgen.py history WORK END HISTORY_HOURS EVAL_S
        writes WORK/history.om (OpenMetrics, for promtool): what a server
        that had evaluated the cost rules every EVAL_S seconds for
        HISTORY_HOURS up to unix time END would have recorded of the one
        series the rules read back over long ranges: each budget's
        mlre_cost:budget_dollars_per_hour (burn rates look back up to 3 days,
        forecasts 1 day). Written once per run: it takes promtool a while.
    python3 bench/costgen.py fresh WORK END HOURS STEP SINCE EVAL_S
        writes WORK/fresh.om, ending at unix time END, before each server
        start: HOURS of DCGM_FI_DEV_GPU_UTIL at one sample per STEP seconds
        for every GPU (the rules read them as instant vectors, so they must
        be recent); unless SINCE is 0, the budgets' spend rates from SINCE
        (history's END) on, so the history has no gap, and the last hour of
        the accumulators (read by last_over_time(...[1h])).
"""

import json
import random
import re
import sys
import time

MODELS = [  # (dcgm-exporter modelName, share of the nodes)
    ("NVIDIA H100 80GB HBM3", 0.40),
    ("NVIDIA A100-SXM4-80GB", 0.35),
    ("NVIDIA L4", 0.20),
    ("NVIDIA RTX 6000 Ada Generation", 0.05),  # not in the catalog: unpriced
]
SPOT_DISCOUNT = 60  # percent off for capacity_type="spot"
GPUS_PER_NODE = 8
UNOWNED = 0.10  # share of pods no owner holds
ACCUMULATOR_SPAN_H = 1  # the rules' last_over_time(...[1h])


def fleet(work, gpus, teams, eval_s):
    rnd = random.Random(1)
    nodes = gpus // GPUS_PER_NODE
    # Models in exact shares, shuffled over the nodes.
    node_models = []
    for name, share in MODELS:
        node_models += [name] * round(share * nodes)
    node_models = (node_models + [MODELS[0][0]] * nodes)[:nodes]
    rnd.shuffle(node_models)
    team_w = [1 / (k + 1) ** 0.7 for k in range(teams)]  # a few big teams
    out, pod_id, owned_pods = [], 0, 0
    for n in range(nodes):
        host = f"gpu-node-{n:03d}"
        spot = rnd.random() < 0.2
        sizes = rnd.choice([[8], [4, 4], [2, 2, 4], [1, 1, 2, 4], [1] * 8])
        g = 0
        for size in sizes:
            pod_id += 1
            owner = {}
            if rnd.random() >= UNOWNED:
                # The first pods go round-robin so that every team holds GPUs.
                k = owned_pods if owned_pods < teams else rnd.choices(range(teams), team_w)[0]
                owned_pods += 1
                owner = {"team": f"team-{k}", "project": f"team-{k}-p{rnd.randrange(3)}",
                         "namespace": f"team-{k}", "pod": f"worker-{pod_id}"}
                if rnd.random() < 0.4:
                    owner["training_job"] = f"train-{pod_id}"
            profile = rnd.choice(["train", "train", "serve", "idle"])
            for _ in range(size):
                out.append({
                    "labels": {
                        "__name__": "DCGM_FI_DEV_GPU_UTIL", "gpu": str(g), "device": f"nvidia{g}",
                        "UUID": "GPU-%08x-%04x-%04x-%04x-%012x" % tuple(rnd.getrandbits(b) for b in (32, 16, 16, 16, 48)),
                        "modelName": node_models[n], "Hostname": host, "DCGM_FI_DRIVER_VERSION": "535.183.01",
                        "capacity_type": "spot" if spot else "on-demand",
                        "instance": f"{host}:9400", "job": "dcgm-exporter", **owner},
                    "profile": profile})
                g += 1
    budgets = []
    for k in range(teams):
        # Even k: calendar month; odd k: rolling 30 days, every fourth 7 days.
        period = {"calendar": "month"} if k % 2 == 0 else ("7d" if k % 4 == 3 else "30d")
        budgets.append({"name": f"team-{k}", "team": f"team-{k}", "period": period,
                        "factor": round(rnd.uniform(0.8, 1.3), 2)})
    json.dump({"gpus": out, "budgets": budgets, "eval_s": eval_s}, open(f"{work}/fleet.json", "w"))

    with open(f"{work}/mlre.yaml", "w") as f:
        f.write(f"""global:
  evaluation_interval: {eval_s}s
storage:
  retention: 30d
# The benchmark measures the cost rules alone: no built-in health rules, no
# in-process collectors (their node series would also feed the cost rules).
health_rules:
  disable: [gpu, host, probes]
collectors:
  host: {{enabled: false}}
  gpu: {{enabled: false}}
cost:
  interval: {eval_s}s
  owner_labels: [team, project, training_job]
  discounts:
    - {{name: spot, selector: '{{capacity_type="spot"}}', percent: {SPOT_DISCOUNT}}}
budgets:
""")
        for b in budgets:
            period = "{calendar: month}" if isinstance(b["period"], dict) else b["period"]
            f.write(f"""  - name: {b['name']}
    amount: 1000  # amount of {b['name']}
    period: {period}
    scope: '{{team="{b['team']}"}}'
    owners: [{b['team']}-leads@example.com]
""")


def prices_from_rules(work):
    """modelName -> dollars per GPU-hour, from the generated price recordings."""
    text = open(f"{work}/rules.yml").read()
    prices = {}
    for block in text.split("- record: ")[1:]:
        if not block.startswith("mlre_cost_gpu_hourly_price_dollars\n"):
            continue
        m = re.search(r"expr: vector\(([0-9.e+-]+)\)", block)
        n = re.search(r"modelName: (.+)", block)
        if m and n:
            prices[n.group(1).strip().strip("'\"")] = float(m.group(1))
    return prices


def gpu_price(g, prices):
    p = prices.get(g["labels"]["modelName"])
    if p is None:
        return None
    if g["labels"]["capacity_type"] == "spot":
        p *= 1 - SPOT_DISCOUNT / 100
    return p


def period_hours(b):
    if isinstance(b["period"], dict):
        return 30 * 24
    return int(b["period"][:-1]) * 24


def expect(work):
    """Fills in the budgets' amounts and writes expect.json."""
    fl = json.load(open(f"{work}/fleet.json"))
    prices = prices_from_rules(work)
    allocated = unallocated = 0.0
    priced = 0
    team_rate = {}
    for g in fl["gpus"]:
        p = gpu_price(g, prices)
        if p is None:
            continue
        priced += 1
        team = g["labels"].get("team")
        if team:
            allocated += p
            team_rate[team] = team_rate.get(team, 0) + p
        else:
            unallocated += p
    amounts = {}
    for b in fl["budgets"]:
        rate = team_rate.get(b["team"], 0)
        b["rate"] = rate
        # About `factor` times what the team spends in a period, to $100.
        amounts[b["name"]] = max(100, round(rate * period_hours(b) / b["factor"] / 100) * 100)
    cfg = open(f"{work}/mlre.yaml").read()
    for name, a in amounts.items():
        cfg = re.sub(rf"amount: \d+  # amount of {re.escape(name)}\n", f"amount: {a}\n", cfg)
    open(f"{work}/mlre.yaml", "w").write(cfg)
    json.dump(fl, open(f"{work}/fleet.json", "w"))
    json.dump({"gpus": len(fl["gpus"]), "priced": priced, "unpriced": len(fl["gpus"]) - priced,
               "allocated": allocated, "unallocated": unallocated, "budgets": len(fl["budgets"]),
               "teams_with_gpus": len(team_rate)},
              open(f"{work}/expect.json", "w"))


def labelstr(ls):
    return ",".join(f'{k}="{v}"' for k, v in ls.items() if k != "__name__")


def budget_rate(b, t):
    """A budget's spend rate at unix time t: the team's rate now, off by up
    to 15% in each hour (the same value for every call)."""
    return b["rate"] * random.Random(f"{b['name']}/{t // 3600}").uniform(0.85, 1.15)


def write_budget_rates(f, fl, ts):
    f.write("# TYPE mlre_cost:budget_dollars_per_hour gauge\n")
    for b in fl["budgets"]:
        f.writelines(f'mlre_cost:budget_dollars_per_hour{{budget="{b["name"]}",currency="USD"}} {budget_rate(b, t):.6g} {t}\n'
                     for t in ts)


def history(work, end, history_h, eval_s):
    """WORK/history.om: each budget's spend rate every EVAL_S seconds for
    HISTORY_HOURS up to END (the same timestamps as fresh's continuation)."""
    fl = json.load(open(f"{work}/fleet.json"))
    ts = [end - i * eval_s for i in range(int(history_h * 3600 / eval_s), -1, -1)]
    with open(f"{work}/history.om", "w") as f:
        write_budget_rates(f, fl, ts)
        f.write("# EOF\n")


def fresh(work, end, hours, step, since, eval_s):
    """WORK/fresh.om, ending at END: HOURS of GPU utilisation at one sample
    per STEP; unless SINCE is 0, each budget's spend rate from the end of its
    history (SINCE) on, and the last hour of the accumulators."""
    fl = json.load(open(f"{work}/fleet.json"))
    rnd = random.Random(2)  # the same values for every server start
    n = int(hours * 3600 / step)
    with open(f"{work}/fresh.om", "w") as f:
        f.write("# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n")
        for g in fl["gpus"]:
            ls = labelstr(g["labels"])
            lo, hi = {"train": (85, 100), "serve": (20, 60), "idle": (0, 3)}[g["profile"]]
            f.writelines(f"DCGM_FI_DEV_GPU_UTIL{{{ls}}} {rnd.randint(lo, hi)} {end - i * step}\n"
                         for i in range(n, -1, -1))
        if since <= 0:
            f.write("# EOF\n")
            return
        write_budget_rates(f, fl, range(since + eval_s, end + 1, eval_s))
        acc_ts = range(end - ACCUMULATOR_SPAN_H * 3600, end + 1, eval_s)
        utc = time.gmtime(end)
        month_index = utc.tm_year * 12 + utc.tm_mon - 1
        month_hours = (utc.tm_mday - 1) * 24 + utc.tm_hour
        for name, which in [("mlre_cost:budget_spent_dollars_total", "all"), ("mlre_cost:budget_spent_dollars", "calendar"),
                            ("mlre_cost:budget_period_index", "calendar")]:
            f.write(f"# TYPE {name} gauge\n")
            for b in fl["budgets"]:
                if which == "calendar" and not isinstance(b["period"], dict):
                    continue
                ls = f'budget="{b["name"]}",currency="USD"'
                base = b["rate"] * (30 * 24 if which == "all" else month_hours)
                for t in acc_ts:
                    v = month_index if name.endswith("index") else base - b["rate"] * (end - t) / 3600
                    f.write(f"{name}{{{ls}}} {v:.10g} {t}\n")
        f.write("# TYPE mlre_cost_gpu_dollars_total gauge\n")
        exp = json.load(open(f"{work}/expect.json"))
        for kind, rate in [("allocated", exp["allocated"]), ("used", exp["allocated"] * 0.6),
                           ("idle", exp["allocated"] * 0.4), ("unallocated", exp["unallocated"])]:
            for t in acc_ts:
                f.write(f'mlre_cost_gpu_dollars_total{{kind="{kind}"}} {rate * (30 * 24 - (end - t) / 3600):.10g} {t}\n')
        f.write("# EOF\n")


if __name__ == "__main__":
    cmd, work = sys.argv[1], sys.argv[2]
    a = sys.argv[3:]
    if cmd == "fleet":
        fleet(work, int(a[0]), int(a[1]), int(a[2]))
    elif cmd == "expect":
        expect(work)
    elif cmd == "history":
        history(work, int(a[0]), float(a[1]), int(a[2]))
    elif cmd == "fresh":
        fresh(work, int(a[0]), float(a[1]), int(a[2]), int(a[3]), int(a[4]))
    else:
        sys.exit(f"unknown command {cmd}")
