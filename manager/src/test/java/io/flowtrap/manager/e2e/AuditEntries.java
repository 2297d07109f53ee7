package io.flowtrap.manager.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The audit trail's entries of a started system as Elasticsearch holds them (its state index {@code ...audit}). */
final class AuditEntries {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditEntries() {}

    /**
     * The entries whose {@code details.<key>} is {@code value}, once they hold each of {@code actions}
     * (Elasticsearch refreshed and read again until then, 30 s at most).
     */
    static List<JsonNode> await(FlowtrapSystem system, String key, String value, String... actions) throws Exception {
        return Waits.until("audit entries of " + key + "=" + value + " holding " + List.of(actions), Duration.ofSeconds(30),
                Duration.ofMillis(100), () -> about(system, key, value),
                about -> actions(about).containsAll(List.of(actions)), about -> "actions " + actions(about));
    }

    /** The entries whose {@code details.<key>} is {@code value}, as Elasticsearch holds them now (refreshed first). */
    private static List<JsonNode> about(FlowtrapSystem system, String key, String value) throws Exception {
        String index = system.indexPrefix.replace("-alerts-", "-state-") + "audit";
        system.elasticsearch.request("POST", "/" + index + "/_refresh", null);
        var r = system.elasticsearch.request("GET", "/" + index + "/_search?size=1000", null);
        List<JsonNode> about = new ArrayList<>();
        for (JsonNode hit : JSON.readTree(r.body()).path("hits").path("hits")) {
            if (hit.path("_source").path("details").path(key).asText().equals(value)) {
                about.add(hit.path("_source"));
            }
        }
        return about;
    }

    private static List<String> actions(List<JsonNode> entries) {
        return entries.stream().map(e -> e.path("action").asText()).toList();
    }

    /** The one entry of {@code action} among {@code entries}. */
    static JsonNode of(List<JsonNode> entries, String action) {
        List<JsonNode> of = entries.stream().filter(e -> e.path("action").asText().equals(action)).toList();
        assertThat(of).as("entries of %s in %s", action, entries).hasSize(1);
        return of.get(0);
    }
}
