#!/usr/bin/env bash
# Checks deploy/ without a cluster, a container runtime or a running atomd:
#   - promtool: the rules file, its unit tests, the local Prometheus config, and that every
#     dashboard query parses as PromQL;
#   - every YAML file under deploy/ parses (PyYAML), the Kubernetes configuration has exactly
#     the keys of config/atomd.yaml, and kustomize builds the base and each overlay (when
#     kubectl is installed);
#   - the dashboard JSON parses and uses the ${DS_PROMETHEUS} datasource variable;
#   - every atom_* metric named in the rules, their tests and the dashboard is one DESIGN §6
#     lists, label values are §6's, and every atomd:* series used is recorded by a rule;
#   - the probe paths of the StatefulSet are routes daemon/http_routes.cpp serves.
# Usage: check_deploy.sh SOURCE_DIR. Exit 0 all passed, 1 a check failed, 77 (CTest: skipped)
# when a check could not run (a tool missing: promtool, kubectl/kustomize, PyYAML, the atomd
# binary, ../shared/DESIGN.md) and everything else passed: a missing tool never passes silently;
# the SKIP lines name what was not checked.
set -uo pipefail

src="${1:?usage: check_deploy.sh SOURCE_DIR}"
start_dir="$PWD"
cd "$src" || exit 1

failures=0
passes=0
skips=0
pass() { echo "PASS  $*"; passes=$((passes + 1)); }
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }
skip() { echo "SKIP  $*"; skips=$((skips + 1)); }

# run DESCRIPTION COMMAND...: passes when the command exits 0; prints its output on failure.
run() {
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    pass "$what"
  else
    fail "$what"
    printf '%s\n' "$out" | sed 's/^/      /'
  fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

rules=deploy/prometheus/atomd-rules.yml
rules_test=deploy/prometheus/atomd-rules.test.yml
prom_config=deploy/prometheus/prometheus.yml
dashboard=deploy/grafana/atomd-dashboard.json

# ---- metric names, label values, dashboard structure, YAML (python3) -------------------
# The metric names DESIGN §6 lists. A rule or panel may use only these.
design_metrics="
atom_downloads atom_downloads_share atom_model_downloads atom_model_series_truncated
atom_derivatives atom_derivative_share atom_derivatives_by_relation
atom_inference_tokens atom_inference_share atom_model_ram atom_ram_baseline
atom_group_rank atom_overtakes_total atom_threshold_crossings_total
atom_watermark_timestamp_seconds atom_tracked_models_stale
atom_up atom_build_info atom_stage2_owner
atom_connector_polls_total atom_connector_last_success_timestamp_seconds atom_connector_rate_limited_total
atom_operator_records_total atom_consumer_lag_records
atom_records_rejected_total atom_records_late_total atom_observations_anomalous_total
atom_checkpoint_duration_seconds atom_checkpoint_last_timestamp_seconds
"

if ! command -v python3 >/dev/null; then
  fail "python3 is needed for the metric-name, JSON and YAML checks"
else
  python3 - "$design_metrics" "$tmp/dashboard-rules.yml" >"$tmp/python.out" 2>&1 <<'PY'
import glob, json, os, re, sys

design_metrics = set(sys.argv[1].split())
dashboard_rules_out = sys.argv[2]
failures = 0

def report(ok, what, detail=""):
    global failures
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failures += 1
        if detail:
            print("      " + detail)

def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

rules_text = read("deploy/prometheus/atomd-rules.yml")
tests_text = read("deploy/prometheus/atomd-rules.test.yml")

# Dashboard: JSON, schema version, the datasource variable, the other variables.
try:
    dash = json.loads(read("deploy/grafana/atomd-dashboard.json"))
    report(True, "deploy/grafana/atomd-dashboard.json parses as JSON")
except ValueError as e:
    report(False, "deploy/grafana/atomd-dashboard.json parses as JSON", str(e))
    dash = {"panels": [], "templating": {"list": []}}

report(dash.get("schemaVersion", 0) >= 36, "dashboard schemaVersion >= 36",
       "schemaVersion = %s" % dash.get("schemaVersion"))
variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
ds = variables.get("DS_PROMETHEUS", {})
report(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
       "dashboard has a Prometheus datasource variable DS_PROMETHEUS")
allowed_options = {"window": {"cumulative", "month", "30d"}, "group_by": {"org", "region", "size_bucket"}}
for name, allowed in allowed_options.items():
    v = variables.get(name)
    options = set(v.get("query", "").split(",")) if v else set()
    report(bool(options) and options <= allowed,
           "dashboard variable $%s offers only DESIGN §6 values" % name, "options: %s" % sorted(options))

panels = []
def walk(ps):
    for p in ps:
        panels.append(p)
        walk(p.get("panels", []))
walk(dash.get("panels", []))
ids = [p.get("id") for p in panels]
report(len(ids) == len(set(ids)), "dashboard panel ids are unique")
exprs = []
bad_ds = []
for p in panels:
    if p.get("type") == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
        bad_ds.append(p.get("title"))
    for t in p.get("targets", []):
        if t.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            bad_ds.append(p.get("title") + " / " + t.get("refId", "?"))
        exprs.append((p.get("title"), t.get("expr", "")))
report(not bad_ds, "every panel and query uses the ${DS_PROMETHEUS} datasource", "; ".join(map(str, bad_ds)))
report(len(exprs) > 0 and all(e for _, e in exprs), "every dashboard query has an expression (%d queries)" % len(exprs))

# Dashboard queries as recording rules, for `promtool check rules` (PromQL syntax).
def substitute(expr):
    return (expr.replace("$__rate_interval", "5m").replace("$__range", "1h")
                .replace("$job", "atomd").replace("$group_by", "region").replace("$window", "30d"))
with open(dashboard_rules_out, "w", encoding="utf-8") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (_, e) in enumerate(exprs):
        f.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(substitute(e))))

