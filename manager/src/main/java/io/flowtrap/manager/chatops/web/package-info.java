/**
 * Chat-ops over HTTP: {@code POST /rest/chatops/slack} (Slack's form) and {@code POST
 * /rest/webhooks/capture} (JSON), both read raw before anything parses them ({@link
 * io.flowtrap.manager.chatops.web.RawBodyFilter}) since their signatures cover the bytes sent.
 * May use {@code chatops}, the errors, rest-api's records, Spring MVC.
 */
package io.flowtrap.manager.chatops.web;
