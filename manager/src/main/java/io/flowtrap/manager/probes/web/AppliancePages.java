package io.flowtrap.manager.probes.web;

import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.probes.ApplianceStatus;
import io.flowtrap.manager.probes.ApplianceStatusBoard;
import io.flowtrap.manager.probes.ManagedProbe;
import io.flowtrap.manager.probes.ProbeRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.core.Authentication;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The Appliances page ({@code GET /appliances}): every probe with what it says of itself now
 * ({@link ApplianceStatusBoard}: reachable, last seen, settings version, store used and limit,
 * oldest and newest packet, days covered, segments, packets captured and dropped, armed flows,
 * look-back hit rate). Admins add ({@code POST /appliances}), edit ({@code GET
 * /appliances/<name>/edit}, {@code POST /appliances/<name>}) and remove ({@code POST
 * /appliances/<name>/remove}) probes; a probe's key is never shown back (left blank, it stays).
 * A refused form is shown again with what was typed and why.
 */
final class AppliancePages {
    private final ProbeRegistry registry;
    private final ApplianceStatusBoard board;
    private final ApplicationEventPublisher audit;

    AppliancePages(ProbeRegistry registry, ApplianceStatusBoard board, ApplicationEventPublisher audit) {
        this.registry = registry;
        this.board = board;
        this.audit = audit;
    }

    /** One row of the page, as shown. */
    record Row(String name, String url, String origin, boolean reachable, String error, String lastSeen, String version,
            String storeUsed, String storeLimit, String oldest, String newest, String daysCovered, String segments,
            String captured, String dropped, String armed, String hitRate, String software) {
        static Row of(ApplianceStatus s) {
            return new Row(s.name(), s.url(), s.origin(), s.reachable(), s.error(),
                    s.lastSeenMs() == 0 ? "never" : Instant.ofEpochMilli(s.lastSeenMs()).toString(), count(s.version()),
                    bytes(s.storeBytes()), bytes(s.storeMaxBytes()), time(s.oldestNs()), time(s.newestNs()),
                    s.daysCovered() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", s.daysCovered()), count(s.segments()),
                    count(s.packetsCaptured()), count(s.packetsDropped()), count(s.flowsArmed()),
                    s.lookbackHitRate() < 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", s.lookbackHitRate() * 100),
                    s.softwareVersion().isEmpty() ? "-" : s.softwareVersion());
        }
    }

    ServerResponse list(ServerRequest request) {
        return page(request, new HashMap<>());
    }

    ServerResponse editForm(ServerRequest request) {
        String name = request.pathVariable("name");
        Map<String, Object> model = base(request);
        ManagedProbe p = registry.record(name).orElse(null);
        if (p == null) {
            model.put("message", "No probe named " + name + ".");
            return page(request, model);
        }
        model.put("form", new Form(p.name(), p.url(), !p.caCertificate().isBlank()));
        return ServerResponse.ok().render("appliance-edit", model);
    }

    /** What the edit form shows: never the key, only whether a CA is set. */
    record Form(String name, String url, boolean hasCa) {}

    ServerResponse add(ServerRequest request) {
        String user = user(request).getName();
        String name = request.param("name").orElse("").strip();
        String url = request.param("url").orElse("");
        try {
            registry.save(name, url, request.param("token").orElse(""), request.param("ca").orElse(""), true, user);
            audit.publishEvent(new Audited(user, "probe.add", Map.of("probe", name, "url", url.strip())));
            Map<String, Object> model = new HashMap<>();
            model.put("notice", "Probe " + name + " added.");
            return page(request, model);
        } catch (DomainException e) {
            Map<String, Object> model = new HashMap<>();
            model.put("message", e.getMessage() + ": " + e.detail());
            model.put("addName", name);
            model.put("addUrl", url);
            model.put("addCa", request.param("ca").orElse(""));
            return page(request, model);
        }
    }

    ServerResponse edit(ServerRequest request) {
        String user = user(request).getName();
        String name = request.pathVariable("name");
        String url = request.param("url").orElse("");
        try {
            registry.save(name, url, request.param("token").orElse(""), request.param("ca").orElse(""), false, user);
            audit.publishEvent(new Audited(user, "probe.edit", Map.of("probe", name, "url", url.strip(),
                    "key_changed", !request.param("token").orElse("").isBlank(), "ca_changed", !request.param("ca").orElse("").isBlank())));
            Map<String, Object> model = new HashMap<>();
            model.put("notice", "Probe " + name + " saved.");
            return page(request, model);
        } catch (DomainException e) {
            Map<String, Object> model = base(request);
            model.put("message", e.getMessage() + ": " + e.detail());
            model.put("form", new Form(name, url, registry.record(name).map(p -> !p.caCertificate().isBlank()).orElse(false)));
            return ServerResponse.ok().render("appliance-edit", model);
        }
    }

    ServerResponse remove(ServerRequest request) {
        String user = user(request).getName();
        String name = request.pathVariable("name");
        Map<String, Object> model = new HashMap<>();
        try {
            registry.remove(name, user);
            audit.publishEvent(new Audited(user, "probe.remove", Map.of("probe", name)));
            model.put("notice", "Probe " + name + " removed.");
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
        }
        return page(request, model);
    }

    private ServerResponse page(ServerRequest request, Map<String, Object> model) {
        model.putAll(base(request));
        List<Row> rows = board.statuses().stream().map(Row::of).toList();
        model.put("rows", rows);
        return ServerResponse.ok().render("appliances", model);
    }

    private static Map<String, Object> base(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        Authentication user = user(request);
        model.put("user", user.getName());
        model.put("admin", user.getAuthorities().stream().anyMatch(a -> a.getAuthority().equals("ROLE_ADMIN")));
        return model;
    }

    private static Authentication user(ServerRequest request) {
        return (Authentication) request.principal().orElseThrow(() -> new IllegalStateException("no signed-in user"));
    }

    private static String count(long n) {
        return n < 0 ? "-" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String bytes(long n) {
        if (n < 0) {
            return "-";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String time(long ns) {
        return ns <= 0 ? "-" : Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L).toString();
    }
}
