package io.flowtrap.manager.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowtrap.manager.audit.Audited;
import io.flowtrap.manager.elasticsearch.StateIndices;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import io.flowtrap.manager.probes.ManagedProbe;
import io.flowtrap.manager.probes.ProbeRegistry;
import io.flowtrap.schemas.DocumentSchema;
import io.flowtrap.schemas.DocumentSchema.Document;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Templates, the template each probe follows and its overrides, and what follows from them: each
 * probe's effective settings (inherited or overridden) and its pending modifications (effective
 * against what the probe last reported or accepted). A probe seen for the first time follows the
 * template {@value #DEFAULT_TEMPLATE} with overrides for every setting where the probe's own value
 * (as it reports it) differs, so nothing it runs with changes until someone says so; the first
 * probe heard gives {@value #DEFAULT_TEMPLATE} its values if there is no such template yet (else
 * the probe's documented defaults). Every change is in Elasticsearch before it counts (an outage
 * is an UNAVAILABLE, the change not made), and in the audit trail. Thread-safe (writes one at a time).
 */
@Component
public class SettingsCatalog {
    public static final String DEFAULT_TEMPLATE = "default";
    private static final Logger log = LoggerFactory.getLogger(SettingsCatalog.class);
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,99}");
    /** The probe's documented defaults (ops/probe/probe.yaml), for a default template no probe has reported yet. */
    private static final Map<String, String> PROBE_DEFAULTS = Map.of(Setting.PCAP_EXTRACTION_ON_ALERTS.key(), "true",
            Setting.CAPTURE_FILTER.key(), "", Setting.LOOKBACK_SIZE.key(), "256MB", Setting.STORE_MAX_SIZE.key(), "100GB",
            Setting.STORE_SEGMENT_SIZE.key(), "256MB", Setting.STORE_SEGMENT_AGE.key(), "10m");

    private final SettingsTemplates templates;
    private final ProbeAssignments assignments;
    private final StateIndices indices;
    private final ProbeRegistry probes;
    private final ApplicationEventPublisher audit;
    private final SettingsProperties properties;

    SettingsCatalog(SettingsTemplates templates, ProbeAssignments assignments, StateIndices indices, ProbeRegistry probes,
            ApplicationEventPublisher audit, SettingsProperties properties) {
        this.templates = templates;
        this.assignments = assignments;
        this.indices = indices;
        this.probes = probes;
        this.audit = audit;
        this.properties = properties;
    }

    /** One setting of one probe: its effective value, whether overridden, the template's value, what the probe reported. */
    public record Effective(Setting setting, String value, boolean overridden, String templateValue, String reported) {
        public boolean pending() {
            return !Objects.equals(value, reported);
        }
    }

    /** A probe's pending modifications: each setting whose effective value is not what the probe reported. */
    public record Pending(String probe, String template, boolean everHeard, long reportedMs, List<Effective> changes) {}

    public List<SettingsTemplate> templates() {
        List<SettingsTemplate> list = new ArrayList<>(
                indices.readAll(Document.SETTINGS_TEMPLATE, SettingsTemplate.KIND, SettingsTemplate.class, "read the templates"));
        list.sort((a, b) -> a.name().compareTo(b.name()));
        return list;
    }

    public Optional<SettingsTemplate> template(String name) {
        return indices.call(Document.SETTINGS_TEMPLATE, SettingsTemplate.KIND, "read template " + name, () -> templates.findById(name));
    }

    /** The probes that follow {@code template}, by name. */
    public List<String> followers(String template) {
        return assignmentsByProbe().values().stream().filter(a -> a.template().equals(template)).map(ProbeAssignment::probe).toList();
    }

    /**
     * Creates ({@code create}) or edits a template with {@code raw} values (every setting); INVALID names what
     * is wrong (nothing saved), CONFLICT for a name taken, UNAVAILABLE for Elasticsearch.
     */
    public synchronized SettingsTemplate saveTemplate(String name, Map<String, String> raw, boolean create, String user) {
        String n = name == null ? "" : name.strip();
        if (!TEMPLATE_NAME.matcher(n).matches()) {
            throw new DomainException(Kind.INVALID, "invalid template name",
                    "a template name is 1-100 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            values.put(s.key(), canonical(s, raw.get(s.key())));
        }
        validate(values);
        Optional<SettingsTemplate> existing = template(n);
        if (create && existing.isPresent()) {
            throw new DomainException(Kind.CONFLICT, "template exists", "a template named " + n + " exists already: edit it");
        }
        if (!create && existing.isEmpty()) {
            throw new DomainException(Kind.NOT_FOUND, "unknown template", "no template named " + n);
        }
        SettingsTemplate t = new SettingsTemplate(n, values, System.currentTimeMillis(), user);
        indices.call(Document.SETTINGS_TEMPLATE, SettingsTemplate.KIND, "save template " + n, () -> templates.save(t));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("template", n);
        details.put("changes", changes(existing.map(SettingsTemplate::values).orElse(Map.of()), values));
        audit.publishEvent(new Audited(user, create ? "template.create" : "template.edit", details));
        return t;
    }

    /** Each known probe's settings assignment, creating those of probes seen for the first time. */
    public Map<String, ProbeAssignment> assignmentsByProbe() {
        Map<String, ProbeAssignment> byProbe = new TreeMap<>();
        indices.readAll(Document.PROBE_ASSIGNMENT, ProbeAssignment.KIND, ProbeAssignment.class, "read the probes' settings")
                .forEach(a -> byProbe.put(a.probe(), a));
        for (ManagedProbe p : probes.records()) {
            if (!byProbe.containsKey(p.name())) {
                byProbe.put(p.name(), firstSight(p.name()));
            }
        }
        byProbe.keySet().retainAll(probes.records().stream().map(ManagedProbe::name).toList());
        return byProbe;
    }

    public ProbeAssignment assignment(String probe) {
        probes.require(probe);
        ProbeAssignment a = assignmentsByProbe().get(probe);
        if (a == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown probe", "no probe named " + probe);
        }
        return a;
    }

    /** The effective settings of {@code probe}, in {@link Setting}'s order. */
    public List<Effective> effective(String probe) {
        return effective(assignment(probe));
    }

    List<Effective> effective(ProbeAssignment a) {
        Map<String, String> template = template(a.template()).map(SettingsTemplate::values).orElse(Map.of());
        List<Effective> list = new ArrayList<>();
        for (Setting s : Setting.values()) {
            boolean overridden = a.overrides().containsKey(s.key());
            String tv = template.get(s.key());
            list.add(new Effective(s, overridden ? a.overrides().get(s.key()) : tv, overridden, tv, a.reported().get(s.key())));
        }
        return list;
    }

    /** The probes with pending modifications, by name. */
    public List<Pending> pending() {
        List<Pending> list = new ArrayList<>();
        for (ProbeAssignment a : assignmentsByProbe().values()) {
            List<Effective> changes = effective(a).stream().filter(Effective::pending).toList();
            if (!changes.isEmpty()) {
                list.add(new Pending(a.probe(), a.template(), !a.reported().isEmpty(), a.reportedMs(), changes));
            }
        }
        return list;
    }

    /** Makes {@code probe} follow {@code template} (its overrides stay). */
    public synchronized void follow(String probe, String template, String user) {
        if (template(template).isEmpty()) {
            throw new DomainException(Kind.NOT_FOUND, "unknown template", "no template named " + template);
        }
        ProbeAssignment a = assignment(probe);
        save(a.withTemplate(template));
        audit.publishEvent(new Audited(user, "probe.template", Map.of("probe", probe, "from", a.template(), "to", template)));
    }

    /** Overrides one setting on one probe. */
    public synchronized void override(String probe, String key, String value, String user) {
        Setting s = setting(key);
        ProbeAssignment a = assignment(probe);
        String v = canonical(s, value);
        Map<String, String> o = new LinkedHashMap<>(a.overrides());
        o.put(s.key(), v);
        Map<String, String> values = new LinkedHashMap<>();
        effective(a).forEach(e -> values.put(e.setting().key(), e.value()));
        values.put(s.key(), v);
        validate(values);
        save(a.withOverrides(o));
        audit.publishEvent(new Audited(user, "override.set", Map.of("probe", probe, "setting", s.key(), "value", v)));
    }

    /** Clears one setting's override on one probe: it inherits its template's value again. */
    public synchronized void clearOverride(String probe, String key, String user) {
        Setting s = setting(key);
        ProbeAssignment a = assignment(probe);
        Map<String, String> o = new LinkedHashMap<>(a.overrides());
        if (o.remove(s.key()) == null) {
            throw new DomainException(Kind.INVALID, "not overridden", probe + " does not override " + s.label());
        }
        save(a.withOverrides(o));
        audit.publishEvent(new Audited(user, "override.clear", Map.of("probe", probe, "setting", s.key())));
    }

    /** Takes what the probe answered (its settings part) as what it reported now. */
    synchronized void reported(String probe, JsonNode answer) {
        Map<String, String> values = read(answer.path("settings"));
        ProbeAssignment a = assignment(probe);
        save(a.withReported(values, answer.path("version").asLong()));
    }

    /** A probe-settings document of {@code values} based on {@code version}. */
    static ObjectNode document(Map<String, String> values, long version) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode doc = f.objectNode().put("version", version)
                .put("pcap_extraction_on_alerts", Boolean.parseBoolean(values.get(Setting.PCAP_EXTRACTION_ON_ALERTS.key())));
        doc.putObject("capture").put("filter", values.get(Setting.CAPTURE_FILTER.key()));
        doc.putObject("lookback").put("size", values.get(Setting.LOOKBACK_SIZE.key()));
        doc.putObject("store").put("max_size", values.get(Setting.STORE_MAX_SIZE.key()))
                .put("segment_size", values.get(Setting.STORE_SEGMENT_SIZE.key()))
                .put("segment_age", values.get(Setting.STORE_SEGMENT_AGE.key()));
        return doc;
    }

    private ProbeAssignment firstSight(String probe) {
        Map<String, String> reported = Map.of();
        long version = 0;
        try {
            JsonNode answer = probes.require(probe).settings(properties.timeout()).orElse(null);
            if (answer == null) {
                log.info("settings: {} has no run-time settings API: it follows {} without overrides", probe, DEFAULT_TEMPLATE);
            } else {
                reported = read(answer.path("settings"));
                version = answer.path("version").asLong();
            }
        } catch (DomainException e) {
            log.info("settings: {} not heard at first sight ({}): it follows {} without overrides", probe, e.detail(), DEFAULT_TEMPLATE);
        }
        Map<String, String> base = template(DEFAULT_TEMPLATE).map(SettingsTemplate::values).orElse(null);
        if (base == null) {
            base = reported.isEmpty() ? PROBE_DEFAULTS : reported;
            SettingsTemplate t = new SettingsTemplate(DEFAULT_TEMPLATE, base, System.currentTimeMillis(), "system");
            indices.call(Document.SETTINGS_TEMPLATE, SettingsTemplate.KIND, "create the default template", () -> templates.save(t));
            log.info("settings: template {} created from {}", DEFAULT_TEMPLATE, reported.isEmpty() ? "the probe's defaults" : probe);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : reported.entrySet()) {
            if (!e.getValue().equals(base.get(e.getKey()))) {
                overrides.put(e.getKey(), e.getValue());
            }
        }
        ProbeAssignment a = new ProbeAssignment(probe, DEFAULT_TEMPLATE, overrides, reported, version,
                reported.isEmpty() ? 0 : System.currentTimeMillis(), System.currentTimeMillis());
        save(a);
        return a;
    }

    private void save(ProbeAssignment a) {
        indices.call(Document.PROBE_ASSIGNMENT, ProbeAssignment.KIND, "save the settings of " + a.probe(), () -> assignments.save(a));
    }

    private static Map<String, String> read(JsonNode settings) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            values.put(s.key(), s.canonical(s.read(settings)));
        }
        return values;
    }

    private static Setting setting(String key) {
        return Setting.byKey(key).orElseThrow(() -> new DomainException(Kind.INVALID, "unknown setting", "no setting named " + key));
    }

    private static String canonical(Setting s, String value) {
        try {
            return s.canonical(value);
        } catch (IllegalArgumentException e) {
            throw new DomainException(Kind.INVALID, "invalid setting", e.getMessage());
        }
    }

    /** What the probe-settings schema says of these values (the probe checks more: libpcap, size relations). */
    private static void validate(Map<String, String> values) {
        List<String> violations = DocumentSchema.of(Document.PROBE_SETTINGS).validate(document(values, 0));
        if (!violations.isEmpty()) {
            throw new DomainException(Kind.INVALID, "invalid settings", String.join("; ", violations));
        }
    }

    private static Map<String, Object> changes(Map<String, String> from, Map<String, String> to) {
        Map<String, Object> changes = new LinkedHashMap<>();
        to.forEach((k, v) -> {
            if (!v.equals(from.get(k))) {
                changes.put(k, from.containsKey(k) ? from.get(k) + " -> " + v : v);
            }
        });
        return changes;
    }
}
