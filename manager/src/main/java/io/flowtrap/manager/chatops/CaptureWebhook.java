package io.flowtrap.manager.chatops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.CaptureAnswer;
import io.flowtrap.api.manager.CaptureRequest;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.captures.Captures;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The webhook for automation tools (StackStorm's http runner, and any that can sign a request): a
 * capture request as {@code POST /rest/captures/} takes it, signed as Slack signs ({@link
 * RequestSignature}) with the webhook's own secret. The analyst is the request's, else {@code webhook}.
 */
@Component
public class CaptureWebhook {
    private static final Logger log = LoggerFactory.getLogger(CaptureWebhook.class);

    private final Captures captures;
    private final ChatopsProperties settings;
    private final ObjectMapper json;
    private final byte[] secret;
    private final ApplicationEventPublisher events;

    public CaptureWebhook(Captures captures, ChatopsProperties settings, ObjectMapper json, ApplicationEventPublisher events) {
        this.captures = captures;
        this.events = events;
        this.settings = settings;
        this.json = json;
        this.secret = settings.webhookSecretFile() == null ? null
                : SecretFile.read(settings.webhookSecretFile(), "flowtrap.chatops.webhook-secret-file");
    }

    public CaptureAnswer create(byte[] body, String timestamp, String signature) throws IOException {
        if (secret == null) {
            throw new DomainException(Kind.UNAVAILABLE, "webhook not configured",
                    "set flowtrap.chatops.webhook-secret-file to the webhook's secret");
        }
        RequestSignature.verify(secret, timestamp, body, signature, Instant.now(), settings.maxClockSkew());
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e.getOriginalMessage(), e);
        }
        List<String> violations = node == null || node.isMissingNode() ? List.of("$: a JSON object expected")
                : DocumentSchema.of(DocumentSchema.Document.CAPTURE_REQUEST).validate(node);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "not a valid capture request", String.join("; ", violations));
        }
        CaptureRequest request = json.treeToValue(node, CaptureRequest.class);
        String analyst = request.analyst() != null ? request.analyst() : "webhook";
        CaptureAnswer started = captures.create(request, analyst);
        log.info("webhook: capture {} started for {}", started.id(), analyst);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("capture", started.id());
        details.put("filter", started.filter());
        details.put("probes", started.probes());
        events.publishEvent(new Audited(analyst, "webhook.capture", details));
        return started;
    }
}
