package io.flowtrap.manager.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.schemas.DocumentSchema;
import java.io.IOException;
import java.util.List;

/**
 * A REST request's JSON body, read the one way every feature's controller reads it: refused before
 * anything is done when it is missing, larger than its bound, not JSON, or not what its schema in
 * schemas/ says, each with the error shape's words ({@code what} names the document in them).
 */
public final class JsonRequests {
    private JsonRequests() {}

    /** The body as a validated tree; {@code maxBytes} bounds it. */
    public static JsonNode tree(ObjectMapper json, byte[] body, DocumentSchema.Document schema, String what, int maxBytes) {
        if (body == null || body.length == 0) {
            throw new DomainException(Kind.INVALID, "no " + what, "send the " + what + " as JSON");
        }
        if (body.length > maxBytes) {
            throw new DomainException(Kind.TOO_LARGE, what + " too large", "at most " + maxBytes + " bytes");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new DomainException(Kind.INVALID, "malformed JSON", e.getMessage(), e);
        }
        List<String> violations = node == null || node.isMissingNode() ? List.of("$: a JSON object expected")
                : DocumentSchema.of(schema).validate(node);
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "not a valid " + what, String.join("; ", violations));
        }
        return node;
    }

    /** The body as a validated {@code type}. */
    public static <T> T read(ObjectMapper json, byte[] body, DocumentSchema.Document schema, Class<T> type, String what,
            int maxBytes) {
        JsonNode node = tree(json, body, schema, what, maxBytes);
        try {
            return json.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new DomainException(Kind.INVALID, "not a valid " + what, e.getOriginalMessage(), e);
        }
    }
}
