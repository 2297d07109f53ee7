package io.flowtrap.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import com.networknt.schema.resource.ClasspathSchemaLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Loads this package's schemas from the classpath and compiles them with one validator factory:
 * draft 2020-12, the {@code x-es-*} mapping keywords known but no rules, formats asserted, and
 * {@value #ID_PREFIX}{@code <file>} (every schema's {@code $id}, so every {@code $ref} between
 * them) read from {@value #CLASSPATH_PREFIX}{@code <file>}. Nothing is ever fetched from the network.
 */
final class ClasspathSchemas {
    /** Where every schema's {@code $id} lives. */
    static final String ID_PREFIX = "https://flowtrap.io/schemas/";
    /** Where the files are, as the validator's classpath IRI. */
    static final String CLASSPATH_PREFIX = "classpath:io/flowtrap/schemas/";
    /** The same, as an absolute classpath resource path. */
    static final String RESOURCE_PREFIX = "/io/flowtrap/schemas/";

    /** The schema keywords that only steer the Elasticsearch mapping. */
    static final List<String> MAPPING_KEYWORDS = List.of("x-es-type", "x-es-text", "x-es-index");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final class Factory {
        static final JsonSchemaFactory INSTANCE = factory();
        static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_PATH)
                .formatAssertionsEnabled(true)
                .locale(Locale.ENGLISH)
                .build();
    }

    private ClasspathSchemas() {}

    private static JsonSchemaFactory factory() {
        JsonMetaSchema.Builder meta = JsonMetaSchema.builder(JsonMetaSchema.getV202012());
        MAPPING_KEYWORDS.forEach(k -> meta.keyword(new NonValidationKeyword(k)));
        ClassLoader ours = ClasspathSchemas.class.getClassLoader();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, b -> b
                .metaSchema(meta.build())
                .schemaMappers(m -> m.mapPrefix(ID_PREFIX, CLASSPATH_PREFIX))
                .schemaLoaders(l -> l
                        .add(new ClasspathSchemaLoader(() -> ours))
                        .add(new AllowSchemaLoader(iri -> iri.toString().startsWith("classpath:")))));
    }

    /** The schema whose {@code $id} is {@value #ID_PREFIX}{@code file}, compiled with its references. */
    static JsonSchema compile(String file) {
        JsonSchema schema = Factory.INSTANCE.getSchema(SchemaLocation.of(ID_PREFIX + file), Factory.CONFIG);
        schema.initializeValidators();
        return schema;
    }

    /** The schema file as JSON. */
    static JsonNode read(String file) {
        String resource = RESOURCE_PREFIX + file;
        try (InputStream in = ClasspathSchemas.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("not on the classpath: " + resource);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable: " + resource, e);
        }
    }

    /** One line per violation, {@code path: rule}; empty when {@code document} is valid. */
    static List<String> validate(JsonSchema schema, JsonNode document) {
        Set<ValidationMessage> messages = schema.validate(document);
        List<String> out = new ArrayList<>(messages.size());
        for (ValidationMessage m : messages) {
            out.add(describe(m));
        }
        return List.copyOf(out);
    }

    /** The library's message ({@code path: rule}), the type rule worded expected-first. */
    private static String describe(ValidationMessage m) {
        Object[] args = m.getArguments();
        if ("type".equals(m.getType()) && args != null && args.length == 2) {
            return m.getInstanceLocation() + ": " + args[1] + " expected, " + args[0] + " found";
        }
        return m.getMessage();
    }
}
