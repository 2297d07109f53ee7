package io.flowtrap.manager.web;

import io.flowtrap.manager.errors.DomainException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.function.ServerRequest;

/**
 * What every feature's page handlers share: a page's model starting with the signed-in user (the
 * layout shows it), and the status a refused action's page is answered with, the same as the REST
 * API's for that kind of failure ({@link ApiExceptionHandler#status}).
 */
public final class GuiPages {
    private GuiPages() {}

    /** A new model holding {@code user}, the signed-in user's name, when there is one. */
    public static Map<String, Object> model(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        request.principal().ifPresent(p -> model.put("user", p.getName()));
        return model;
    }

    /** The HTTP status of a page that shows a {@code kind} of refusal. */
    public static HttpStatus status(DomainException.Kind kind) {
        return ApiExceptionHandler.status(kind);
    }
}
