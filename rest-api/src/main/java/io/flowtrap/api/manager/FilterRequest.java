package io.flowtrap.api.manager;

/** The body of {@code POST /rest/filters/}: the packets of one result that a tcpdump filter keeps, as a new result. */
public record FilterRequest(ResultRef input, String filter) {}
