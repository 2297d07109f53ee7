package io.flowtrap.manager.chatops;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's request signature, which the webhook uses too: {@code v0=hex(HMAC-SHA256(secret, "v0:"
 * + timestamp + ":" + raw body))}, the timestamp in epoch seconds and no further than {@code
 * maxSkew} from now (a replayed request is refused once stale), compared in constant time.
 */
final class RequestSignature {
    static final String VERSION = "v0";

    private RequestSignature() {}

    /** The signature of {@code body} sent at {@code timestamp}, as the header carries it. */
    static String sign(byte[] secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return VERSION + "=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Refuses (FORBIDDEN, saying why) a request whose signature or timestamp is not right. */
    static void verify(byte[] secret, String timestamp, byte[] body, String signature, Instant now, Duration maxSkew) {
        if (timestamp == null || signature == null) {
            throw refused("no signature: the request needs its timestamp and signature headers");
        }
        long sent;
        try {
            sent = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw refused("the timestamp is not a number of seconds");
        }
        if (Math.abs(now.getEpochSecond() - sent) > maxSkew.toSeconds()) {
            throw refused("stale timestamp: the request was signed more than " + maxSkew.toSeconds() + " s from now");
        }
        byte[] expected = sign(secret, timestamp.strip(), body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.strip().getBytes(StandardCharsets.US_ASCII))) {
            throw refused("bad signature");
        }
    }

    private static DomainException refused(String why) {
        return new DomainException(Kind.FORBIDDEN, "signature refused", why);
    }
}
