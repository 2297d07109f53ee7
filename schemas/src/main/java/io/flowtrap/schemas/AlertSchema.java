package io.flowtrap.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.util.List;
import java.util.Objects;

/**
 * Validates a Suricata EVE alert (or a hit of the manager's alert search) against
 * {@value #RESOURCE}, which is loaded from the classpath once: {@link DocumentSchema} of
 * {@link Document#EVE_ALERT}, under the name the manager and {@link IndexTemplate} know.
 *
 * <p>Every violation comes back as one line naming the JSON path of the offending value and the rule
 * it breaks, e.g. {@code $.alert.signature_id: integer expected, string found}. The schema's
 * {@code x-es-*} keywords steer the Elasticsearch mapping ({@link IndexTemplate}) and are no
 * rules. Formats (ipv4, ipv6) are asserted, not only annotated.
 */
public final class AlertSchema {
    /** Classpath location of the schema, absolute. */
    public static final String RESOURCE = "/io/flowtrap/schemas/eve-alert.schema.json";

    private static final class Loaded {
        static final AlertSchema INSTANCE = new AlertSchema(DocumentSchema.of(Document.EVE_ALERT));
    }

    private final DocumentSchema schema;

    private AlertSchema(DocumentSchema schema) {
        this.schema = schema;
    }

    /** The validator, built on first use. */
    public static AlertSchema get() {
        return Loaded.INSTANCE;
    }

    /** A copy of the schema document, for readers that derive something from it. */
    public static JsonNode document() {
        return Loaded.INSTANCE.schema.schema();
    }

    /**
     * The rules {@code alert} breaks, one human-readable line each ({@code path: rule}); empty when it
     * is a valid alert.
     */
    public List<String> validate(JsonNode alert) {
        Objects.requireNonNull(alert, "alert");
        return schema.validate(alert);
    }
}
