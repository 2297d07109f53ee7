package io.flowtrap.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProbeNameTest {
    @Test
    void sensorNamesPassAndPathsOrOverlongNamesDoNot() {
        assertThat(ProbeName.isValid("sensor-1")).isTrue();
        assertThat(ProbeName.isValid("dc1.edge_02")).isTrue();
        assertThat(ProbeName.isValid("a".repeat(64))).isTrue();
        assertThat(ProbeName.isValid("a".repeat(65))).isFalse();
        assertThat(ProbeName.isValid("")).isFalse();
        assertThat(ProbeName.isValid(null)).isFalse();
        assertThat(ProbeName.isValid("../x")).isFalse();
        assertThat(ProbeName.isValid("sensor 1")).isFalse();
        assertThat(ProbeName.isValid("sensor\u00001")).isFalse();
    }
}
