package io.flowtrap.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Validates a document flowtrap accepts or emits against its JSON Schema in this package, e.g.
 * {@code DocumentSchema.of(Document.EXTRACTION_ANSWER).validate(json)}. Each schema is loaded from
 * the classpath and compiled on first use, with the files it refers to; validators are thread-safe
 * and shared.
 *
 * <p>Every violation comes back as one line naming the JSON path of the offending value and the rule
 * it breaks, e.g. {@code $.packets: integer expected, string found}, worded as {@link AlertSchema}'s.
 */
public final class DocumentSchema {

    /** Each document, and the file of its schema. */
    public enum Document {
        /** A Suricata 7 EVE alert, or a hit of the alert search (upload's part, the probe's carve request). */
        EVE_ALERT("eve-alert.schema.json"),
        /** One NDJSON line a probe's shipper POSTs to {@code /api/ingest/events}. */
        INGEST_EVENT("ingest-event.schema.json"),
        /** What a probe's store holds of an alerted flow that ended: an ingest event of kind {@code flow}. */
        FLOW_RECORD("flow-record.schema.json"),
        /** A flow a probe's watchlist armed and the entry it matched, shaped as an EVE alert: an ingest event of kind {@code watchlist}. */
        WATCHLIST_EVENT("watchlist-event.schema.json"),
        /** The manager's answer to {@code POST /api/ingest/events}. */
        INGEST_REPORT("ingest-report.schema.json"),
        /** {@code alerts_tail}'s answer: {@code count}, {@code next}, {@code previous}, {@code results}. */
        ALERTS_PAGE("alerts-page.schema.json"),
        /** {@code upload}'s answer. */
        UPLOAD_ANSWER("upload-answer.schema.json"),
        /** {@code extract_pcap}'s answer. */
        EXTRACTION_ANSWER("extraction-answer.schema.json"),
        /** {@code status}'s answer, its 404 {@code unknown} included. */
        STATUS_ANSWER("status-answer.schema.json"),
        /** {@code retrieve}'s answer. */
        RETRIEVE_ANSWER("retrieve-answer.schema.json"),
        /** {@code GET /rest/appliances/}'s answer. */
        APPLIANCES_ANSWER("appliances-answer.schema.json"),
        /** {@code GET /rest}'s answer. */
        REST_ROOT("rest-root.schema.json"),
        /** {@code GET /rest/health}'s answer: whether the manager can use Elasticsearch, and why not. */
        MANAGER_HEALTH("manager-health.schema.json"),
        /** Every error of the manager and the probe API: {@code {"error", "detail"}}. */
        ERROR("error.schema.json"),
        /** The probe API's answer to {@code POST /api/v1/carves/<job>}. */
        PROBE_CARVE_REPORT("probe-carve-report.schema.json"),
        /** The probe API's answer to {@code GET /api/v1/store}. */
        PROBE_STORE_STATUS("probe-store-status.schema.json"),
        /** The probe API's answer to {@code GET /api/v1/health}. */
        PROBE_HEALTH("probe-health.schema.json"),
        /** The body of the probe API's {@code PUT /api/v1/settings}, and the probe's saved settings file. */
        PROBE_SETTINGS("probe-settings.schema.json"),
        /** The probe API's answer to {@code GET /api/v1/settings} and to an accepted PUT. */
        PROBE_SETTINGS_ANSWER("probe-settings-answer.schema.json"),
        /** A trigger: the body of the probe API's {@code POST /api/v1/triggers}, and each of its saved triggers. */
        PROBE_TRIGGER("probe-trigger.schema.json"),
        /** The probe API's answer to {@code GET}, {@code POST} and {@code DELETE /api/v1/triggers}. */
        PROBE_TRIGGERS_ANSWER("probe-triggers-answer.schema.json"),
        /** The body of the probe API's {@code POST /api/v1/searches/<job>}. */
        PROBE_SEARCH_REQUEST("probe-search-request.schema.json"),
        /** The probe API's answer to it. */
        PROBE_SEARCH_REPORT("probe-search-report.schema.json"),
        /** The probe API's answer to {@code GET /api/v1/searches/<job>/progress}: how far a running search has come. */
        PROBE_SEARCH_PROGRESS("probe-search-progress.schema.json"),
        /** The probe API's answer to {@code GET /api/v1/store/coverage}: what a search of a window would read. */
        PROBE_STORE_COVERAGE("probe-store-coverage.schema.json"),
        /** The body of the manager's {@code POST /rest/captures/}. */
        CAPTURE_REQUEST("capture-request.schema.json"),
        /** One capture as the manager answers it (create, detail, stop). */
        CAPTURE("capture.schema.json"),
        /** {@code GET /rest/captures/}'s answer. */
        CAPTURES_PAGE("captures-page.schema.json"),
        /** A probe the manager reaches, as kept in Elasticsearch (the key included, never shown back). */
        MANAGED_PROBE("managed-probe.schema.json"),
        /** A named set of probe settings, as kept in Elasticsearch. */
        SETTINGS_TEMPLATE("settings-template.schema.json"),
        /** The template a probe follows, its overrides and what it last reported, as kept in Elasticsearch. */
        PROBE_ASSIGNMENT("probe-assignment.schema.json"),
        /** One probe's task of an Apply changes, as kept in Elasticsearch. */
        APPLY_TASK("apply-task.schema.json"),
        /** One entry of the audit trail, as kept in Elasticsearch. */
        AUDIT_EVENT("audit-event.schema.json"),
        /** A GUI user (bcrypt hash, failures, lockout), as kept in Elasticsearch. */
        STORED_USER("stored-user.schema.json"),
        /** An API key (its digest, role, probe, owner, revocation), as kept in Elasticsearch. */
        API_KEY("api-key.schema.json"),
        /** The body of the manager's {@code POST /rest/searches/}. */
        SEARCH_REQUEST("search-request.schema.json"),
        /** One search as the manager answers it (create, detail, cancel), with each probe's part and progress. */
        SEARCH("search.schema.json"),
        /** {@code GET /rest/searches/}'s answer. */
        SEARCHES_PAGE("searches-page.schema.json"),
        /** The body of the manager's {@code POST /rest/merges/}. */
        MERGE_REQUEST("merge-request.schema.json"),
        /** The body of the manager's {@code POST /rest/filters/}. */
        FILTER_REQUEST("filter-request.schema.json"),
        /** One result of any kind (capture, search, merge, filter) as {@code /rest/results/} answers it. */
        RESULT("result.schema.json"),
        /** {@code GET /rest/results/}'s answer. */
        RESULTS_PAGE("results-page.schema.json"),
        /** The body of the manager's {@code POST /rest/watchlists/} and of a reload. */
        WATCHLIST_REQUEST("watchlist-request.schema.json"),
        /** One watchlist as the manager answers it (load, reload, detail, delete). */
        WATCHLIST("watchlist.schema.json"),
        /** {@code GET /rest/watchlists/}'s answer. */
        WATCHLISTS_PAGE("watchlists-page.schema.json"),
        /** A watchlist as kept in Elasticsearch: its text, source, probes and their triggers, who loaded it when. */
        STORED_WATCHLIST("stored-watchlist.schema.json"),
        /** The capture session of one watchlist entry, as kept in Elasticsearch. */
        STORED_WATCHLIST_SESSION("stored-watchlist-session.schema.json"),
        /** The body of {@code PATCH /rest/results/<kind>/<id>/}. */
        RESULT_LABELS("result-labels.schema.json"),
        /** A share link as the manager answers it. */
        SHARE_LINK("share-link.schema.json"),
        /** {@code GET /rest/shares/}'s answer. */
        SHARE_LINKS_PAGE("share-links-page.schema.json"),
        /** A Slack message: the slash command's answer, the result posted to its response URL. */
        CHAT_REPLY("chat-reply.schema.json");

