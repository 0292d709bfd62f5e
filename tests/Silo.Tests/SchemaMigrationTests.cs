namespace Cybernet.Silo.Tests;

public sealed class SchemaMigrationTests
{
    // Every key the Orleans 10.4.2 ADO.NET providers load; a missing one fails the silo at start-up.
    private static readonly string[] RequiredQueryKeys =
    [
        // Clustering
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey",
        // Grain persistence
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        // Reminders
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Migrations_apply_twice_concurrently_without_error()
    {
        var server = await PostgresServer.GetSharedAsync();
        var connectionString = await server.CreateDatabaseAsync(nameof(Migrations_apply_twice_concurrently_without_error));

        await Task.WhenAll(
            Task.Run(() => OrleansSchema.MigrateAsync(connectionString)),
            Task.Run(() => OrleansSchema.MigrateAsync(connectionString)));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var keys = await ReadColumnAsync(connection, "SELECT QueryKey FROM OrleansQuery");
        Assert.Empty(RequiredQueryKeys.Except(keys));
        var applied = await ReadColumnAsync(connection, "SELECT \"MigrationId\" FROM __orleans_schema_history ORDER BY 1");
        Assert.Equal(["0001_orleans_query", "0002_orleans_clustering", "0003_orleans_persistence", "0004_orleans_reminders"], applied);
    }

    [Fact]
    public async Task Migrating_an_up_to_date_database_changes_nothing()
    {
        var server = await PostgresServer.GetSharedAsync();
        var connectionString = await server.CreateDatabaseAsync(nameof(Migrating_an_up_to_date_database_changes_nothing));
        await OrleansSchema.MigrateAsync(connectionString);

        await OrleansSchema.MigrateAsync(connectionString);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(4, (await ReadColumnAsync(connection, "SELECT \"MigrationId\" FROM __orleans_schema_history")).Count);
    }

    private static async Task<List<string>> ReadColumnAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