# Metric names: rules, their tests and the dashboard use only DESIGN §6's.
name_re = re.compile(r"(?<![A-Za-z0-9_:])atom_[a-z0-9_]+")
sources = {"atomd-rules.yml": rules_text, "atomd-rules.test.yml": tests_text,
           "atomd-dashboard.json": "\n".join(e for _, e in exprs)}
used = set()
for label, text in sources.items():
    names = set(name_re.findall(text))
    used |= names
    unknown = sorted(names - design_metrics)
    report(not unknown, "%s uses only DESIGN §6 metric names (%d names)" % (label, len(names)),
           "not in DESIGN §6: " + ", ".join(unknown))

# The list above, against DESIGN §6 itself when ../shared sits beside the checkout.
design_path = os.path.join("..", "shared", "DESIGN.md")
if os.path.exists(design_path):
    design = read(design_path)
    m = re.search(r"^## 6\..*?(?=^## 7\.)", design, re.S | re.M)
    section = m.group(0) if m else ""
    in_design = set(name_re.findall(section))
    missing = sorted(design_metrics - in_design)
    report(bool(section) and not missing, "the script's metric list matches ../shared/DESIGN.md §6",
           "not in DESIGN §6: " + ", ".join(missing))
    extra = sorted(in_design - design_metrics)
    if extra:
        print("NOTE  DESIGN §6 also lists (not in this script's list): " + ", ".join(extra))
else:
    print("SKIP  ../shared/DESIGN.md not found: the metric list is checked against this script's copy only")

# Which used names the daemon does not export yet (information, not a failure).
daemon_text = "".join(read(p) for p in glob.glob("daemon/*.cpp"))
not_yet = sorted(n for n in used if '"%s"' % n not in daemon_text)
if not_yet:
    print("NOTE  used but not yet exported by daemon/*.cpp: " + ", ".join(not_yet))

