package io.flowtrap.manager.elasticsearch;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the manager keeps its own state in Elasticsearch (probes, templates, overrides, apply
 * tasks, the audit trail): indices named {@code <stateIndexPrefix><kind>}.
 *
 * @param stateIndexPrefix e.g. {@code flowtrap-} gives {@code flowtrap-probes}, {@code flowtrap-audit}
 * @param stateReadBatch how many documents one request reads when the manager reads a whole state index
 *     (every key, user, probe ...): at most the indices' {@code index.max_result_window} (10,000 by default)
 */
@ConfigurationProperties(prefix = "flowtrap")
public record StateIndexProperties(@DefaultValue("flowtrap-") String stateIndexPrefix, @DefaultValue("1000") int stateReadBatch) {}
