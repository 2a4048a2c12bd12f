"""Parse Prometheus' text format from stdin with the official Python client's parser
(prometheus_client.parser), as a scraper would: print every sample as one JSON object,
{"name{label=value,...}": value}, labels sorted. Fails (exit 1) on text it cannot parse."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    samples = {}
    types = {}
    for family in text_string_to_metric_families(sys.stdin.read()):
        types[family.name] = family.type
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    json.dump({"samples": samples, "types": types}, sys.stdout)


main()
