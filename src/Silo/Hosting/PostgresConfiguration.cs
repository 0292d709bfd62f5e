using Microsoft.Extensions.Configuration;

namespace Cybernet.Shared;

/// <summary>Where a host finds its PostgreSQL database: the one place ConnectionStrings:Postgres is read (compiled into the silo, and linked into the web node from here).</summary>
internal static class PostgresConfiguration
{
    public static string PostgresConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres") is { Length: > 0 } connectionString
            ? connectionString
            : throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
}
