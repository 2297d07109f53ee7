/**
 * Captures started from outside: a Slack slash command ({@code multicapture '<filter>' on probes
 * p1,p2 [timeout=S] [count=N]}), answered at once and, when the capture ends, by a message to the
 * command's response URL with a share link per probe; and a generic webhook for automation tools
 * with the body of {@code POST /rest/captures/}. Both signed with their own secret (HMAC-SHA256,
 * Slack's scheme), read from files. May use {@code captures}, {@code sharing}, the errors, the
 * schemas, rest-api's records; no web part.
 */
package io.flowtrap.manager.chatops;
