package io.flowtrap.manager.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves the parts of an alert that cannot be indexed into its {@value #FIELD} object, which the
 * index template maps {@code enabled: false} (stored in {@code _source}, never parsed), so a field of
 * the wrong kind costs the alert nothing but the indexing of that field. A part is named by its
 * dotted path from the top of the alert ({@code http.status}) and kept there under that path, as it
 * came. Not thread-safe: each call works on one document.
 */
final class UnindexedFields {
    /** The alert's field holding what was moved aside; see eve-alert.schema.json. */
    static final String FIELD = "unindexed_fields";

    /**
     * Fields that find and carve a flow, and pick the alert's index: a document without a valid one
     * is no use to anyone, so a bad value here refuses the line instead of being moved aside.
     */
    private static final Set<String> ESSENTIAL = Set.of("timestamp", "event_type", "src_ip", "dest_ip", "src_port",
            "dest_port", "proto", "community_id", "flow.start", "flow.src_ip", "flow.dest_ip", "flow.src_port",
            "flow.dest_port", FIELD);
    private static final Pattern VIOLATION_PATH = Pattern.compile("^\\$\\.event\\.([A-Za-z0-9_.\\-]+)(\\[\\d+])*: ");
    private static final Pattern REQUIRED = Pattern.compile("^\\$\\.event(?:\\.([A-Za-z0-9_.\\-]+))?: required property '([^']+)' not found$");
    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\[\\]]+)]");

    private UnindexedFields() {}

    /**
     * Moves aside the values of {@code alert} (the event of an ingest line) that the alert schema's
     * {@code violations} name, when none of them is a missing field or an {@link #ESSENTIAL} one.
     * Returns the paths moved, or an empty list when nothing could be moved (the line is then refused
     * as it is).
     */
    static List<String> moveSchemaViolations(ObjectNode alert, List<String> violations) {
        List<String> paths = new ArrayList<>();
        for (String v : violations) {
            Matcher m = VIOLATION_PATH.matcher(v);
            if (!m.find() || v.contains("required property")) {
                return List.of();
            }
            String path = m.group(1);
            if (isEssential(path) || !exists(alert, path)) {
                return List.of();
            }
            if (!paths.contains(path)) {
                paths.add(path);
            }
        }
        for (String path : paths) {
            moveAside(alert, path);
        }
        return List.copyOf(paths);
    }

    /** Whether {@code violation} (of the alert after moving {@code moved}) is only that a moved field is missing. */
    static boolean onlyMissingBecauseMoved(String violation, List<String> moved) {
        Matcher m = REQUIRED.matcher(violation);
        if (!m.matches()) {
            return false;
        }
        String path = m.group(1) == null ? m.group(2) : m.group(1) + "." + m.group(2);
        return moved.contains(path);
    }

    /**
     * The field of {@code alert} that Elasticsearch's refusal {@code reason} names (it puts field names
     * in brackets: {@code failed to parse field [http.status] of type [long]}, {@code object mapping for
     * [x] tried to parse field [x] as object, but found a concrete value}), or null when it names none
     * the alert has or only an essential one.
     */
    static String fieldNamedIn(String reason, ObjectNode alert) {
        Matcher m = BRACKETED.matcher(reason == null ? "" : reason);
        while (m.find()) {
            String path = m.group(1);
            if (!isEssential(path) && exists(alert, path)) {
                return path;
            }
        }
        return null;
    }

    /** Moves the value at {@code path} into {@value #FIELD} under that path; false if there is none. */
    static boolean moveAside(ObjectNode alert, String path) {
        String[] parts = path.split("\\.");
        ObjectNode parent = alert;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = parent.get(parts[i]);
            if (!(next instanceof ObjectNode object)) {
                return false;
            }
            parent = object;
        }
        JsonNode value = parent.remove(parts[parts.length - 1]);
        if (value == null) {
            return false;
        }
        JsonNode holder = alert.get(FIELD);
        ObjectNode aside = holder instanceof ObjectNode o ? o : alert.putObject(FIELD);
        aside.set(path, value);
        return true;
    }

    /**
     * The last resort for an alert Elasticsearch still refuses: everything moved aside whole but what
     * finds it (its time, probe, addresses, ports, protocol, Community ID, flow and signature ids, as
     * the schema checked them), so it is found as any alert is and shows what came.
     */
    static ObjectNode everythingAside(ObjectNode alert) {
        ObjectNode kept = alert.objectNode();
        for (String field : List.of("timestamp", "host", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto",
                "community_id", "flow_id")) {
            JsonNode value = alert.get(field);
            if (value != null && (value.isTextual() || value.isIntegralNumber() && value.canConvertToLong())) {
                kept.set(field, value);
            }
        }
        JsonNode signature = alert.path("alert").path("signature_id");
        if (signature.isIntegralNumber() && signature.canConvertToLong()) {
            kept.putObject("alert").set("signature_id", signature);
        }
        ObjectNode whole = alert.deepCopy();
        whole.remove("host");
        kept.putObject(FIELD).set("event", whole);
        return kept;
    }

    private static boolean isEssential(String path) {
        return ESSENTIAL.contains(path) || path.startsWith(FIELD + ".");
    }

    private static boolean exists(ObjectNode alert, String path) {
        JsonNode n = alert;
        for (String part : path.split("\\.")) {
            if (!(n instanceof ObjectNode) || !n.has(part)) {
                return false;
            }
            n = n.get(part);
        }
        return true;
    }
}
