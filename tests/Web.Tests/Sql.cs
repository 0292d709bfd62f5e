using Npgsql;

namespace Cybernet.Web.Tests;

/// <summary>Reads back what the app wrote to its database, for one user.</summary>
public static class Sql
{
    /// <summary>A count (or a sum) that <paramref name="sql"/> computes with <c>@user</c> bound; 0 when it is null.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql, Guid user)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("user", user);
        return await command.ExecuteScalarAsync() is long value ? value : 0;
    }
}