# Label values DESIGN §6 allows, wherever a rule, a test series or a query spells one out.
allowed_values = {
    "group_by": {"org", "region", "size_bucket"},
    "window": {"cumulative", "month", "30d", "day", "7d"},
    "outcome": {"ok", "error", "rate_limited"},
    "baseline": {"tenth", "median_top10"},
    "scope": {"all", "open"},
}
label_re = re.compile(r'\b(%s)\s*(=~|!~|=|!=)\s*"([^"]*)"' % "|".join(allowed_values))
bad = []
for label, text in sources.items():
    for key, op, value in label_re.findall(text):
        for v in value.split("|"):
            if v and not v.startswith("$") and v not in allowed_values[key]:
                bad.append('%s: %s%s"%s"' % (label, key, op, value))
report(not bad, "label values are DESIGN §6's (group_by, window, outcome, baseline, scope)", "; ".join(bad))

# Recorded series: every atomd:* name used is recorded by a rule.
recorded = set(re.findall(r"^\s*-\s*record:\s*(atomd:[a-z0-9_:]+)", rules_text, re.M))
rec_re = re.compile(r"(?<![A-Za-z0-9_])atomd:[a-z0-9_:]+")
used_recorded = set()
for text in sources.values():
    used_recorded |= set(rec_re.findall(text))
undefined = sorted(used_recorded - recorded)
report(not undefined, "every atomd:* series used is recorded in atomd-rules.yml (%d recorded)" % len(recorded),
       "not recorded: " + ", ".join(undefined))

# Every alert has a test (alertname appears in the test file) and severity/summary/description.
alerts = re.findall(r"^\s*-\s*alert:\s*(\w+)", rules_text, re.M)
untested = sorted(a for a in alerts if not re.search(r"alertname:\s*%s\s*$" % a, tests_text, re.M))
report(alerts and not untested, "every alert (%d) has a promtool unit test" % len(alerts),
       "no test: " + ", ".join(untested))

# YAML: every file under deploy/ parses; the k8s configuration has config/atomd.yaml's keys.
try:
    import yaml
except ImportError:
    yaml = None
    print("SKIP  YAML parsing: python3 has no yaml module (Debian: python3-yaml); "
          "deploy/prometheus/*.yml are still parsed by promtool")
if yaml is not None:
    files = sorted(set(glob.glob("deploy/**/*.yaml", recursive=True) + glob.glob("deploy/**/*.yml", recursive=True)))
    broken = []
    for path in files:
        try:
            docs = [d for d in yaml.safe_load_all(read(path)) if d is not None]
            if not docs:
                broken.append(path + ": empty")
        except yaml.YAMLError as e:
            broken.append("%s: %s" % (path, str(e).replace("\n", " ")))
    report(files and not broken, "%d YAML files under deploy/ parse" % len(files), "; ".join(broken))

    def keys(node, prefix=""):
        out = set()
        for k, v in node.items():
            key = prefix + str(k)
            if isinstance(v, dict) and key != "kafka.properties":
                out |= keys(v, key + ".")
            else:
                out.add(key)
        return out
    base = keys(yaml.safe_load(read("config/atomd.yaml")))
    k8s = keys(yaml.safe_load(read("deploy/k8s/base/atomd.yaml")))
    report(base == k8s, "deploy/k8s/base/atomd.yaml has exactly the keys of config/atomd.yaml",
           "only in config/atomd.yaml: %s; only in deploy/k8s/base/atomd.yaml: %s"
           % (sorted(base - k8s), sorted(k8s - base)))

sys.exit(1 if failures else 0)
PY
  py_rc=$?
  cat "$tmp/python.out"
  py_pass=$(grep -c '^PASS' "$tmp/python.out")
  py_fail=$(grep -c '^FAIL' "$tmp/python.out")
  py_skip=$(grep -c '^SKIP' "$tmp/python.out")
  passes=$((passes + py_pass))
  failures=$((failures + py_fail))
  skips=$((skips + py_skip))
  if [ "$py_rc" -ne 0 ] && [ "$py_fail" -eq 0 ]; then fail "the python3 checks stopped with status $py_rc"; fi
