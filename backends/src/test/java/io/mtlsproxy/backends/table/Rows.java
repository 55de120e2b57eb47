package io.mtlsproxy.backends.table;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.TableEntity;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates a fresh table in an Azurite and writes rows into it with the real SDK (shared key). */
final class Rows {
    private static final AtomicInteger TABLES = new AtomicInteger();

    private final TableClient table;

    private Rows(TableClient table) {
        this.table = table;
    }

    /** A new table, unique in this JVM, so tests sharing one Azurite never see each other's rows. */
    static Rows newTable(Azurite azurite) {
        return newTable(azurite, new JdkHttpClientBuilder().build());
    }

    static Rows newTable(Azurite azurite, com.azure.core.http.HttpClient http) {
        String name = "Secrets" + TABLES.incrementAndGet() + "x" + ProcessHandle.current().pid();
        TableClient client = new TableServiceClientBuilder()
                .connectionString(azurite.connectionString())
                .httpClient(http)
                .addPolicy(new WithoutContentLength())
                .buildClient()
                .createTable(name);
        return new Rows(client);
    }

    String name() {
        return table.getTableName();
    }

    Rows put(String partitionKey, String rowKey, Map<String, Object> properties) {
        table.upsertEntity(new TableEntity(partitionKey, rowKey).setProperties(new java.util.HashMap<>(properties)));
        return this;
    }

    /** The origin's row: PartitionKey 'secret', RowKey the name, the value in Value. */
    Rows secret(String name, String value) {
        return put("secret", name, Map.of("Value", value));
    }
}
