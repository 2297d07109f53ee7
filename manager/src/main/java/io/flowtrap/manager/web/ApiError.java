package io.flowtrap.manager.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Every error the REST API answers: {@code {"error": what, "detail": why or what to do}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String detail) {}
