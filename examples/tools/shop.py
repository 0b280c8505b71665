#!/usr/bin/env python3
"""The example shop's tools: airlock runs this with the call's arguments as JSON on stdin and
reads the result as JSON from stdout. The first command-line argument picks the tool."""
import json
import sys

ORDERS = [
    {"id": 1, "customer": "ada", "total": 120.5, "items": ["lamp", "desk"]},
    {"id": 2, "customer": "grace", "total": 80, "items": ["chair"]},
    {"id": 3, "customer": "ada", "total": 42.25, "items": ["pen", "ink", "paper"]},
    {"id": 4, "customer": "linus", "total": 310, "items": ["monitor"]},
]
STOCK = {"lamp": 3, "desk": 0, "chair": 12, "pen": 140, "ink": 9, "paper": 500, "monitor": 1}


def main():
    args = json.load(sys.stdin)
    tool = sys.argv[1]
    if tool == "orders":
        since = args.get("min_total", 0)
        result = [o for o in ORDERS if o["total"] >= since]
    elif tool == "stock":
        item = args["item"]
        if item not in STOCK:
            print(f"unknown item {item!r}", file=sys.stderr)
            sys.exit(1)
        result = {"item": item, "in_stock": STOCK[item]}
    elif tool == "refund":
        result = {"order": args["order"], "refunded": args["amount"], "status": "queued"}
    else:
        print(f"unknown tool {tool!r}", file=sys.stderr)
        sys.exit(2)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
