package io.flowtrap.manager.searches.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The start form's times (UTC unless a zone is typed) and its defaults. */
class SearchPagesTest {
    @Test
    void aTimeWithoutAZoneIsUtcAndOneWithAZoneIsAsTyped() {
        assertThat(SearchPages.utc("2026-12-01 18:00:00")).isEqualTo("2026-12-01T18:00:00Z");
        assertThat(SearchPages.utc(" 2026-12-01T18:00 ")).isEqualTo("2026-12-01T18:00:00Z");
        assertThat(SearchPages.utc("2026-12-01T18:00:00.123456789")).isEqualTo("2026-12-01T18:00:00.123456789Z");
        assertThat(SearchPages.utc("2026-12-01T18:00:00Z")).isEqualTo("2026-12-01T18:00:00Z");
        assertThat(SearchPages.utc("2026-12-01T19:00:00+01:00")).isEqualTo("2026-12-01T19:00:00+01:00");
        assertThat(SearchPages.utc("yesterday")).as("left for the manager to refuse").isEqualTo("yesterday");
        assertThat(Instant.parse(SearchPages.utc("2026-12-01 18:00:00"))).isEqualTo(Instant.parse("2026-12-01T18:00:00Z"));
    }

    @Test
    void theFormStartsWithTheLastHourToTheSecondAndEveryProbe() {
        SearchPages.Form form = SearchPages.Form.lastHour(Instant.parse("2026-12-01T19:40:12.345Z"), List.of("a", "b"));
        assertThat(form.from()).isEqualTo("2026-12-01T18:40:12Z");
        assertThat(form.to()).isEqualTo("2026-12-01T19:40:12Z");
        assertThat(form.probes()).containsExactly("a", "b");
        assertThat(form.filter()).isEmpty();
    }
}
