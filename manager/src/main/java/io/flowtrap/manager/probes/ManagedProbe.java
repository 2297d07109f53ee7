package io.flowtrap.manager.probes;

import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/**
 * A probe the manager reaches, as kept in Elasticsearch (schema managed-probe.schema.json): its
 * name, API URL, the key the probe API accepts and the PEM CA of its certificate. The key is
 * stored to call the probe and never shown back: {@link #toString()} leaves it and the CA out.
 *
 * @param origin {@code config} (seeded from {@code flowtrap.probes}) or {@code gui}
 */
@Document(indexName = "#{@stateIndices.name('probes')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
public record ManagedProbe(@Id String name, String url, String token, @Field(name = "ca_certificate") String caCertificate,
        String origin, @Field(name = "updated_ms") long updatedMs, @Field(name = "updated_by") String updatedBy) {
    public static final String KIND = "probes";

    public ManagedProbe {
        caCertificate = caCertificate == null ? "" : caCertificate;
    }

    @Override
    public String toString() {
        return "ManagedProbe[name=" + name + ", url=" + url + ", origin=" + origin + ", ca=" + (caCertificate.isEmpty() ? "JDK" : "PEM")
                + ", key=(stored)]";
    }
}
