package io.flowtrap.manager.alerts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A document ready for a bulk request: its id, its index and its JSON (serialised once). */
public interface IndexedDocument {
    String id();

    String index();

    String json();

    /** The time that picked the document's daily index (an alert's timestamp, a flow's first packet). */
    Instant time();

    /**
     * A document id derived from its content: 160 bits of SHA-256 over {@code parts} joined by
     * newlines, in hex (40 characters, also a valid job name). The same content always gets the
     * same id, so indexing it again replaces it.
     */
    static String contentId(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
