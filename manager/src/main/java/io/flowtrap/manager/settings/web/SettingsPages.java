package io.flowtrap.manager.settings.web;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.settings.ApplyChanges;
import io.flowtrap.manager.settings.ApplyTask;
import io.flowtrap.manager.settings.ProbeAssignment;
import io.flowtrap.manager.settings.Setting;
import io.flowtrap.manager.settings.SettingsCatalog;
import io.flowtrap.manager.settings.SettingsTemplate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The settings pages. {@code GET /appliances/<probe>/settings}: the probe's Settings tab, each
 * setting's effective value with an inherited or overridden badge, the template it follows (admins:
 * {@code POST …/settings/template}), an override per setting ({@code POST …/settings/override},
 * {@code POST …/settings/clear}). {@code GET /templates}, {@code GET /templates/<name>}: the
 * templates, their settings and the probes following each (admins: {@code POST /templates},
 * {@code POST /templates/<name>}). {@code GET /changes}: Pending modifications per probe (what it
 * reported → what it would get) with Apply changes ({@code POST /changes/apply}) and the recent
 * tasks. A refused change shows why and keeps what was typed; an Elasticsearch outage says so and
 * changes nothing.
 */
final class SettingsPages {
    private static final int TASKS_SHOWN = 50;

    private final SettingsCatalog catalog;
    private final ApplyChanges apply;

    SettingsPages(SettingsCatalog catalog, ApplyChanges apply) {
        this.catalog = catalog;
        this.apply = apply;
    }

    /** A task as the list shows it. */
    record TaskRow(String id, String probe, String requestedBy, String created, String state, String result, String duration,
            int retries, String nextTry, String error, String note) {
        static TaskRow of(ApplyTask t) {
            return new TaskRow(t.id(), t.probe(), t.requestedBy(), time(t.createdMs()), t.state(), t.result(),
                    t.startedMs() == 0 ? "-" : t.durationMs() + " ms", t.retries(),
                    t.state().equals(ApplyTask.SCHEDULED) && t.retries() > 0 ? time(t.nextTryMs()) : "", t.error(), t.note());
        }
    }

    // --- a probe's Settings tab

    ServerResponse probeSettings(ServerRequest request) {
        return probePage(request, request.pathVariable("name"), new HashMap<>());
    }

    ServerResponse follow(ServerRequest request) {
        String probe = request.pathVariable("name");
        String template = request.param("template").orElse("");
        return change(request, probe, () -> catalog.follow(probe, template, user(request).getName()),
                probe + " follows template " + template + " now.");
    }

    ServerResponse override(ServerRequest request) {
        String probe = request.pathVariable("name");
        String key = request.param("setting").orElse("");
        String value = request.param("value").orElse("");
        Map<String, Object> model = new HashMap<>();
        try {
            catalog.override(probe, key, value, user(request).getName());
            model.put("notice", Setting.byKey(key).map(Setting::label).orElse(key) + " overridden on " + probe
                    + ": a pending modification until Apply changes.");
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
            model.put("typedSetting", key);
            model.put("typedValue", value);
        }
        return probePage(request, probe, model);
    }

    ServerResponse clear(ServerRequest request) {
        String probe = request.pathVariable("name");
        String key = request.param("setting").orElse("");
        return change(request, probe, () -> catalog.clearOverride(probe, key, user(request).getName()),
                Setting.byKey(key).map(Setting::label).orElse(key) + " inherited from the template again.");
    }

    private ServerResponse change(ServerRequest request, String probe, Runnable change, String notice) {
        Map<String, Object> model = new HashMap<>();
        try {
            change.run();
            model.put("notice", notice);
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
        }
        return probePage(request, probe, model);
    }

    private ServerResponse probePage(ServerRequest request, String probe, Map<String, Object> model) {
        model.putAll(base(request));
        model.put("probe", probe);
        try {
            ProbeAssignment a = catalog.assignment(probe);
            model.put("assignment", a);
            model.put("settings", catalog.effective(probe));
            model.put("templates", catalog.templates().stream().map(SettingsTemplate::name).toList());
            model.put("reportedAt", a.reportedMs() == 0 ? "never" : time(a.reportedMs()));
            apply.inFlight(probe).ifPresent(t -> model.put("inFlight", TaskRow.of(t)));
        } catch (DomainException e) {
            model.putIfAbsent("message", e.getMessage() + ": " + e.detail());
            model.put("settings", List.of());
            model.put("templates", List.of());
        }
        return ServerResponse.ok().render("probe-settings", model);
    }

    // --- templates

    ServerResponse templates(ServerRequest request) {
        return templatesPage(request, new HashMap<>());
    }

    ServerResponse template(ServerRequest request) {
        return templatePage(request, request.pathVariable("name"), new HashMap<>(), null);
    }

