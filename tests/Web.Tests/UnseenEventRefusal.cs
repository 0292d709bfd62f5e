using Npgsql;

namespace Cybernet.Web.Tests;

/// <summary>
/// Makes notify.unseen_events refuse writes to the events of one user, as a database that blinks would: only the first
/// write, or every write until disposed.
/// </summary>
public sealed class UnseenEventRefusal : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string connectionString;
    private readonly string name;
    private bool dropped;

    private UnseenEventRefusal(string connectionString, string name)
    {
        this.connectionString = connectionString;
        this.name = name;
    }

    public static async Task<UnseenEventRefusal> StartAsync(string connectionString, Guid user, bool everyWrite = false)
    {
        var name = $"refuse_{Guid.NewGuid():N}";
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        // A sequence, because it does not roll back with the refused write: it tells that a refusal happened.
        var refuse = everyWrite ? "nextval('" + name + "') > 0" : "nextval('" + name + "') = 1";
        await using var command = new NpgsqlCommand($"""
            CREATE SEQUENCE {name};
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.user_id = '{user}' THEN
                    IF {refuse} THEN
                        RAISE EXCEPTION 'unseen_events refused a write (test)';
                    END IF;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON notify.unseen_events FOR EACH ROW EXECUTE FUNCTION {name}();
            """, db);
        await command.ExecuteNonQueryAsync();
        return new UnseenEventRefusal(connectionString, name);
    }

    /// <summary>Waits until a write was refused, so the test knows a write really failed in between.</summary>
    public async Task WaitUntilRefusedAsync() =>
        await TestWait.UntilAsync(async () =>
        {
            await using var db = new NpgsqlConnection(connectionString);
            await db.OpenAsync();
            await using var command = new NpgsqlCommand($"SELECT is_called FROM {name}", db);
            return (bool)(await command.ExecuteScalarAsync())!;
        }, Patience, "the table refused a write");

    public async ValueTask DisposeAsync()
    {
        if (dropped)
        {
            return;
        }

        dropped = true;
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP TRIGGER {name} ON notify.unseen_events; DROP FUNCTION {name}(); DROP SEQUENCE {name};", db);
        await command.ExecuteNonQueryAsync();
    }
}