        private final String file;

        Document(String file) {
            this.file = file;
        }

        /** The schema's file name in this package, e.g. {@code extraction-answer.schema.json}. */
        public String file() {
            return file;
        }

        /** The schema's {@code $id}, {@code https://flowtrap.io/schemas/<file>}. */
        public String id() {
            return ClasspathSchemas.ID_PREFIX + file;
        }

        /** The schema's absolute classpath location, e.g. {@code /io/flowtrap/schemas/<file>}. */
        public String resource() {
            return ClasspathSchemas.RESOURCE_PREFIX + file;
        }
    }

    private static final Map<Document, DocumentSchema> LOADED = new EnumMap<>(Document.class);

    private final Document document;
    private final JsonNode json;
    private final JsonSchema schema;

    private DocumentSchema(Document document) {
        this.document = document;
        this.json = ClasspathSchemas.read(document.file());
        this.schema = ClasspathSchemas.compile(document.file());
    }

    /** The validator of {@code document}, built on first use. */
    public static DocumentSchema of(Document document) {
        Objects.requireNonNull(document, "document");
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(document, DocumentSchema::new);
        }
    }

    /** Which document this validates. */
    public Document document() {
        return document;
    }

    /** A copy of the schema as JSON, for readers that derive something from it. */
    public JsonNode schema() {
        return json.deepCopy();
    }

    /**
     * The rules {@code json} breaks, one human-readable line each ({@code path: rule}); empty when it
     * is a valid document of its kind.
     */
    public List<String> validate(JsonNode json) {
        Objects.requireNonNull(json, "json");
        return ClasspathSchemas.validate(schema, json);
    }

    @Override
    public String toString() {
        return "DocumentSchema[" + document.file() + "]";
    }
}
