package io.flowtrap.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JobNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", "-", "_", "job-1", "a_B-9", "0123456789abcdef0123456789abcdef01234567"})
    void namesOfLettersDigitsDashAndUnderscoreAreValid(String name) {
        assertThat(JobName.isValid(name)).isTrue();
        assertThat(JobName.require(name)).isSameAs(name);
    }

    @Test
    void exactly128CharactersIsTheLongestValidName() {
        String longest = "x".repeat(JobName.MAX_LENGTH);
        assertThat(JobName.MAX_LENGTH).isEqualTo(128);
        assertThat(JobName.isValid(longest)).isTrue();
        assertThat(JobName.isValid(longest + "x")).isFalse();
        assertThatThrownBy(() -> JobName.require(longest + "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 128 characters")
                .hasMessageEndingWith("…\""); // a long name is shown cut short
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "..", ".", "%2e%2e", "a/b", "a\\b", "a\u0000b", "/etc/passwd", "a b", "a\nb",
            "é", "jöb", "名前", "a.pcap", "a:b", "a\u200bb"})
    void anythingThatCouldBeAPathOrIsNotPlainAsciiIsRefused(String name) {
        assertThat(JobName.isValid(name)).isFalse();
        assertThatThrownBy(() -> JobName.require(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid job name: expected 1 to 128 characters of A-Z a-z 0-9 _ -");
    }

    @Test
    void nullIsRefusedAndShownAsNothing() {
        assertThat(JobName.isValid(null)).isFalse();
        assertThatThrownBy(() -> JobName.require(null)).hasMessageEndingWith("got nothing");
    }

    @Test
    void theRefusalShowsTheNameWithControlCharactersEscaped() {
        assertThatThrownBy(() -> JobName.require("a\u0000b\u001b[31m\u007f"))
                .hasMessageEndingWith("got \"a\\u0000b\\u001b[31m\\u007f\"")
                .hasMessageNotContaining("\u0000")
                .hasMessageNotContaining("\u001b");
        assertThatThrownBy(() -> JobName.require("../x")).hasMessageEndingWith("got \"../x\"");
        assertThatThrownBy(() -> JobName.require("")).hasMessageEndingWith("got \"\"");
    }
}
