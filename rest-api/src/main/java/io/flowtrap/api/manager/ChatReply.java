package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A Slack message as the chat-ops endpoint answers a slash command ({@code ephemeral}: only the
 * caller sees it) and posts a finished capture to its response URL ({@code in_channel}).
 */
public record ChatReply(@JsonProperty("response_type") String responseType, String text) {}
