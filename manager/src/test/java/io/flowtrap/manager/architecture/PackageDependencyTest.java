package io.flowtrap.manager.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manager's layout by feature, as each package-info.java states it, checked on the sources:
 * every package has a rule here and a package-info.java; what a package uses (imported or written
 * out in full in code) is java.*, itself, or what its rule lists. So the domain of a feature uses
 * no web part and no HTTP type (domain code throws {@code errors.DomainException}; only {@code web}
 * chooses statuses), features use each other only as listed, and controllers and configuration
 * classes are not public.
 */
class PackageDependencyTest {
    private static final Path SOURCES = Path.of("src/main/java/io/flowtrap/manager");
    private static final String BASE = "io.flowtrap.manager";
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.*]+);", Pattern.MULTILINE);
    /** A fully qualified use in code: a lower-case dotted package followed by a type name. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.])((?:io\\.flowtrap|org\\.springframework|jakarta|com\\.fasterxml|co\\.elastic|org\\.apache|org\\.elasticsearch"
                    + "|io\\.micrometer|org\\.slf4j)(?:\\.[a-z_][\\w]*)*\\.[A-Z]\\w*)");
    // unrolled: the form (?:\\.|[^"\\])* recursed once per character and, JIT still cold, overflowed the
    // stack on a long match (the one SyslogMessage's '"' opens)
    private static final Pattern STRINGS = Pattern.compile("\"[^\"\\\\]*(?:\\\\.[^\"\\\\]*)*\"");
    private static final Pattern BLOCK_COMMENTS = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern LINE_COMMENTS = Pattern.compile("//[^\n]*");
    private static final Pattern PUBLIC_SPRING_PART = Pattern.compile(
            "@(RestController|Controller|Configuration|RestControllerAdvice)\\b[^\n]*\n(?:@[^\n]*\n)*public ");

    private static final List<String> SPRING_DOMAIN = List.of("org.springframework.stereotype",
            "org.springframework.boot.context.properties", "org.springframework.util.unit", "org.springframework.context.annotation",
            "org.springframework.scheduling", "io.micrometer", "com.fasterxml.jackson", "org.slf4j");
    private static final List<String> SPRING_WEB = List.of("org.springframework.web", "org.springframework.http",
            "org.springframework.core.io", "jakarta.servlet", "com.fasterxml.jackson", "org.slf4j");

    /** Package (relative to io/flowtrap/manager; "" is the application's own) → what it may use besides java.* and itself. */
    private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
            Map.entry("", List.of(BASE + ".users.TokenCommand", BASE + ".users.UserCommand", "org.springframework.boot", "org.springframework.scheduling.annotation")),
            Map.entry("errors", List.of()),
            // domains: their own feature, the features they are built on, the errors; no web part, no HTTP
            Map.entry("alerts", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".elasticsearch.ElasticsearchErrors", "io.flowtrap.schemas",
                    "io.flowtrap.api.manager",
                    "co.elastic.clients")),
            Map.entry("extraction", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".probes", "io.flowtrap.api",
                    "org.springframework.context.ApplicationEventPublisher")),
            Map.entry("captures", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".probes", BASE + ".pcap", BASE + ".audit.Audited",
                    "org.springframework.context.ApplicationEventPublisher", "org.springframework.context.event.EventListener",
                    "org.springframework.boot.context.event.ApplicationReadyEvent", "io.flowtrap.api.manager")),
            Map.entry("probes", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".elasticsearch.StateIndices", "io.flowtrap.api",
                    "io.flowtrap.schemas", "org.springframework.data")),
            Map.entry("settings", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".probes", BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher",
                    BASE + ".elasticsearch.StateIndices", "io.flowtrap.schemas", "org.springframework.data")),
            Map.entry("audit", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".elasticsearch.StateIndices", BASE + ".syslog",
                    "io.flowtrap.schemas",
                    "org.springframework.data", "org.springframework.context.event", "org.springframework.security.authentication",
                    "org.springframework.security.web.authentication.WebAuthenticationDetails")),
            Map.entry("searches", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".probes", BASE + ".pcap", BASE + ".audit.Audited",
                    "org.springframework.context.ApplicationEventPublisher", "io.flowtrap.api.manager")),
            Map.entry("results", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".captures.Captures", BASE + ".searches.Searches",
                    BASE + ".captures.CaptureDeleted", BASE + ".searches.SearchDeleted", "org.springframework.context.event.EventListener",
                    "org.springframework.boot.context.event.ApplicationReadyEvent",
                    BASE + ".pcap", BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher", "io.flowtrap.api.manager",
                    // the pcap chain's jobs as results of kind extraction
                    BASE + ".extraction.ExtractionJobs", BASE + ".extraction.Job")),
            Map.entry("sharing", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".results", BASE + ".audit.Audited",
                    "org.springframework.context.event.EventListener", "org.springframework.boot.context.event.ApplicationReadyEvent",
                    "org.springframework.context.ApplicationEventPublisher", "io.flowtrap.api.manager")),
            Map.entry("chatops", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".captures", BASE + ".sharing", BASE + ".audit.Audited",
                    "org.springframework.context.ApplicationEventPublisher", "io.flowtrap.api.manager", "io.flowtrap.schemas")),
            Map.entry("pcap", List.of("com.sun.jna")),
            Map.entry("watchlists", concat(SPRING_DOMAIN, BASE + ".errors", BASE + ".probes", BASE + ".alerts.WatchlistEventListener",
                    "io.flowtrap.api.manager", BASE + ".elasticsearch.StateIndices", "io.flowtrap.schemas", "org.springframework.data")),
            Map.entry("users", concat(SPRING_DOMAIN, "io.flowtrap.api", "org.springframework.security.crypto", BASE + ".errors",
                    BASE + ".elasticsearch.StateIndices", BASE + ".elasticsearch.StandaloneState", "io.flowtrap.schemas",
                    "org.springframework.data", "org.springframework.context.ConfigurableApplicationContext")),
            Map.entry("syslog", concat(SPRING_DOMAIN, "org.springframework.beans.factory.DisposableBean", "com.sun.jna")),
            Map.entry("elasticsearch", concat(SPRING_DOMAIN, BASE + ".errors", "io.flowtrap.schemas", "co.elastic.clients",
                    // StateIndices.readAll: a whole state index by a scroll
                    "org.springframework.data",
                    "org.springframework.boot.autoconfigure.elasticsearch",
                    // StandaloneState: the client and state indices for the commands, without the manager
                    "org.springframework.boot", "org.springframework.context.ConfigurableApplicationContext", "org.elasticsearch.client", "org.apache.http")),
            // each feature's REST part: its own domain (and what it is built on), the errors to throw
            Map.entry("alerts/web", concat(SPRING_WEB, BASE + ".alerts", BASE + ".errors", BASE + ".users", "io.flowtrap.api.manager",
                    "org.springframework.security.core",
                    // the Alerts pages: a probe's store and settings for the PCAP section, the navigation bar
                    BASE + ".probes", BASE + ".web.GuiNavigation", "io.flowtrap.api.JobName", "org.springframework.context.annotation")),
            Map.entry("extraction/web", concat(SPRING_WEB, BASE + ".extraction", BASE + ".probes", BASE + ".errors", BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher",
                    BASE + ".security.Callers", "org.springframework.security.core",
                    "io.flowtrap.api", "io.flowtrap.schemas")),
            Map.entry("captures/web", concat(SPRING_WEB, BASE + ".web.JsonRequests", BASE + ".web.GuiPages", BASE + ".captures", BASE + ".errors", BASE + ".users.TokenStore",
                    BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher",
                    "io.flowtrap.api.manager", "io.flowtrap.schemas", "org.springframework.security.core",
                    BASE + ".web.GuiNavigation", "org.springframework.context.annotation")),
            Map.entry("searches/web", concat(SPRING_WEB, BASE + ".web.JsonRequests", BASE + ".web.GuiPages", BASE + ".searches", BASE + ".errors", BASE + ".users.TokenStore",
                    "io.flowtrap.api.manager", "io.flowtrap.schemas", "org.springframework.security.core",
                    // the Searches pages: the navigation bar, their downloads audited
                    BASE + ".web.GuiNavigation", "org.springframework.context.annotation", BASE + ".audit.Audited",
                    "org.springframework.context.ApplicationEventPublisher")),
            Map.entry("watchlists/web", concat(SPRING_WEB, BASE + ".web.JsonRequests", BASE + ".web.GuiPages", BASE + ".watchlists", BASE + ".errors", "io.flowtrap.api.manager",
                    BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher",
                    "io.flowtrap.schemas", BASE + ".web.GuiNavigation", "org.springframework.context.annotation",
                    "org.springframework.util.MultiValueMap", "org.springframework.util.unit.DataSize",
                    "org.springframework.boot.autoconfigure.web.servlet.MultipartProperties")),
            Map.entry("results/web", concat(SPRING_WEB, BASE + ".web.JsonRequests", BASE + ".web.GuiPages", BASE + ".results", BASE + ".errors", BASE + ".security.Callers",
                    BASE + ".sharing", BASE + ".web.PcapResponses", "io.flowtrap.api.manager", "io.flowtrap.schemas",
                    "org.springframework.security.core",
                    // the Results pages: share links on a result's page, the navigation bar
                    BASE + ".web.GuiNavigation", "org.springframework.context.annotation")),
            Map.entry("sharing/web", concat(SPRING_WEB, BASE + ".sharing", BASE + ".errors", BASE + ".security.Callers",
                    BASE + ".web.PcapResponses", "io.flowtrap.api.manager", "org.springframework.security.core")),
            Map.entry("chatops/web", concat(SPRING_WEB, BASE + ".chatops", BASE + ".errors", "io.flowtrap.api.manager",
                    "org.springframework.stereotype", "org.springframework.core.Ordered", "org.springframework.core.annotation.Order")),
            Map.entry("probes/web", concat(SPRING_WEB, BASE + ".probes", BASE + ".errors", BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher",
                    BASE + ".web.GuiNavigation", "org.springframework.context.annotation", "org.springframework.security.core")),
            Map.entry("settings/web", concat(SPRING_WEB, BASE + ".settings", BASE + ".errors", BASE + ".web.GuiNavigation",
                    "org.springframework.context.annotation", "org.springframework.security.core")),
            Map.entry("audit/web", concat(SPRING_WEB, BASE + ".audit", BASE + ".errors", BASE + ".web.GuiNavigation",
                    "org.springframework.context.annotation", "org.springframework.data.domain")),
            Map.entry("users/web", concat(SPRING_WEB, BASE + ".users", BASE + ".errors", BASE + ".web.GuiNavigation", BASE + ".audit.Audited", "org.springframework.context.ApplicationEventPublisher", "org.springframework.context.annotation",
                    "org.springframework.security.core")),
            // who may call what, with the keys users own; answers in the shared error shape
            Map.entry("security", concat(SPRING_WEB, BASE + ".users", BASE + ".web.ApiError", "io.flowtrap.api.auth",
                    "org.springframework.security", "org.springframework.context.annotation", "org.springframework.core.annotation.Order")),
            // the HTTP edge shared by every feature: the error shape, kinds to statuses, the connector's hygiene, health
            Map.entry("web", concat(SPRING_WEB, BASE + ".errors", "io.flowtrap.schemas.DocumentSchema", BASE + ".elasticsearch.ElasticsearchHealth",
                    "org.springframework.boot.web", "org.springframework.boot.autoconfigure.web",
                    "org.springframework.context.annotation", "org.springframework.core.Ordered",
                    "org.springframework.beans.factory.ObjectProvider", "org.springframework.security.web.firewall", "org.springframework.security.core", "org.apache.catalina", "org.apache.tomcat", "io.micrometer")));

    @Test
    void everyPackageHasARuleAndAPackageInfo() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> packages.add(relative(f.getParent())));
        }
        assertThat(ALLOWED.keySet()).containsExactlyInAnyOrderElementsOf(packages);
        for (String p : packages) {
            assertThat(SOURCES.resolve(p).resolve("package-info.java")).as("package-info.java of %s", p).isRegularFile();
        }
    }

    @Test
    void eachPackageUsesOnlyWhatItsRuleAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> rule : ALLOWED.entrySet()) {
            String self = rule.getKey().isEmpty() ? BASE : BASE + "." + rule.getKey().replace('/', '.');
            Path dir = SOURCES.resolve(rule.getKey());
            assertThat(dir).isDirectory();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String source = Files.readString(file);
                    for (String used : used(source)) {
                        boolean ok = used.startsWith("java.") || used.startsWith("javax.") || isIn(used, self)
                                || rule.getValue().stream().anyMatch(used::startsWith);
                        if (!ok) {
                            violations.add(file + " uses " + used);
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void controllersAndConfigurationAreNotPublic() throws IOException {
        List<String> publicOnes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (PUBLIC_SPRING_PART.matcher(Files.readString(file)).find()) {
                    publicOnes.add(file.toString());
                }
            }
        }
        assertThat(publicOnes).isEmpty();
    }

    @Test
    void theCheckSeesFullyQualifiedUsesAndIgnoresCommentsAndStrings() {
        Set<String> used = used("""
                package io.flowtrap.manager.alerts;
                import io.flowtrap.manager.errors.DomainException;
                /** {@link io.flowtrap.manager.web.ApiError} in a comment */
                class X {
                    // org.springframework.http.HttpStatus in a line comment
                    String s = "org.springframework.http.HttpStatus in a string";
                    Object o = io.flowtrap.manager.extraction.web.Thing.make(org.springframework.http.HttpStatus.OK);
                }
                """);
        assertThat(used).containsExactlyInAnyOrder("io.flowtrap.manager.errors.DomainException",
                "io.flowtrap.manager.extraction.web.Thing", "org.springframework.http.HttpStatus");
    }

    /** Every type a source imports or names in full in its code (comments and strings left out). */
    static Set<String> used(String source) {
        Set<String> used = new TreeSet<>();
        Matcher imports = IMPORT.matcher(source);
        while (imports.find()) {
            used.add(imports.group(1));
        }
        String code = STRINGS.matcher(source).replaceAll("\"\"");
        code = BLOCK_COMMENTS.matcher(code).replaceAll(" ");
        code = LINE_COMMENTS.matcher(code).replaceAll(" ");
        code = IMPORT.matcher(code).replaceAll(" ");
        code = code.replaceFirst("(?m)^package [\\w.]+;", " ");
        Matcher qualified = QUALIFIED.matcher(code);
        while (qualified.find()) {
            used.add(qualified.group(1));
        }
        return used;
    }

    /** Whether {@code type} lies in package {@code pkg} itself (not in a package below it). */
    private static boolean isIn(String type, String pkg) {
        if (!type.startsWith(pkg + ".")) {
            return false;
        }
        String rest = type.substring(pkg.length() + 1);
        return !rest.isEmpty() && Character.isUpperCase(rest.charAt(0));
    }

    private static String relative(Path dir) {
        return SOURCES.relativize(dir).toString();
    }

    private static List<String> concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return List.copyOf(all);
    }
}
