package io.flowtrap.manager.elasticsearch;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the manager keeps its own state in Elasticsearch (probes, templates, overrides, apply
 * tasks, the audit trail): indices named {@code <stateIndexPrefix><kind>}.
 *
 * @param stateIndexPrefix e.g. {@code flowtrap-} gives {@code flowtrap-probes}, {@code flowtrap-audit}
 */
@ConfigurationProperties(prefix = "flowtrap")
public record StateIndexProperties(@DefaultValue("flowtrap-") String stateIndexPrefix) {}
