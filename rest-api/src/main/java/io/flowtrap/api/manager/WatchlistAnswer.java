package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One watchlist as the manager answers it (load, reload, detail, delete; the list without
 * {@code sessions}): where it came from, the entries loaded and the lines refused (at most 100
 * shown, all counted), each probe's trigger, and the capture sessions of its entries.
 *
 * @param source {@code "upload"} or {@code "file:<name>"}
 * @param loadedBy who loaded it (a user, or {@code key-<id>}); {@code reloadedBy} who reloaded it last
 * @param probes per probe: {@code in_force}, {@code removed} or {@code failed} (with the probe's words)
 * @param sessionCounts sessions by state (pending: entries with no event yet)
 * @param sessions the sessions that are not pending, most recently seen first (at most 1,000); null in a list
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WatchlistAnswer(String name, String source, long entries,
        @JsonProperty("refused_count") long refusedCount, @JsonProperty("refused_lines") List<RefusedLine> refusedLines,
        List<ProbeTrigger> probes, String loaded, @JsonProperty("loaded_by") String loadedBy, String reloaded,
        @JsonProperty("reloaded_by") String reloadedBy, @JsonProperty("session_idle_s") long sessionIdleSeconds,
        @JsonProperty("session_counts") SessionCounts sessionCounts, List<Session> sessions) {

    /** A line not loaded: its number (from 1), its text (at most 200 characters) and why. */
    public record RefusedLine(long line, String text, String reason) {}

    /** The watchlist's trigger on one probe. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProbeTrigger(String probe, String state, String error) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SessionCounts(long pending, long active, long expired, long removed) {}

    /**
     * The capture session of one entry: pending until its first watchlist event, active while events
     * come, expired after the idle time without one (active again at the next), removed when a reload
     * dropped the entry. {@code first_seen}/{@code last_seen}: the flows' times (the probe's clock);
     * {@code last_event}: when the manager took the last event, what the idle time counts from.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Session(String entry, String state, long flows, @JsonProperty("first_seen") String firstSeen,
            @JsonProperty("last_seen") String lastSeen, @JsonProperty("last_event") String lastEvent,
            @JsonProperty("removed_at") String removedAt, List<String> probes) {}
}
