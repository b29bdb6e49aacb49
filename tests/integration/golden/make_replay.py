#!/usr/bin/env python3
"""Writes fixtures/replay.jsonl, the golden test's input (tests/integration/golden_test.cpp).

The committed replay.jsonl is the fixture; this script documents how its numbers were chosen
and regenerates it byte for byte: python3 make_replay.py > fixtures/replay.jsonl. After
changing it, regenerate the expected files (ATOMD_UPDATE_GOLDEN=1 ctest -R Golden) and review
them.

Real repo ids from config/tracked_models.csv, synthetic numbers, in event-time order:
  - snapshots every 3 days at 12:00 UTC, 2025-01-01 .. 2025-02-27: no longer apart than
    windows.allowed_lateness (3d), so a day's downloads are final once it is closed;
  - twelve 7-9B models released 2024-12-28 .. 2025-01-08 (their first snapshots gap-filled),
    so the RAM baselines of that bucket have the 10 models they need at 7, 14 and 30 days;
  - older models in the other buckets (the first snapshot only a baseline); DeepSeek-V3 with
    the correction of config/release_dates.csv (created 2024-12-25, released 2024-12-26);
    Qwen3-8B sized by params_total;
  - Qwen starts below meta-llama and mistralai in cumulative downloads and overtakes both;
  - one snapshot delivered twice, one decrease (phi-4), one line cut short (malformed);
  - derivatives listed the day after creation and again on 2025-02-27: dedupe, the > 5
    downloads filter (one passes it only on the second listing), 1/k shares of merges, an
    aliased base (THUDM -> zai-org);
  - OpenRouter daily tokens 2025-02-14 .. 2025-02-26: open and closed models and "other",
    four models entering on 2025-02-24; china's 7-day share crosses the threshold of
    fixtures/atomd.yaml.
"""
import datetime as dt
import json
import sys

DAY = dt.timedelta(days=1)
START = dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc)
SNAPSHOTS = [START + 3 * k * DAY for k in range(20)]  # 2025-01-01 .. 2025-02-27, 12:00 UTC
END = SNAPSHOTS[-1]


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def line(topic, value):
    return json.dumps({"topic": topic, "value": value}, separators=(",", ":"))


# repo id, created_at (HF), all-time downloads at the first snapshot (None: released within the
# gap-fill horizon, so the first snapshot is the downloads since release), daily downloads at
# the start, growth of the daily downloads per snapshot, params_total or None.
MODELS = [
    # 7-9B, new releases (RAM's reference set)
    ("Qwen/Qwen2.5-7B-Instruct", "2024-12-30T09:00:00Z", None, 14000, 600, None),
    ("Qwen/Qwen3-8B", "2025-01-02T15:00:00Z", None, 9000, 1500, 8190735360),
    ("Qwen/Qwen2.5-VL-7B-Instruct", "2025-01-05T00:00:00Z", None, 6000, 300, None),
    ("meta-llama/Llama-3.1-8B-Instruct", "2024-12-28T18:00:00Z", None, 11000, -200, None),
    ("meta-llama/Meta-Llama-3-8B-Instruct", "2025-01-03T06:00:00Z", None, 5000, 0, None),
    ("mistralai/Mistral-7B-Instruct-v0.3", "2024-12-29T12:00:00Z", None, 7000, 100, None),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "2025-01-06T10:00:00Z", None, 8000, 900, None),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "2025-01-07T10:00:00Z", None, 4000, 400, None),
    ("google/gemma-2-9b-it", "2024-12-31T00:00:00Z", None, 3000, 50, None),
    ("allenai/OLMo-2-1124-7B-Instruct", "2025-01-01T00:00:00Z", None, 1500, 20, None),
    ("tiiuae/Falcon3-7B-Instruct", "2025-01-04T12:00:00Z", None, 2500, -50, None),
    ("OpenGVLab/InternVL3-8B", "2025-01-08T08:00:00Z", None, 3500, 250, None),
    # other buckets, released long before the first snapshot
    ("meta-llama/Llama-3.3-70B-Instruct", "2024-11-26T00:00:00Z", 3600000, 20000, 0, None),
    ("Qwen/Qwen2.5-72B-Instruct", "2024-09-16T00:00:00Z", 2900000, 15000, 200, None),
    ("deepseek-ai/DeepSeek-V3", "2024-12-25T08:00:00Z", None, 30000, 1000, None),
    ("google/gemma-2-2b-it", "2024-07-16T00:00:00Z", 900000, 6000, 0, None),
    ("HuggingFaceTB/SmolLM2-135M", "2024-10-31T00:00:00Z", 400000, 2500, 0, None),
    ("microsoft/phi-4", "2024-12-11T00:00:00Z", 250000, 7000, -100, None),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "2023-12-10T00:00:00Z", 5000000, 4000, 0, None),
]

