using System.Collections.Concurrent;

using Npgsql;

namespace Cybernet.Testing;

/// <summary>
/// A real PostgreSQL server for tests: the server named by <c>CYBERNET_TEST_POSTGRES</c> (a superuser
/// connection string), or else a throwaway cluster this test process starts on first use and removes
/// when it exits. Each test asks it for a fresh database of its own.
/// </summary>
public sealed class PostgresServer
{
    /// <summary>Environment variable naming an existing server to use instead of starting one.</summary>
    public const string ConnectionStringVariable = "CYBERNET_TEST_POSTGRES";

    /// <summary>Environment variable naming the folder with initdb and pg_ctl (default: the newest /usr/lib/postgresql/*/bin).</summary>
    public const string BinariesVariable = "CYBERNET_PG_BIN";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Task.Run(StartAsync));

    private readonly NpgsqlConnectionStringBuilder admin;
    private readonly ConcurrentBag<string> createdDatabases = [];

    private PostgresServer(NpgsqlConnectionStringBuilder admin)
    {
        admin.IncludeErrorDetail = true;
        this.admin = admin;
    }

    /// <summary>Superuser connection string to the server's maintenance database.</summary>
    public string AdminConnectionString => admin.ConnectionString;

    /// <summary>The one server of this test process, started (or connected to) on first call.</summary>
    public static Task<PostgresServer> GetSharedAsync() => Shared.Value;

    /// <summary>Creates an empty database with a unique name starting with <paramref name="prefix"/> and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{ToIdentifier(prefix)}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        createdDatabases.Add(name);
        return new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            var server = new PostgresServer(new NpgsqlConnectionStringBuilder(external));
            // Someone else's server outlives us: leave it as we found it.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DropCreatedDatabases();
            return server;
        }

        var cluster = await LocalPostgresCluster.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return new PostgresServer(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = cluster.Port,
            Username = LocalPostgresCluster.Superuser,
            Database = "postgres",
        });
    }

    private void DropCreatedDatabases()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            using var connection = new NpgsqlConnection(admin.ConnectionString);
            connection.Open();
            foreach (var name in createdDatabases)
            {
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                drop.ExecuteNonQuery();
            }
        }
        catch (NpgsqlException)
        {
            // Best effort at process exit; a leftover test database harms nobody.
        }
    }

    // PostgreSQL folds and limits identifiers (63 bytes); keep the prefix readable and the whole name short.
    private static string ToIdentifier(string prefix)
    {
        var cleaned = new string([.. prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        cleaned = cleaned.Length > 30 ? cleaned[..30] : cleaned;
        return cleaned.Length == 0 || char.IsAsciiDigit(cleaned[0]) ? "t" + cleaned : cleaned;
    }
}
