package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code GET /rest/results/}: the results asked for ({@code ?kind=}, {@code ?tag=}), of every kind, newest first. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultsPage(long count, List<ResultAnswer> results) {}
