package io.flowtrap.manager.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * rest-api's OpenAPI documents against the manager that runs: the (method, path) pairs Spring MVC
 * maps are exactly those openapi.yaml documents; every operation's token rule and roles are the
 * ones the security chain enforces; every {@code $ref} of openapi.yaml and probe-openapi.yaml names
 * a schema of flowtrap-schemas on the classpath (by its {@code $id}) or a part of the same document.
 * The application context runs on a mock servlet environment: no port; its keys are in the real
 * Elasticsearch (testkit's node), in state and alert indices of this test's own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.MOCK)
@AutoConfigureMockMvc
class OpenApiContractTest {
    private static final String MANAGER_DOC = "io/flowtrap/api/openapi.yaml";
    private static final String PROBE_DOC = "io/flowtrap/api/probe-openapi.yaml";
    private static final String SCHEMA_BASE = "https://flowtrap.io/schemas/";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{[^}]+}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) throws IOException {
        // under target/: the context (and its tokens) outlives the test class, and mvn clean removes it
        Path target = Files.createDirectories(Path.of("target"));
        Path dataDir = Files.createTempDirectory(target, "openapi-test-");
        registry.add("flowtrap.data-dir", dataDir::toString);
        // the real Elasticsearch (testkit's node), where the keys are; the state and alert indices this test's own
        String prefix = "ut-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        registry.add("spring.elasticsearch.uris", () -> io.flowtrap.testkit.ElasticsearchNode.shared().url());
        registry.add("flowtrap.state-index-prefix", () -> prefix + "state-");
        registry.add("flowtrap.alert-index-prefix", () -> prefix + "alerts-");
        registry.add("flowtrap.flow-index-prefix", () -> prefix + "flows-");
    }

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Autowired
    MockMvc mvc;

    @Autowired
    TokenStore tokens;

    private static JsonNode managerDoc;
    private static JsonNode probeDoc;

    @BeforeAll
    static void readDocuments() throws IOException {
        managerDoc = yaml(MANAGER_DOC);
        probeDoc = yaml(PROBE_DOC);
    }

    @Test
    void theManagerServesExactlyTheDocumentedMethodsAndPaths() {
        Set<String> served = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mappings.getHandlerMethods().entrySet()) {
            RequestMappingInfo info = e.getKey();
            Set<String> patterns = info.getPatternValues();
            if (patterns.equals(Set.of("/error"))) {
                continue; // Boot's error dispatch (ApiErrorController), never called by clients
            }
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            assertThat(methods).as("%s maps %s to every method", e.getValue(), patterns).isNotEmpty();
            for (RequestMethod method : methods) {
                for (String pattern : patterns) {
                    served.add(method.name() + " " + normalized(pattern));
                }
            }
        }
        Set<String> documented = new TreeSet<>();
        for (Operation op : operations(managerDoc)) {
            documented.add(op.method() + " " + normalized(op.path()));
        }

        assertThat(documented).hasSize(40);
        assertThat(served).isEqualTo(documented);
    }

    @Test
    void everyOperationAnswers401WithoutAKeyAnd403ExactlyToTheRolesItDoesNotList() throws Exception {
        Map<Role, String> keys = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            keys.put(role, tokens.create(role, role == Role.PROBE ? "openapi-probe" : null, "openapi-test").key());
        }
        List<Operation> operations = operations(managerDoc);
        assertThat(operations).isNotEmpty();
        for (Operation op : operations) {
            String uri = PATH_VARIABLE.matcher(op.path()).replaceAll("no-such-job");
            JsonNode security = op.node().has("security") ? op.node().get("security") : managerDoc.get("security");
            boolean open = security.isEmpty();
            MvcResult anonymous = mvc.perform(request(HttpMethod.valueOf(op.method()), uri)).andReturn();
            if (open) {
                // not refused: 200, or what the call documents (health: 503, Elasticsearch is not there in this test)
                int status = anonymous.getResponse().getStatus();
                assertThat(status).as("%s without a key", op).isNotIn(401, 403);
                assertThat(op.node().path("responses").has(String.valueOf(status))).as("%s documents its %d", op, status).isTrue();
                continue;
            }
            assertThat(security.toString()).as("%s security", op).isEqualTo("[{\"Token\":[]}]");
            assertThat(anonymous.getResponse().getStatus()).as("%s without a key", op).isEqualTo(401);
            assertThat(anonymous.getResponse().getHeader("WWW-Authenticate")).isEqualTo(ApiToken.SCHEME);
            assertThat(op.node().at("/responses/401/$ref").asText()).as("%s documents the 401", op)
                    .isEqualTo("#/components/responses/Unauthorized");
            assertThat(op.node().at("/responses/403/$ref").asText()).as("%s documents the 403", op)
                    .isEqualTo("#/components/responses/Forbidden");

            Set<String> roles = new TreeSet<>();
            op.node().path("x-roles").forEach(r -> roles.add(r.asText()));
            assertThat(roles).as("%s x-roles", op).isNotEmpty();
            for (Role role : Role.values()) {
                MvcResult answer = mvc.perform(request(HttpMethod.valueOf(op.method()), uri)
                        .header("Authorization", ApiToken.SCHEME + " " + keys.get(role))).andReturn();
                int status = answer.getResponse().getStatus();
                boolean allowed = roles.contains(role.name().toLowerCase(Locale.ROOT));
                assertThat(status).as("%s with a %s key: %s", op, role, answer.getResponse().getContentAsString())
                        .matches(s -> allowed ? s != 403 && s != 401 : s == 403);
                assertThat(op.node().path("responses").has(String.valueOf(status)))
                        .as("%s documents the %d it answered a %s key", op, status, role).isTrue();
            }
        }
    }

    @Test
    void everyRefOfTheManagerDocumentNamesASchemaOnTheClasspathOrAPartOfTheDocument() throws IOException {
        List<String> refs = checkRefs(managerDoc);
        assertThat(refs).contains(SCHEMA_BASE + "error.schema.json", SCHEMA_BASE + "alerts-page.schema.json",
                SCHEMA_BASE + "upload-answer.schema.json", SCHEMA_BASE + "extraction-answer.schema.json",
                SCHEMA_BASE + "status-answer.schema.json", SCHEMA_BASE + "retrieve-answer.schema.json",
                SCHEMA_BASE + "appliances-answer.schema.json", SCHEMA_BASE + "rest-root.schema.json",
                SCHEMA_BASE + "manager-health.schema.json",
                SCHEMA_BASE + "eve-alert.schema.json", SCHEMA_BASE + "ingest-event.schema.json",
                SCHEMA_BASE + "ingest-report.schema.json");
    }

    @Test
    void everyRefOfTheProbeDocumentNamesASchemaOnTheClasspathOrAPartOfTheDocument() throws IOException {
        List<String> refs = checkRefs(probeDoc);
        assertThat(refs).contains(SCHEMA_BASE + "error.schema.json", SCHEMA_BASE + "probe-health.schema.json",
                SCHEMA_BASE + "probe-store-status.schema.json", SCHEMA_BASE + "probe-carve-report.schema.json",
                SCHEMA_BASE + "eve-alert.schema.json", SCHEMA_BASE + "probe-settings.schema.json",
                SCHEMA_BASE + "probe-settings-answer.schema.json", SCHEMA_BASE + "probe-trigger.schema.json",
                SCHEMA_BASE + "probe-triggers-answer.schema.json");
        List<String> documented = new ArrayList<>();
        operations(probeDoc).forEach(op -> documented.add(op.method() + " " + op.path()));
        assertThat(documented).containsExactlyInAnyOrder("GET /api/v1/health", "GET /api/v1/store",
                "GET /api/v1/settings", "PUT /api/v1/settings", "GET /api/v1/triggers", "POST /api/v1/triggers",
                "DELETE /api/v1/triggers/{name}", "POST /api/v1/carves/{job}", "GET /api/v1/carves/{job}",
                "POST /api/v1/searches/{job}", "GET /api/v1/searches/{job}", "DELETE /api/v1/searches/{job}",
                "GET /api/v1/searches/{job}/progress", "GET /api/v1/store/coverage");
    }

    @Test
    void everyJsonAnswerIsAReferenceNotACopy() {
        for (JsonNode doc : List.of(managerDoc, probeDoc)) {
            for (Operation op : operations(doc)) {
                for (Map.Entry<String, JsonNode> response : op.node().path("responses").properties()) {
                    JsonNode resolved = resolveLocal(doc, response.getValue());
                    JsonNode schema = resolved.at("/content/application~1json/schema");
                    if (schema.isMissingNode()) {
                        assertThat(resolved.path("content").has("application/vnd.tcpdump.pcap"))
                                .as("%s %s has a JSON or pcap body", op, response.getKey()).isTrue();
                        continue;
                    }
                    assertThat(schema.size()).as("%s %s: only a $ref", op, response.getKey()).isEqualTo(1);
                    assertThat(schema.path("$ref").asText()).as("%s %s", op, response.getKey()).startsWith(SCHEMA_BASE);
                }
            }
        }
    }

    /** Checks every $ref of {@code doc}; returns the schema URLs referenced (without fragments). */
    private static List<String> checkRefs(JsonNode doc) throws IOException {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        List<String> schemas = new ArrayList<>();
        for (String ref : refs) {
            if (ref.startsWith("#")) {
                assertThat(doc.at(ref.substring(1)).isMissingNode()).as("local %s", ref).isFalse();
                continue;
            }
            assertThat(ref).as("a $ref names a flowtrap schema by its $id").startsWith(SCHEMA_BASE);
            int hash = ref.indexOf('#');
            String url = hash < 0 ? ref : ref.substring(0, hash);
            String file = url.substring(SCHEMA_BASE.length());
            JsonNode schema;
            try (InputStream in = resource("io/flowtrap/schemas/" + file)) {
                assertThat(in).as("%s on the classpath", ref).isNotNull();
                schema = JSON.readTree(in);
            }
            assertThat(schema.path("$id").asText()).as("$id of %s", file).isEqualTo(url);
            if (hash >= 0) {
                assertThat(schema.at(ref.substring(hash + 1)).isMissingNode()).as("%s points into %s", ref, file).isFalse();
            }
            schemas.add(url);
        }
        return schemas;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals("$ref")) {
                    assertThat(field.getValue().isTextual()).as("$ref %s", field.getValue()).isTrue();
                    refs.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }

    private static JsonNode resolveLocal(JsonNode doc, JsonNode node) {
        String ref = node.path("$ref").asText("");
        return ref.startsWith("#") ? doc.at(ref.substring(1)) : node;
    }

    record Operation(String method, String path, JsonNode node) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static List<Operation> operations(JsonNode doc) {
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (HTTP_METHODS.contains(op.getKey())) {
                    operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), op.getValue()));
                }
            }
        }
        return operations;
    }

    /** Trailing slashes dropped, path variables unnamed: {@code /a/{job}/b/} and {@code /a/{filename}/b} are one path. */
    private static String normalized(String path) {
        String p = PATH_VARIABLE.matcher(path).replaceAll("{}");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static JsonNode yaml(String name) throws IOException {
        try (InputStream in = resource(name)) {
            assertThat(in).as(name + " on the classpath").isNotNull();
            return YAML.readTree(in);
        }
    }

    private static InputStream resource(String name) {
        return OpenApiContractTest.class.getClassLoader().getResourceAsStream(name);
    }
}
