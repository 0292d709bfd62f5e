using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

using Npgsql;

namespace Cybernet.Silo.Schema;

/// <summary>Brings a PostgreSQL database up to the schema the Orleans ADO.NET providers need.</summary>
public static class OrleansSchema
{
    /// <summary>Our own history table, so these migrations never mix with the Web app's Identity migrations.</summary>
    internal const string HistoryTable = "__orleans_schema_history";

    // "ORLEANS" in ASCII. Advisory lock keys are per database; this one is ours alone.
    private const long MigrationLockKey = 0x4F524C45414E53;

    /// <summary>
    /// Applies every migration the database has not seen yet. Safe to call from several processes at once:
    /// the first caller migrates, the others wait for it and then find nothing left to do.
    /// </summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // EF Core's own migration lock is not enough here: it is a LOCK TABLE on the history table that
        // ends with each migration's transaction, while the list of pending migrations is read once at
        // the start. A second process can slip in between two migrations and apply the next one again
        // (Migrations_apply_twice_concurrently_without_error fails without this). A session-level
        // advisory lock spans the whole run. No timeout: the holder's own commands time out, and a
        // holder that dies loses its session and with it the lock.
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 })
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var options = new DbContextOptionsBuilder<OrleansSchemaContext>()
                // An open connection: EF Core uses it as it is and leaves it open, so the lock stays ours.
                .UseNpgsql(connection, npgsql => npgsql.MigrationsHistoryTable(HistoryTable))
                // The migrations are hand-written SQL with no model behind them, so there is no snapshot to compare.
                .ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.ModelSnapshotNotFound))
                .Options;
            await using var context = new OrleansSchemaContext(options);
            await context.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
