"""Parses a Prometheus text exposition with the reference parser
(Debian's python3-prometheus-client) and prints every sample as JSON:
{"name{label=\"value\",...}": value}. Fails loudly on text it cannot parse."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
samples = {}
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        samples[sample.name + ("{" + labels + "}" if labels else "")] = sample.value
print(json.dumps(samples))
