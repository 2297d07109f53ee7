package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One result named as an input of a merge or a filter: its {@code kind} ({@code capture}, {@code
 * search}, {@code merge}, {@code filter} or {@code extraction}), its {@code id}, and optionally one {@code probe}'s part
 * of a capture or search (absent: the merged pcap; the same as the id {@code <id>:<probe>}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultRef(String kind, String id, String probe) {}
