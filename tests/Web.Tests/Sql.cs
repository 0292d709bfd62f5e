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

    /// <summary>The unseen events of <paramref name="user"/> not seen yet: from whom, what, how many.</summary>
    public static async Task<List<(Guid From, string Kind, int Count)>> OpenEventsAsync(string connectionString, Guid user)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT contact_id, kind, count FROM notify.unseen_events WHERE user_id = @user AND seen_at IS NULL ORDER BY kind COLLATE \"C\"", db);
        command.Parameters.AddWithValue("user", user);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<(Guid, string, int)>();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return events;
    }
}
