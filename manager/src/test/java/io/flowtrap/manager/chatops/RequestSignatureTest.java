package io.flowtrap.manager.chatops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.manager.errors.DomainException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Slack's signing scheme, checked against the example of Slack's documentation and against damage. */
class RequestSignatureTest {
    // Slack's "Verifying requests from Slack" example: its secret, timestamp, body and signature
    private static final byte[] SECRET = "8f742231b10e8888abcd99yyyzzz85a5".getBytes(StandardCharsets.UTF_8);
    private static final String TIMESTAMP = "1531420618";
    private static final byte[] BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F"
            + "%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121"
            + ".803a0bc887a14d10d2c447fce8b6703c").getBytes(StandardCharsets.UTF_8);
    private static final String SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private static final Instant THEN = Instant.ofEpochSecond(1531420618);
    private static final Duration SKEW = Duration.ofMinutes(5);

    @Test
    void slacksOwnExampleIsSignedAndVerified() {
        assertThat(RequestSignature.sign(SECRET, TIMESTAMP, BODY)).isEqualTo(SIGNATURE);
        RequestSignature.verify(SECRET, TIMESTAMP, BODY, SIGNATURE, THEN.plusSeconds(299), SKEW);
    }

    @Test
    void aChangedBodyAnotherSecretOrAnotherTimestampIsRefused() {
        byte[] changed = BODY.clone();
        changed[changed.length - 1] ^= 1;
        refused(() -> RequestSignature.verify(SECRET, TIMESTAMP, changed, SIGNATURE, THEN, SKEW), "bad signature");
        refused(() -> RequestSignature.verify("another".getBytes(StandardCharsets.UTF_8), TIMESTAMP, BODY, SIGNATURE, THEN, SKEW),
                "bad signature");
        refused(() -> RequestSignature.verify(SECRET, "1531420619", BODY, SIGNATURE, THEN, SKEW), "bad signature");
        refused(() -> RequestSignature.verify(SECRET, TIMESTAMP, BODY, SIGNATURE.toUpperCase(), THEN, SKEW), "bad signature");
        refused(() -> RequestSignature.verify(SECRET, TIMESTAMP, BODY, null, THEN, SKEW), "no signature");
        refused(() -> RequestSignature.verify(SECRET, "soon", BODY, SIGNATURE, THEN, SKEW), "not a number");
    }

    @Test
    void aTimestampMoreThanFiveMinutesAwayIsStaleEvenWhenSignedRight() {
        refused(() -> RequestSignature.verify(SECRET, TIMESTAMP, BODY, SIGNATURE, THEN.plusSeconds(301), SKEW), "stale");
        refused(() -> RequestSignature.verify(SECRET, TIMESTAMP, BODY, SIGNATURE, THEN.minusSeconds(301), SKEW), "stale");
    }

    private static void refused(Runnable call, String why) {
        assertThatThrownBy(call::run).isInstanceOf(DomainException.class).hasMessage("signature refused")
                .satisfies(e -> assertThat(((DomainException) e).detail()).contains(why));
    }
}
