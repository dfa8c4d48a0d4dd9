#!/usr/bin/env python3
"""A Python agent harness that gates its own tools through `safe-exec serve` (standard library only).

The harness runs `send_email` (high risk) and `web_search` (low risk) itself. Before each call it asks the gate
({"type": "gate"}); it runs the tool only when the answer says "approved": true, and then reports what happened
({"type": "outcome"}), so the witness log holds the decision and the outcome, and a failure raises fatigue.
ASK comes back as a "confirm_request", which this harness puts to a person (here: an approver function).

    python3 harness.py [--workdir DIR] [--approve yes|no] -- SAFE_EXEC_ARGV...

SAFE_EXEC_ARGV starts safe-exec, e.g. `/usr/local/bin/safe-exec`. The harness writes its config, workspace and
witness log under --workdir and prints one JSON summary line at the end.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CONFIG = {
    "confirm": "client",
    "tools": {
        "send_email": {
            "run": "client",
            "risk": "high",
            "description": "Send an email to one recipient.",
            "inputSchema": {
                "type": "object",
                "properties": {"to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}},
                "required": ["to", "subject", "body"],
                "additionalProperties": False,
            },
        },
        "web_search": {
            "run": "client",
            "risk": "low",
            "description": "Search the web; returns titles and links.",
            "inputSchema": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    },
}


class SafeExec:
    """One `safe-exec serve` process, spoken to in JSON lines."""

    def __init__(self, argv, approver):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.approver = approver
        self.next_id = 0

    def request(self, message):
        self.next_id += 1
        message = dict(message, id=self.next_id)
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("safe-exec ended")
            answer = json.loads(line)
            if answer.get("type") == "confirm_request":
                # The gate asks a person before a risky call: never the model.
                approve = self.approver(answer)
                self.proc.stdin.write(json.dumps({"type": "confirm", "id": answer["id"], "approve": approve}) + "\n")
                self.proc.stdin.flush()
                continue
            if answer.get("id") == message["id"]:
                return answer

    def close(self):
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)


# The harness's own tools. send_email fails the way a real SMTP server can.
def send_email(to, subject, body):
    raise RuntimeError("SMTP 550: mailbox unavailable")


def web_search(query):
    return [{"title": f"Result for {query}", "url": "https://example.org/"}]


TOOLS = {"send_email": send_email, "web_search": web_search}


def call_tool(gate, name, args):
    """What the agent loop does with each tool call of the model."""
    decision = gate.request({"type": "gate", "tool": name, "args": args})
    if decision.get("type") == "error":
        return {"tool": name, "ran": False, "error": decision["error"]}
    if not decision["approved"]:
        # Tell the model why; do not run the tool.
        return {"tool": name, "ran": False, "decision": decision["decision"], "errorCode": decision["errorCode"]}
    fn = TOOLS[name]
    try:
        output = fn(**args)
        report = {"ok": True, "outputBytes": len(json.dumps(output).encode())}
    except Exception as e:  # the tool failed: report it, it counts as an error
        output = None
        report = {"ok": False, "error": str(e), "outputBytes": 0}
    outcome = gate.request(dict({"type": "outcome", "gate": decision["id"]}, **report))
    return {"tool": name, "ran": True, "decision": decision["decision"], "ok": report["ok"],
            "fatigue": outcome.get("fatigue"), "output": output}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--approve", choices=["yes", "no"], default="yes")
    parser.add_argument("argv", nargs="+", help="how to start safe-exec (after --)")
    a = parser.parse_args()
    workdir = a.workdir or tempfile.mkdtemp(prefix="safe-exec-harness-")
    config = os.path.join(workdir, "safe-exec.jsonc")
    with open(config, "w") as f:
        json.dump(CONFIG, f)
    argv = a.argv + ["serve", "--config", config, "--workspace", os.path.join(workdir, "workspace"),
                     "--witness", os.path.join(workdir, "witness.log")]
    gate = SafeExec(argv, approver=lambda request: a.approve == "yes")
    turns = [
        ("web_search", {"query": "fatigue-aware tool gating"}),
        ("send_email", {"to": "ada@example.org", "subject": "Report", "body": "See attached."}),
        ("web_search", {"query": "SMTP 550"}),
        ("order_pizza", {"size": "large"}),  # a tool the harness never declared
    ]
    results = [call_tool(gate, name, args) for name, args in turns]
    stats = gate.request({"type": "stats"})["stats"]
    code = gate.close()
    print(json.dumps({"results": results, "exit": code, "stats": stats, "witness": os.path.join(workdir, "witness.log")}))


if __name__ == "__main__":
    sys.exit(main())