def parse_time(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def hf_lines():
    out = []
    for repo, created, baseline, rate, growth, params in MODELS:
        # Snapshots from the first one after the model's creation; downloads grow by `rate` a
        # day, and `rate` by `growth` every snapshot (3 days).
        times = [t for t in SNAPSHOTS if t > parse_time(created)]
        if baseline is None:
            total = int(rate * (times[0] - parse_time(created)).total_seconds() / 86400)
        else:
            total = baseline
        daily = rate
        for k, t in enumerate(times):
            if k > 0:
                daily += growth
                total += 3 * daily
            value = {
                "schema": 1,
                "repo_id": repo,
                "org": repo.split("/")[0],
                "observed_at": rfc3339(t),
                "created_at": created,
                "downloads_30d": 30 * daily,
                "downloads_all_time": total,
                "likes": 10 + k,
                "tags": ["transformers", "safetensors", "text-generation"],
            }
            if params is not None:
                value["params_total"] = params
            if k == 8 and repo == "microsoft/phi-4":
                # A decrease (the Hub recounted): an anomaly, the baseline resets.
                value["downloads_all_time"] -= 50000
            out.append(line("hf.models", value))
            if k == 5 and repo == "google/gemma-2-2b-it":
                out.append(out[-1])  # delivered twice: late, ignored
    return out


# repo id, created_at, downloads_30d at the first listing, at the second, relations.
DERIVATIVES = [
    ("alice/Qwen2.5-7B-Instruct-sft", "2025-01-10T00:00:00Z", 120, 300, [("finetune", "Qwen/Qwen2.5-7B-Instruct")]),
    ("bob/Llama-3.1-8B-sql-lora", "2025-01-12T00:00:00Z", 40, 60, [("adapter", "meta-llama/Llama-3.1-8B-Instruct")]),
    ("carol/Qwen3-8B-Q4_K_M-GGUF", "2025-01-20T00:00:00Z", 900, 1500, [("quantized", "Qwen/Qwen3-8B")]),
    ("dave/qwen-mistral-slerp", "2025-01-25T00:00:00Z", 30, 30,
     [("merge", "Qwen/Qwen2.5-7B-Instruct"), ("merge", "mistralai/Mistral-7B-Instruct-v0.3")]),
    ("erin/glm-4-9b-chat-ft", "2025-02-02T00:00:00Z", 8, 9, [("unspecified", "THUDM/glm-4-9b-chat")]),
    ("frank/Qwen3-8B-tiny-ft", "2025-02-03T00:00:00Z", 5, 5, [("finetune", "Qwen/Qwen3-8B")]),
    ("grace/DeepSeek-V3-abliterated", "2025-02-05T00:00:00Z", 3, 50, [("finetune", "deepseek-ai/DeepSeek-V3")]),
    ("heidi/Llama-3.3-70B-medical", "2025-02-10T00:00:00Z", 70, 80, [("finetune", "meta-llama/Llama-3.3-70B-Instruct")]),
    ("ivan/R1-Distill-Qwen-7B-math", "2025-02-14T00:00:00Z", 25, 35, [("finetune", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")]),
    ("judy/three-way-merge", "2025-02-18T00:00:00Z", 15, 15,
     [("merge", "Qwen/Qwen3-8B"), ("merge", "meta-llama/Llama-3.1-8B-Instruct"), ("merge", "google/gemma-2-9b-it")]),
    ("mallory/Qwen2.5-VL-7B-Instruct-AWQ", "2025-02-22T00:00:00Z", 200, 400, [("quantized", "Qwen/Qwen2.5-VL-7B-Instruct")]),
    ("oscar/phi-4-lora", "2025-02-20T00:00:00Z", 6, 12, [("adapter", "microsoft/phi-4")]),
    ("peggy/mixtral-instruct-ft", "2025-02-21T00:00:00Z", 11, 11, [("finetune", "mistralai/Mixtral-8x7B-Instruct-v0.1")]),
]


def derivative_lines():
    # Listed the day after creation and again at END (every derivative, so each partition of
    # the topic ends within windows.allowed_lateness of the stream time, see golden_test.cpp).
    out = []
    for repo, created, d1, d2, relations in DERIVATIVES:
        for observed, downloads in [(rfc3339(parse_time(created) + DAY), d1), (rfc3339(END), d2)]:
            out.append(line("hf.derivatives", {
                "schema": 1, "repo_id": repo, "created_at": created, "observed_at": observed,
                "downloads_30d": downloads,
                "relations": [{"relation": r, "base": b} for r, b in relations]}))
    return out


# slug, hf_id or None (closed), org, first date, tokens on the first date, change per day.
TOKENS = [
    ("qwen/qwen-2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "Qwen", "2025-02-14", 900000, 40000),
    ("meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct", "meta-llama", "2025-02-14", 2000000, -30000),
    ("deepseek/deepseek-chat-v3", "deepseek-ai/DeepSeek-V3", "deepseek-ai", "2025-02-14", 1200000, 90000),
    ("mistralai/mistral-7b-instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", "mistralai", "2025-02-14", 300000, 0),
    ("openai/gpt-4o-2024-11-20", None, "openai", "2025-02-14", 5000000, 20000),
    ("x-ai/grok-2-1212", None, "xai-org", "2025-02-14", 700000, 10000),
    ("other", None, "other", "2025-02-14", 1500000, 0),
    # Enter the daily top 50 on 2025-02-24.
    ("qwen/qwq-32b", "Qwen/QwQ-32B", "Qwen", "2025-02-24", 400000, 50000),
    ("mistralai/mistral-small-24b-instruct-2501", "mistralai/Mistral-Small-24B-Instruct-2501", "mistralai", "2025-02-24",
     150000, 10000),
    ("meta-llama/llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama", "2025-02-24", 250000, 0),
    ("microsoft/phi-4", "microsoft/phi-4", "microsoft", "2025-02-24", 80000, 5000),
]
LAST_TOKENS_DATE = dt.date(2025, 2, 26)


def token_lines():
    out = []
    for slug, hf_id, org, first, tokens, change in TOKENS:
        date, n = dt.date.fromisoformat(first), 0
        while date <= LAST_TOKENS_DATE:
            observed = dt.datetime.combine(date + DAY, dt.time(0, 5), tzinfo=dt.timezone.utc)
            value = {"schema": 1, "date": date.isoformat(), "slug": slug, "observed_at": rfc3339(observed),
                     "tokens": tokens + change * n, "org": org}
            if hf_id is not None:
                value["hf_id"] = hf_id
            out.append(line("openrouter.tokens", value))
            date, n = date + DAY, n + 1
    return out


def murmur2(data):
    """Kafka's murmur2 (the Java client's and atomd's partitioner, kafka::partition_for_key)."""
    m, h = 0x5BD1E995, (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    for i in range(len(data) // 4):
        k = (int.from_bytes(data[4 * i:4 * i + 4], "little") * m) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[len(data) & ~3:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h = ((h ^ tail[0]) * m) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def check_partitions_end_late(lines, partitions=16, lateness=3 * DAY):
    """Every partition that gets a record ends within the allowed lateness of the stream time.

    Then at the end every partition is active by event time alone (DESIGN §4), and the final
    watermark does not depend on the daemon's processing-time rule for partitions still
    delivering (operators/watermark.hpp, busy_ms): the golden output is the same however
    long the replay takes.
    """
    last = {}
    for text in lines:
        value, topic = json.loads(text)["value"], json.loads(text)["topic"]
        key = value["slug"] + "@" + value["date"] if "date" in value else value["repo_id"]
        at = (topic, (murmur2(key.encode()) & 0x7FFFFFFF) % partitions)
        last[at] = max(last.get(at, ""), event_time(text))
    stream_time = parse_time(max(last.values())[:19] + "Z")
    for (topic, p), t in sorted(last.items()):
        if parse_time(t[:19] + "Z") < stream_time - lateness:
            sys.exit(f"{topic} partition {p} ends at {t}, more than 3 days before {stream_time}")


def event_time(text):
    """A line's event time (DESIGN §4): observed_at, or the end of a token row's date."""
    value = json.loads(text)["value"]
    if "date" in value:
        return value["date"] + "T23:59:59.999Z"
    return value["observed_at"].replace("Z", ".000Z")


def main():
    # In event-time order (stable), as a recording of the three sources would be.
    lines = hf_lines() + derivative_lines() + token_lines()
    check_partitions_end_late(lines)
    keyed = [(event_time(text), text) for text in lines]
    keyed.sort(key=lambda item: item[0])
    # A line cut short (a truncated recording): rejected as malformed_json, the rest goes on.
    keyed.insert(60, ("", '{"topic":"hf.models","value":{"schema":1,"repo_id":"Qwen/Qwen3-8B",'))
    sys.stdout.write("".join(text + "\n" for _, text in keyed))


if __name__ == "__main__":
    main()
