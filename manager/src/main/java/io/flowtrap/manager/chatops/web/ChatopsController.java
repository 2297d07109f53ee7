package io.flowtrap.manager.chatops.web;

import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.ChatReply;
import io.flowtrap.manager.chatops.CaptureWebhook;
import io.flowtrap.manager.chatops.SlackCommands;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code POST /rest/chatops/slack}: a Slack slash command (form fields token, team_id,
 * channel_id, user_id, user_name, command, text, response_url, trigger_id), signed in {@code
 * X-Slack-Signature} at {@code X-Slack-Request-Timestamp}; {@code POST /rest/webhooks/capture}: a
 * capture request signed the same way in {@code X-Flowtrap-Signature} at {@code X-Flowtrap-Timestamp}.
 */
@RestController
class ChatopsController {
    private final SlackCommands slack;
    private final CaptureWebhook webhook;

    ChatopsController(SlackCommands slack, CaptureWebhook webhook) {
        this.slack = slack;
        this.webhook = webhook;
    }

    @PostMapping("/rest/chatops/slack")
    ChatReply slack(HttpServletRequest request) {
        byte[] body = RawBodyFilter.body(request);
        return slack.handle(body, request.getHeader("X-Slack-Request-Timestamp"), request.getHeader("X-Slack-Signature"),
                form(body), ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString());
    }

    @PostMapping("/rest/webhooks/capture")
    ResponseEntity<CaptureAnswer> capture(HttpServletRequest request) throws IOException {
        CaptureAnswer created = webhook.create(RawBodyFilter.body(request), request.getHeader("X-Flowtrap-Timestamp"),
                request.getHeader("X-Flowtrap-Signature"));
        return ResponseEntity.status(HttpStatus.CREATED).body(created);
    }

    /** An application/x-www-form-urlencoded body's fields (the first of each name). */
    static Map<String, String> form(byte[] body) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            fields.putIfAbsent(name, value);
        }
        return fields;
    }
}
