package io.flowtrap.manager.users;

import io.flowtrap.testkit.ElasticsearchNode;
import java.util.List;
import java.util.UUID;

/**
 * The real Elasticsearch these tests keep users and keys in (testkit's node), each test in indices
 * of its own ({@code ut-<random>-users}, {@code ut-<random>-keys}), reached as the commands reach it,
 * reading whole indices {@value #READ_BATCH} documents a request (so that a few dozen documents take
 * several requests).
 */
final class TestElasticsearch {
    final ElasticsearchNode node = ElasticsearchNode.shared();
    static final int READ_BATCH = 20;

    final String prefix = "ut-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** The Spring arguments that say where: as a command or the manager takes them. */
    List<String> arguments() {
        return List.of("--spring.elasticsearch.uris=" + node.url(), "--flowtrap.state-index-prefix=" + prefix,
                "--flowtrap.state-read-batch=" + READ_BATCH);
    }

    /** Lowers the {@code index.max_result_window} of one kind's index (created already) to {@code window}: the most one search may answer. */
    void limitResultWindow(String kind, int window) {
        int status = node.request("PUT", "/" + prefix + kind + "/_settings", "{\"index\":{\"max_result_window\":" + window + "}}").status();
        if (status != 200) {
            throw new IllegalStateException("could not set the result window of " + prefix + kind + ": HTTP " + status);
        }
    }

    CommandStores open() {
        return CommandStores.open(arguments());
    }

    /** The raw documents of one kind of state ({@code users}, {@code keys}), as Elasticsearch holds them. */
    String documents(String kind) {
        node.request("POST", "/" + prefix + kind + "/_refresh", null);
        return node.request("GET", "/" + prefix + kind + "/_search?size=100", null).body();
    }
}
