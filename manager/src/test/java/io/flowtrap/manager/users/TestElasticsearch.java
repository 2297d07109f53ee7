package io.flowtrap.manager.users;

import io.flowtrap.testkit.ElasticsearchNode;
import java.util.List;
import java.util.UUID;

/**
 * The real Elasticsearch these tests keep users and keys in (testkit's node), each test in indices
 * of its own ({@code ut-<random>-users}, {@code ut-<random>-keys}), reached as the commands reach it.
 */
final class TestElasticsearch {
    final ElasticsearchNode node = ElasticsearchNode.shared();
    final String prefix = "ut-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** The Spring arguments that say where: as a command or the manager takes them. */
    List<String> arguments() {
        return List.of("--spring.elasticsearch.uris=" + node.url(), "--flowtrap.state-index-prefix=" + prefix);
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
