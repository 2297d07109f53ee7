package io.flowtrap.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Elasticsearch 8 composable index templates derived from the document schemas by walking their
 * {@code properties}: alerts from the alert schema ({@link AlertSchema#document()}), flow records
 * from theirs. The mapping cannot drift from what the manager accepts.
 *
 * <p>Rules, per schema property:
 * <ul>
 *   <li>{@code x-es-type} wins ({@code ip}, {@code date}, {@code binary}, ...); a {@code date} takes
 *       {@link #DATE_FORMAT}, which reads Suricata's {@code 2026-11-22T10:15:30.123456+0000};
 *   <li>otherwise the JSON type: string → {@code keyword} (ignore_above {@value #KEYWORD_IGNORE_ABOVE}),
 *       integer → {@code long}, number → {@code double}, boolean → {@code boolean}, object → object
 *       with its properties mapped the same way, array → the mapping of its {@code items};
 *   <li>{@code x-es-text: true} adds a {@code text} sub-field ({@code alert.signature.text});
 *       {@code x-es-index: false} keeps the field out of the index (still in {@code _source});
 *       {@code x-es-enabled: false} on an object keeps the object out of the index whatever it holds
 *       (its JSON is stored, never parsed: it can never conflict with a mapping);
 *   <li>local {@code $ref}s ({@code #/$defs/...}) are followed;
 *   <li>a property without one JSON type is left to dynamic mapping; a property whose name starts with
 *       {@code _} (such as a hit's {@code _id}) is Elasticsearch metadata and never mapped.
 * </ul>
 * The top level is {@code dynamic: true}, so EVE fields the schema does not name still index; their
 * date detection knows Suricata's timestamp too. So that a value of the wrong kind never costs its
 * document, every index has {@code mapping.ignore_malformed} (a number, date or address that does not
 * parse stays in {@code _source}, unindexed) and {@code mapping.total_fields.ignore_dynamic_beyond_limit}
 * (fields beyond the field limit are stored, not mapped); what those cannot absorb (an object where a
 * value was mapped, or the reverse) the manager moves into the unindexed object and indexes again. A document must not carry {@code _id}: Elasticsearch
 * refuses metadata fields inside a document, so a hit's {@code _id} is stripped before indexing.
 */
public final class IndexTemplate {
    /** Suricata's timestamp, RFC 3339, or epoch milliseconds. */
    public static final String DATE_FORMAT =
            "strict_date_optional_time||yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ||epoch_millis";
    /** Date detection of unmapped strings: no epoch_millis, or numeric strings would turn into dates. */
    static final String DYNAMIC_DATE_FORMAT = "strict_date_optional_time||yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ";
    static final int KEYWORD_IGNORE_ABOVE = 1024;
    /**
     * How soon an indexed alert is searchable. Longer means fewer, larger segments for Elasticsearch
     * to write and merge while alerts pour in; an analyst waits at most this long for a new alert.
     */
    static final String REFRESH_INTERVAL = "5s";
    /** Composable templates of equal priority must not overlap; the built-in ones use 100 and below. */
    static final int PRIORITY = 200;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Index names: lowercase, none of \ / ? " < > | , # or space, not starting with - _ +; * allowed. */
    private static final Pattern INDEX_PATTERN = Pattern.compile("^[a-z0-9*.][a-z0-9*._+-]{0,254}$");
    private static final int MAX_REF_DEPTH = 16;

    private IndexTemplate() {}

    /** The template for indices matching {@code indexPattern} (e.g. {@code flowtrap-alerts-*}). */
    public static ObjectNode forPattern(String indexPattern) {
        return build(AlertSchema.document(), indexPattern);
    }

    /**
     * The template for indices of another document (e.g. flow records in {@code flowtrap-flows-*}),
     * the same way; its properties that refer to other files must say their {@code x-es-type}.
     */
    public static ObjectNode forDocument(DocumentSchema.Document document, String indexPattern) {
        return build(DocumentSchema.of(document).schema(), indexPattern, document.resource());
    }

    /** The template that {@code schema} (a JSON Schema of an object) yields. */
    static ObjectNode build(JsonNode schema, String indexPattern) {
        return build(schema, indexPattern, AlertSchema.RESOURCE);
    }

    private static ObjectNode build(JsonNode schema, String indexPattern, String resource) {
        Objects.requireNonNull(indexPattern, "indexPattern");
        if (!INDEX_PATTERN.matcher(indexPattern).matches() || indexPattern.equals(".")
                || indexPattern.equals("..")) {
            throw new IllegalArgumentException("not an index pattern: '" + indexPattern + "'");
        }
        ObjectNode template = NODES.objectNode();
        template.putArray("index_patterns").add(indexPattern);
        template.put("priority", PRIORITY);
        ObjectNode body = template.putObject("template");
        ObjectNode index = body.putObject("settings").putObject("index");
        index.put("number_of_shards", 1);
        index.put("number_of_replicas", 0);
        index.put("refresh_interval", REFRESH_INTERVAL);
        index.put("mapping.ignore_malformed", true);
        index.put("mapping.total_fields.ignore_dynamic_beyond_limit", true);
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", true);
        mappings.putArray("dynamic_date_formats").add(DYNAMIC_DATE_FORMAT);
        mappings.set("properties", properties(schema, schema, "$"));
        ObjectNode meta = template.putObject("_meta");
        meta.put("generated_from", resource);
        if (schema.hasNonNull("$id")) {
            meta.put("schema_id", schema.get("$id").asText());
        }
        return template;
    }

    private static ObjectNode properties(JsonNode root, JsonNode objectSchema, String path) {
        ObjectNode out = NODES.objectNode();
        JsonNode props = objectSchema.path("properties");
        for (Map.Entry<String, JsonNode> e : props.properties()) {
            if (e.getKey().startsWith("_")) {
                continue;
            }
            String at = path + "." + e.getKey();
            ObjectNode field = field(root, resolve(root, e.getValue(), at), at);
            if (field != null) {
                out.set(e.getKey(), field);
            }
        }
        return out;
    }

    /** The mapping of one property, or null to leave it to dynamic mapping. */
    private static ObjectNode field(JsonNode root, JsonNode s, String path) {
        ObjectNode m = NODES.objectNode();
        String type = s.path("type").isTextual() ? s.get("type").asText() : null;
        if (s.has("x-es-enabled") && !s.get("x-es-enabled").asBoolean(true)) {
            m.put("type", "object");
            m.put("enabled", false);
            return m;
        }
        if (s.hasNonNull("x-es-type")) {
            m.put("type", s.get("x-es-type").asText());
        } else if (type == null) {
            return null;
        } else {
            switch (type) {
                case "string" -> {
                    m.put("type", "keyword");
                    m.put("ignore_above", KEYWORD_IGNORE_ABOVE);
                }
                case "integer" -> m.put("type", "long");
                case "number" -> m.put("type", "double");
                case "boolean" -> m.put("type", "boolean");
                case "object" -> {
                    m.put("type", "object");
                    ObjectNode props = properties(root, s, path);
                    if (!props.isEmpty()) {
                        m.set("properties", props);
                    }
                }
                case "array" -> {
                    return s.has("items") ? field(root, resolve(root, s.get("items"), path + "[]"), path + "[]")
                            : null;
                }
                default -> {
                    return null;
                }
            }
        }
        if ("date".equals(m.path("type").asText())) {
            m.put("format", DATE_FORMAT);
        }
        if (s.path("x-es-text").asBoolean(false)) {
            m.putObject("fields").putObject("text").put("type", "text");
        }
        if (s.has("x-es-index") && !s.get("x-es-index").asBoolean(true)) {
            m.put("index", false);
        }
        return m;
    }

    /** {@code s} with its local {@code $ref} followed; its own keywords win over the target's. */
    private static JsonNode resolve(JsonNode root, JsonNode s, String path) {
        JsonNode current = s;
        for (int depth = 0; current.has("$ref") && !current.has("x-es-type"); depth++) { // a given type needs no target
            if (depth == MAX_REF_DEPTH) {
                throw new IllegalArgumentException(path + ": $ref chain longer than " + MAX_REF_DEPTH);
            }
            String ref = current.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException(path + ": only local $refs are followed, not " + ref);
            }
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode() || !target.isObject()) {
                throw new IllegalArgumentException(path + ": $ref " + ref + " names no schema");
            }
            ObjectNode merged = ((ObjectNode) target).deepCopy();
            for (Map.Entry<String, JsonNode> f : current.properties()) {
                if (!f.getKey().equals("$ref")) {
                    merged.set(f.getKey(), f.getValue());
                }
            }
            current = merged;
        }
        return current;
    }
}