    ServerResponse createTemplate(ServerRequest request) {
        String name = request.param("name").orElse("").strip();
        Map<String, String> values = typed(request);
        Map<String, Object> model = new HashMap<>();
        try {
            catalog.saveTemplate(name, values, true, user(request).getName());
            model.put("notice", "Template " + name + " made.");
            return templatePage(request, name, model, null);
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
            model.put("newName", name);
            model.put("newValues", values);
            return templatesPage(request, model);
        }
    }

    ServerResponse saveTemplate(ServerRequest request) {
        String name = request.pathVariable("name");
        Map<String, String> values = typed(request);
        Map<String, Object> model = new HashMap<>();
        try {
            catalog.saveTemplate(name, values, false, user(request).getName());
            model.put("notice", "Template " + name + " saved: its probes have pending modifications where it changed"
                    + " (and they do not override it) until Apply changes.");
            return templatePage(request, name, model, null);
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
            return templatePage(request, name, model, values);
        }
    }

    private ServerResponse templatesPage(ServerRequest request, Map<String, Object> model) {
        model.putAll(base(request));
        model.put("allSettings", Setting.values());
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SettingsTemplate t : catalog.templates()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", t.name());
                row.put("values", t.values());
                row.put("followers", catalog.followers(t.name()));
                rows.add(row);
            }
            model.put("rows", rows);
            if (!model.containsKey("newValues")) {
                model.put("newValues", catalog.template(SettingsCatalog.DEFAULT_TEMPLATE).map(SettingsTemplate::values).orElse(Map.of()));
            }
        } catch (DomainException e) {
            model.putIfAbsent("message", e.getMessage() + ": " + e.detail());
            model.put("rows", List.of());
            model.putIfAbsent("newValues", Map.of());
        }
        return ServerResponse.ok().render("templates", model);
    }

    private ServerResponse templatePage(ServerRequest request, String name, Map<String, Object> model, Map<String, String> typed) {
        model.putAll(base(request));
        model.put("name", name);
        model.put("allSettings", Setting.values());
        try {
            Optional<SettingsTemplate> t = catalog.template(name);
            if (t.isEmpty()) {
                model.putIfAbsent("message", "No template named " + name + ".");
                model.put("values", Map.of());
                model.put("followers", List.of());
            } else {
                model.put("values", typed != null ? typed : t.get().values());
                model.put("followers", catalog.followers(name));
                model.put("updated", time(t.get().updatedMs()) + " by " + t.get().updatedBy());
            }
        } catch (DomainException e) {
            model.putIfAbsent("message", e.getMessage() + ": " + e.detail());
            model.put("values", typed != null ? typed : Map.of());
            model.put("followers", List.of());
        }
        return ServerResponse.ok().render("template", model);
    }

    /** The settings as a form posts them: each by its key; an unticked box is absent, so false. */
    private static Map<String, String> typed(ServerRequest request) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            values.put(s.key(), request.param(s.key()).orElse(s.isBoolean() ? "false" : ""));
        }
        return values;
    }

    // --- pending modifications, Apply changes, tasks

    ServerResponse changes(ServerRequest request) {
        return changesPage(request, new HashMap<>());
    }

    ServerResponse applyChanges(ServerRequest request) {
        Map<String, Object> model = new HashMap<>();
        try {
            ApplyChanges.Report report = apply.apply(user(request).getName());
            if (report.scheduled().isEmpty() && report.alreadyInFlight().isEmpty()) {
                model.put("notice", "Nothing to apply: no probe has pending modifications.");
            } else if (!report.scheduled().isEmpty()) {
                model.put("notice", "Apply changes: a task for " + String.join(", ",
                        report.scheduled().stream().map(ApplyTask::probe).toList()) + ".");
            }
            if (!report.alreadyInFlight().isEmpty()) {
                model.put("inFlightMessage", "Not applied again (a task is in flight, not merged; apply once it has finished): "
                        + String.join(", ", report.alreadyInFlight().stream().map(t -> t.probe() + " (" + t.id() + ", "
                                + t.state() + ")").toList()) + ".");
            }
        } catch (DomainException e) {
            model.put("message", e.getMessage() + ": " + e.detail());
        }
        return changesPage(request, model);
    }

    private ServerResponse changesPage(ServerRequest request, Map<String, Object> model) {
        model.putAll(base(request));
        try {
            model.put("pending", catalog.pending());
        } catch (DomainException e) {
            model.putIfAbsent("message", e.getMessage() + ": " + e.detail());
            model.put("pending", List.of());
        }
        try {
            model.put("tasks", apply.recent(TASKS_SHOWN).stream().map(TaskRow::of).toList());
        } catch (DomainException e) {
            model.putIfAbsent("message", e.getMessage() + ": " + e.detail());
            model.put("tasks", List.of());
        }
        return ServerResponse.ok().render("changes", model);
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

    static String time(long ms) {
        return ms <= 0 ? "-" : Instant.ofEpochMilli(ms).toString();
    }
}
