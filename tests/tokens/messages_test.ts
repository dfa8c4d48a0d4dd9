import assert from "node:assert/strict";
import { loadTokenizer } from "../../src/tokens/count.ts";
import {
  countMessage,
  countMessages,
  IMAGE_TOKENS,
  MESSAGE_OVERHEAD,
  MessagesShapeError,
  REPLY_OVERHEAD,
} from "../../src/tokens/messages.ts";

const t = await loadTokenizer("o200k_base");
const n = (s: string) => t.count(s);

Deno.test("messages: OpenAI shape, with tool calls and tool results", () => {
  const msgs = [
    { role: "system", content: "You are terse." },
    {
      role: "user",
      content: [{ type: "text", text: "What is in a.txt?" }, { type: "image_url", image_url: { url: "x" } }],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "read_file", arguments: '{"path":"a.txt"}' } }],
    },
    { role: "tool", tool_call_id: "c1", content: "hello" },
  ];
  const want = REPLY_OVERHEAD +
    (MESSAGE_OVERHEAD + n("system") + n("You are terse.")) +
    (MESSAGE_OVERHEAD + n("user") + n("What is in a.txt?") + IMAGE_TOKENS) +
    (MESSAGE_OVERHEAD + n("assistant") + n("read_file") + n('{"path":"a.txt"}')) +
    (MESSAGE_OVERHEAD + n("tool") + n("hello") + n("c1"));
  assert.equal(countMessages(msgs, t), want);
});

Deno.test("messages: Anthropic shape, with tool_use, tool_result blocks and thinking", () => {
  const msgs = [
    { role: "user", content: "List ." },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "use list_dir", signature: "sig" },
        { type: "text", text: "Listing." },
        { type: "tool_use", id: "tu1", name: "list_dir", input: { path: "." } },
      ],
    },
    {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "tu1", content: [{ type: "text", text: "a.txt b.txt" }] }],
    },
  ];
  const want = REPLY_OVERHEAD +
    (MESSAGE_OVERHEAD + n("user") + n("List .")) +
    (MESSAGE_OVERHEAD + n("assistant") + n("use list_dir") + n("Listing.") + n("list_dir") + n('{"path":"."}')) +
    (MESSAGE_OVERHEAD + n("user") + n("a.txt b.txt"));
  assert.equal(countMessages(msgs, t), want);
});

Deno.test("messages: unknown blocks count as their JSON; bad shapes are refused with the place named", () => {
  const block = { type: "search_result", title: "t", source: "s" };
  assert.equal(
    countMessage({ role: "user", content: [block] }, t),
    MESSAGE_OVERHEAD + n("user") + n(JSON.stringify(block)),
  );
  assert.equal(countMessages([], t), 0);
  const bad: Array<[unknown, RegExp]> = [
    ["hi", /"messages" must be a list of chat messages, got "hi"/],
    [[1], /"messages\[0\]" must be a message object/],
    [[{ role: 1, content: "x" }], /"messages\[0\]\.role" must be a string/],
    [[{ role: "user", content: 5 }], /"messages\[0\]\.content" must be a string or a list of content parts, got 5/],
    [[{ role: "user", content: [7] }], /"messages\[0\]\.content\[0\]" must be a content part object/],
    [[{ role: "assistant", tool_calls: {} }], /"messages\[0\]\.tool_calls" must be a list/],
    [[{ role: "assistant", tool_calls: [{ id: "x" }] }], /"messages\[0\]\.tool_calls\[0\]" must be/],
  ];
  for (const [v, re] of bad) {
    assert.throws(
      () => countMessages(v, t),
      (e: unknown) => e instanceof MessagesShapeError && re.test((e as Error).message),
    );
  }
  let deep: unknown = "x";
  for (let i = 0; i < 40; i++) deep = [{ type: "tool_result", content: deep }];
  assert.throws(() => countMessages([{ role: "user", content: deep }], t), /nested more than 16 levels/);
});
