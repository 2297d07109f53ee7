package io.flowtrap.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiTokenTest {

    @Test
    void aGeneratedKeyIs40LowerCaseHexCharactersAndNeverRepeats() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String key = ApiToken.generate();
            assertThat(key).matches("[0-9a-f]{40}");
            keys.add(key);
        }
        assertThat(keys).hasSize(1000);
    }

    @Test
    void theHashIsTheSha256OfTheKeyInLowerCaseHex() {
        // FIPS 180-2 test vector and the empty string
        assertThat(ApiToken.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ApiToken.hash("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        String key = ApiToken.generate();
        assertThat(ApiToken.hash(key)).hasSize(64).matches("[0-9a-f]{64}").isEqualTo(ApiToken.hash(key))
                .isNotEqualTo(ApiToken.hash(key + "0"));
    }

    @Test
    void matchesOnlyTheKeyThatHashesToTheStoredDigest() {
        String key = ApiToken.generate();
        String stored = ApiToken.hash(key);
        assertThat(ApiToken.matches(key, stored)).isTrue();
        assertThat(ApiToken.matches(key.toUpperCase(), stored)).isFalse();
        assertThat(ApiToken.matches(key.substring(1), stored)).isFalse();
        assertThat(ApiToken.matches(ApiToken.generate(), stored)).isFalse();
        assertThat(ApiToken.matches(key, stored.substring(0, 63))).isFalse();
        assertThat(ApiToken.matches(key, key)).isFalse(); // the stored value is the digest, never the key
    }

    @Test
    void theKeyIsTakenFromATokenAuthorizationHeader() {
        assertThat(ApiToken.fromHeader("Token k")).isEqualTo("k");
        assertThat(ApiToken.fromHeader("token k")).isEqualTo("k");
        assertThat(ApiToken.fromHeader("TOKEN abc123")).isEqualTo("abc123");
        assertThat(ApiToken.fromHeader("Token  k ")).isEqualTo("k");
        assertThat(ApiToken.fromHeader("  Token k")).isEqualTo("k");
        assertThat(ApiToken.fromHeader("Token " + "a".repeat(256))).hasSize(256);
    }

    @Test
    void anythingElseGivesNoKey() {
        assertThat(ApiToken.fromHeader(null)).isNull();
        assertThat(ApiToken.fromHeader("")).isNull();
        assertThat(ApiToken.fromHeader("Bearer k")).isNull();
        assertThat(ApiToken.fromHeader("Basic dXNlcjpwYXNz")).isNull();
        assertThat(ApiToken.fromHeader("Token")).isNull();
        assertThat(ApiToken.fromHeader("Token ")).isNull();
        assertThat(ApiToken.fromHeader("Token    ")).isNull();
        assertThat(ApiToken.fromHeader("Tokenk")).isNull();
        assertThat(ApiToken.fromHeader("Tokens k")).isNull();
        assertThat(ApiToken.fromHeader("Token " + "a".repeat(257))).isNull();
    }
}
