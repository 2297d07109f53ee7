package io.flowtrap.manager.web;

import io.flowtrap.manager.elasticsearch.ElasticsearchHealth;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /rest/health}, no token: 200 when the manager can use Elasticsearch, 503 with the
 * reason when it cannot (for monitoring, a service manager, and an operator after a config change).
 */
@RestController
class HealthController {
    /** The answer: {@code ok} or {@code unavailable}, and Elasticsearch's part. */
    record Health(String status, Part elasticsearch) {}

    /** One dependency's state ({@code ok}, {@code unreachable}, {@code untrusted}, {@code refused}) and why. */
    record Part(String status, String detail) {}

    private final ElasticsearchHealth elasticsearch;

    HealthController(ElasticsearchHealth elasticsearch) {
        this.elasticsearch = elasticsearch;
    }

    @GetMapping({"/rest/health", "/rest/health/"})
    ResponseEntity<Health> health() {
        ElasticsearchHealth.Status es = elasticsearch.current();
        Health body = new Health(es.ok() ? "ok" : "unavailable", new Part(es.state().name().toLowerCase(java.util.Locale.ROOT), es.detail()));
        return ResponseEntity.status(es.ok() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }
}