fi

# ---- promtool --------------------------------------------------------------------------
if ! command -v promtool >/dev/null; then
  skip "promtool not installed (Debian package prometheus; scripts/install-deps.sh installs it)"
else
  run "promtool check rules $rules" promtool check rules "$rules"
  run "promtool test rules $rules_test" promtool test rules "$rules_test"
  run "promtool check config $prom_config" promtool check config "$prom_config"
  if [ -s "$tmp/dashboard-rules.yml" ]; then
    run "every dashboard query parses as PromQL (promtool check rules)" promtool check rules "$tmp/dashboard-rules.yml"
  fi
fi

# ---- the probes and the scrape path are routes atomd serves ------------------------------
for path in /metrics /-/healthy /-/ready; do
  if grep -q "path: $path\$" deploy/k8s/base/statefulset.yaml deploy/k8s/overlays/prometheus-operator/servicemonitor.yaml &&
     grep -q "\"$path\"" daemon/http_routes.cpp; then
    pass "$path is used by deploy/k8s and served by daemon/http_routes.cpp"
  else
    fail "$path is used by deploy/k8s and served by daemon/http_routes.cpp"
  fi
done

# ---- kustomize (client side only) -------------------------------------------------------
kustomize_cmd=()
if command -v kustomize >/dev/null; then
  kustomize_cmd=(kustomize build)
elif command -v kubectl >/dev/null && kubectl kustomize --help >/dev/null 2>&1; then
  kustomize_cmd=(kubectl kustomize)
fi
if [ ${#kustomize_cmd[@]} -eq 0 ]; then
  skip "kustomize build: neither kustomize nor kubectl is installed"
else
  for dir in deploy/k8s deploy/k8s/overlays/*/; do
    dir="${dir%/}"
    if out="$("${kustomize_cmd[@]}" "$dir" 2>&1)"; then
      kinds="$(printf '%s\n' "$out" | sed -n 's/^kind: //p' | sort | tr '\n' ' ')"
      if grep -q '^kind: StatefulSet$' <<<"$out"; then
        pass "${kustomize_cmd[*]} $dir ($kinds)"
      else
        fail "${kustomize_cmd[*]} $dir has no StatefulSet ($kinds)"
      fi
    else
      fail "${kustomize_cmd[*]} $dir"
      printf '%s\n' "$out" | sed 's/^/      /'
    fi
  done
fi

# ---- the Kubernetes configuration, through atomd's own validation ------------------------
atomd_bin="${ATOMD_BIN:-}"
if [ -z "$atomd_bin" ]; then
  for candidate in "$start_dir/../../atomd" "$src/build/atomd"; do
    if [ -x "$candidate" ]; then atomd_bin="$candidate"; break; fi
  done
fi
if [ -n "$atomd_bin" ] && [ -x "$atomd_bin" ]; then
  # The reference paths point into the image (/app/config); here they are the checkout's.
  reference_here=()
  for key in tracked_models regions sizes release_dates org_aliases; do
    reference_here+=(--set "reference.$key=config/$key.csv")
  done
  run "atomd --check-config accepts deploy/k8s/base/atomd.yaml with the StatefulSet's flags" \
    "$atomd_bin" --check-config --config deploy/k8s/base/atomd.yaml \
    --http-listen 0.0.0.0:9464 --state-dir /var/lib/atomd "${reference_here[@]}"
else
  skip "atomd --check-config on deploy/k8s/base/atomd.yaml: no atomd binary found (set ATOMD_BIN)"
fi

echo "deploy: $passes passed, $failures failed, $skips skipped"
if [ "$failures" -gt 0 ]; then exit 1; fi
if [ "$skips" -gt 0 ]; then
  echo "deploy: $skips check(s) could not run (the SKIP lines say what to install): reported as skipped"
  exit 77
fi
exit 0
