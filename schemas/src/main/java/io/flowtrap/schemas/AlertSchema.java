package io.flowtrap.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Validates a Suricata EVE alert (or a hit of the manager's alert search) against
 * {@value #RESOURCE}, which is loaded from the classpath once.
 *
 * <p>Every violation comes back as one line naming the JSON path of the offending value and the rule
 * it breaks, e.g. {@code $.alert.signature_id: integer expected, string found}. The schema's
 * {@code x-es-*} keywords steer the Elasticsearch mapping ({@link AlertIndexTemplate}) and are no
 * rules. Formats (ipv4, ipv6) are asserted, not only annotated.
 */
public final class AlertSchema {
    /** Classpath location of the schema, absolute. */
    public static final String RESOURCE = "/io/flowtrap/schemas/eve-alert.schema.json";

    /** The schema keywords that only steer the Elasticsearch mapping. */
    static final List<String> MAPPING_KEYWORDS = List.of("x-es-type", "x-es-text", "x-es-index");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final class Loaded {
        static final JsonNode DOCUMENT = read();
        static final AlertSchema INSTANCE = new AlertSchema(DOCUMENT);
    }

    private final JsonSchema schema;

    private AlertSchema(JsonNode document) {
        JsonMetaSchema.Builder meta = JsonMetaSchema.builder(JsonMetaSchema.getV202012());
        MAPPING_KEYWORDS.forEach(k -> meta.keyword(new NonValidationKeyword(k)));
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.metaSchema(meta.build()));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_PATH)
                .formatAssertionsEnabled(true)
                .locale(Locale.ENGLISH)
                .build();
        this.schema = factory.getSchema(document, config);
        this.schema.initializeValidators();
    }

    /** The validator, built on first use. */
    public static AlertSchema get() {
        return Loaded.INSTANCE;
    }

    /** A copy of the schema document, for readers that derive something from it. */
    public static JsonNode document() {
        return Loaded.DOCUMENT.deepCopy();
    }

    /**
     * The rules {@code alert} breaks, one human-readable line each ({@code path: rule}); empty when it
     * is a valid alert.
     */
    public List<String> validate(JsonNode alert) {
        Objects.requireNonNull(alert, "alert");
        Set<ValidationMessage> messages = schema.validate(alert);
        List<String> out = new ArrayList<>(messages.size());
        for (ValidationMessage m : messages) {
            out.add(describe(m));
        }
        return List.copyOf(out);
    }

    /** The library's message ({@code path: rule}), the type rule worded expected-first. */
    private static String describe(ValidationMessage m) {
        Object[] args = m.getArguments();
        if ("type".equals(m.getType()) && args != null && args.length == 2) {
            return m.getInstanceLocation() + ": " + args[1] + " expected, " + args[0] + " found";
        }
        return m.getMessage();
    }

    private static JsonNode read() {
        try (InputStream in = AlertSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("not on the classpath: " + RESOURCE);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable: " + RESOURCE, e);
        }
    }
}
