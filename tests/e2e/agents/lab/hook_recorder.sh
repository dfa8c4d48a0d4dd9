#!/bin/sh
# The lab's hook recorder: wraps any hook command and records one invocation (the exact stdin the agent sent,
# the command's stdout, stderr and exit code, the environment, start and end times) in a fresh folder under DIR,
# then passes the output and exit code through unchanged.
#
#   hook_recorder.sh DIR EVENT COMMAND      (COMMAND runs under sh -c with the same stdin)
#
# POSIX sh and coreutils only, so it adds a few milliseconds, not a runtime start.
dir=$1
event=$2
command=$3
rec=$(mktemp -d "$dir/inv.XXXXXXXXXX") || exit 2
date +%s%N >"$rec/start"
printf '%s\n' "$event" >"$rec/event"
env >"$rec/env"
cat >"$rec/stdin"
# How much of the transcript existed when the hook ran (transcripts are append-only, so this prefix is what a
# hook reading it would have seen).
transcript=$(sed -n 's/.*"transcript_path":"\([^"]*\)".*/\1/p' "$rec/stdin" | head -n 1)
if [ -n "$transcript" ] && [ -f "$transcript" ]; then wc -c <"$transcript" >"$rec/transcript_bytes"; fi
sh -c "$command" <"$rec/stdin" >"$rec/stdout" 2>"$rec/stderr"
code=$?
date +%s%N >"$rec/end"
printf '%s\n' "$code" >"$rec/exit"
cat "$rec/stdout"
cat "$rec/stderr" >&2
exit "$code"
