#!/usr/bin/env python3
"""A minimal OTLP/HTTP trace receiver for the trace layer's tests.

Listens on 127.0.0.1 on a free port, prints "PORT <n>" on stdout once ready, accepts
POST /v1/traces with Content-Type application/x-protobuf, decodes the
ExportTraceServiceRequest with the official opentelemetry-proto package and appends one JSON
line per span to the file given as the first argument (stdout without one), flushed at once:

  {"name", "trace_id", "span_id", "parent_span_id" (hex, "" for a root), "kind",
   "start_ns", "end_ns", "attributes": {key: value}, "status": {"code", "message"},
   "service_name", "headers": {lowercased name: value}}

Exits with 3 (and a message on stderr) when opentelemetry-proto is missing, so the Rust test
can tell "cannot run here" from "failed".
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )
except ImportError as error:
    print(f"opentelemetry-proto missing: {error}", file=sys.stderr, flush=True)
    sys.exit(3)

OUT = open(sys.argv[1], "a", encoding="utf-8") if len(sys.argv) > 1 else sys.stdout


def any_value(value):
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def attributes(pairs):
    return {kv.key: any_value(kv.value) for kv in pairs}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces":
            return self.answer(404, b"")
        if self.headers.get("Content-Type") != "application/x-protobuf":
            return self.answer(415, b"")
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except Exception:  # noqa: BLE001 - any decode failure is a bad request
            return self.answer(400, b"")
        headers = {k.lower(): v for k, v in self.headers.items()}
        lines = []
        for resource_spans in request.resource_spans:
            resource = attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "name": span.name,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "kind": span.kind,
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "attributes": attributes(span.attributes),
                        "status": {"code": span.status.code, "message": span.status.message},
                        "service_name": resource.get("service.name"),
                        "headers": headers,
                    }))
        # One write per request, so a reader never sees half a batch.
        OUT.write("".join(line + "\n" for line in lines))
        OUT.flush()
        self.answer(200, ExportTraceServiceResponse().SerializeToString())

    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep stderr quiet
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
