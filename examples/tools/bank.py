#!/usr/bin/env python3
"""The example bank: an exec tool. Arguments arrive as JSON on stdin; the result is JSON on stdout.

`transfer` answers with a receipt that carries an access token, as real payment APIs do; the
redact layer keeps it out of the journal, the spans and (with results = true) the script.
"""
import json
import sys

args = json.load(sys.stdin)
command = sys.argv[1] if len(sys.argv) > 1 else ""
if command == "balance":
    print(json.dumps({"account": "main", "balance": 1200.0, "currency": "EUR"}))
elif command == "transfer":
    token = "ghp" + "_" + "R3ce1ptT0ken" + "x" * 24  # built here, so no token sits in the source
    print(json.dumps({
        "id": "tx-%d" % (abs(hash((args["to"], args["amount"]))) % 100000),
        "sent": args["amount"],
        "currency": args["currency"],
        "to": args["to"],
        "receipt_token": token,
    }))
else:
    print("unknown command %r" % command, file=sys.stderr)
    sys.exit(2)
