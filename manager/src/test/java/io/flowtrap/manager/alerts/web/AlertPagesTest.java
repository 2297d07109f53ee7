package io.flowtrap.manager.alerts.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A click on a top signature or probe narrows the query to that exact value, whatever it holds. */
class AlertPagesTest {
    @Test
    void narrowingQuotesTheValueAndKeepsTheQueryWhole() {
        assertThat(AlertPages.narrow("", "host", "sensor-1")).isEqualTo("host:\"sensor-1\"");
        assertThat(AlertPages.narrow("proto:TCP OR proto:UDP", "host", "sensor-1"))
                .as("an OR in the query stays inside its parentheses")
                .isEqualTo("(proto:TCP OR proto:UDP) AND host:\"sensor-1\"");
        assertThat(AlertPages.narrow("", "alert.signature", "ET \"quoted\" C:\\path (x) AND y:*"))
                .as("quotes and backslashes escaped; the rest is inside the phrase")
                .isEqualTo("alert.signature:\"ET \\\"quoted\\\" C:\\\\path (x) AND y:*\"");
    }
}
