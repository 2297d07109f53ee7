package io.flowtrap.probe.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Moves a recorded alert in time, for a replay that plays an old capture as if it happened now:
 * {@code timestamp} and {@code flow.start} are rewritten in Suricata's own format (UTC,
 * microseconds), everything else is left as it was. Stateless; thread-safe.
 */
public final class EveTimeShift {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter SURICATA =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);
    private static final EveAlertParser PARSER = new EveAlertParser();

    private EveTimeShift() {}

    public static EveAlert shift(EveAlert alert, long deltaNanos) throws MalformedAlertException {
        if (deltaNanos == 0) {
            return alert;
        }
        ObjectNode eve;
        try {
            JsonNode root = JSON.readTree(alert.json());
            eve = (ObjectNode) (root.has("_source") ? root.get("_source") : root);
            shiftField(eve, "timestamp", deltaNanos);
            if (eve.get("flow") instanceof ObjectNode flow) {
                shiftField(flow, "start", deltaNanos);
            }
            return PARSER.parse(JSON.writeValueAsString(root))
                    .orElseThrow(() -> new MalformedAlertException("event_type", "no longer an alert"));
        } catch (JsonProcessingException e) {
            throw new MalformedAlertException("json", "cannot re-read the alert: " + e.getOriginalMessage());
        }
    }

    private static void shiftField(ObjectNode node, String field, long deltaNanos) throws MalformedAlertException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            return;
        }
        long nanos = EveAlertParser.timestamp(value.asText()) + deltaNanos;
        node.put(field, SURICATA.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L))));
    }
}
