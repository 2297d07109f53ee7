package io.flowtrap.manager.settings;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowtrap.manager.elasticsearch.StandaloneState;
import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.manager.probes.ProbesProperties;
import io.flowtrap.schemas.DocumentSchema.Document;
import io.flowtrap.testkit.ElasticsearchNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.elasticsearch.repository.config.EnableElasticsearchRepositories;

/**
 * The apply tasks a previous run left in flight are finished as failed at start, all of them however many tasks
 * are stored: in a real Elasticsearch (indices of this test's own) whose tasks index answers at most 50 a search,
 * with 120 finished tasks besides the ones in flight.
 */
class ApplyChangesAbandonedTest {
    /** The settings feature's repositories, for this test's context only. */
    @EnableElasticsearchRepositories(basePackageClasses = ApplyTasks.class)
    static final class Repositories {}

    @Test
    void everyTaskLeftInFlightIsFinishedAsFailedAndNoFinishedOneIsTouched() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        String prefix = "ut-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        try (ConfigurableApplicationContext context = StandaloneState.start(List.of("--spring.elasticsearch.uris=" + node.url(),
                "--flowtrap.state-index-prefix=" + prefix, "--flowtrap.state-read-batch=20"), Repositories.class)) {
            StateIndices indices = context.getBean(StateIndices.class);
            ApplyTasks tasks = context.getBean(ApplyTasks.class);
            assertThat(indices.readAll(Document.APPLY_TASK, ApplyTask.KIND, ApplyTask.class, "read")).isEmpty(); // the index, made
            assertThat(node.request("PUT", "/" + prefix + ApplyTask.KIND + "/_settings", "{\"index\":{\"max_result_window\":50}}")
                    .status()).isEqualTo(200);
            // those in flight made first: the oldest, below any newest-first page of the tasks
            ApplyTask scheduled = ApplyTask.scheduled("sensor-a", "bob", Map.of());
            ApplyTask running = ApplyTask.scheduled("sensor-b", "bob", Map.of()).running();
            List<ApplyTask> stored = new ArrayList<>(List.of(scheduled, running));
            for (int i = 0; i < 120; i++) {
                stored.add(ApplyTask.scheduled("sensor-" + i, "bob", Map.of()).running().finished(ApplyTask.SUCCESS, "", "", 1));
            }
            tasks.saveAll(stored);

            ProbeRegistry noProbes = new ProbeRegistry(new ProbesProperties(List.of(), Duration.ofSeconds(5), Duration.ofSeconds(2)),
                    new SimpleMeterRegistry(), null, null);
            try (ApplyChanges apply = new ApplyChanges(null, noProbes, tasks, indices, event -> {},
                    new SettingsProperties(5, Duration.ofSeconds(2), Duration.ofMinutes(1), 1, Duration.ofSeconds(10)))) {
                apply.finishAbandoned();
            }

            List<ApplyTask> after = indices.readAll(Document.APPLY_TASK, ApplyTask.KIND, ApplyTask.class, "read");
            assertThat(after).hasSize(122).noneMatch(ApplyTask::inFlight);
            assertThat(after).filteredOn(t -> List.of(scheduled.id(), running.id()).contains(t.id())).hasSize(2)
                    .allSatisfy(t -> {
                        assertThat(t.result()).isEqualTo(ApplyTask.FAILED);
                        assertThat(t.error()).contains("the manager stopped before this task finished");
                    });
            assertThat(after).filteredOn(t -> t.result().equals(ApplyTask.SUCCESS)).hasSize(120);
        }
    }
}
