using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>Reads and writes users' digest preferences (notify.digest_settings).</summary>
public sealed class DigestSettingsStore(NpgsqlDataSource db, TimeProvider clock)
{
    public async Task<DigestSettings> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT frequency, daily_at, quiet_from, quiet_until, time_zone, unsubscribed_at
            FROM notify.digest_settings WHERE user_id = @user
            """);
        command.Parameters.AddWithValue("user", userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader, 0) : DigestSettings.Default;
    }

    /// <summary>Saves preferences; choosing any frequency but off also undoes an unsubscribe.</summary>
    public async Task SaveAsync(Guid userId, DigestSettings settings, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO notify.digest_settings AS s (user_id, frequency, daily_at, quiet_from, quiet_until, time_zone, unsubscribed_at, updated_at)
            VALUES (@user, @frequency, @daily_at, @quiet_from, @quiet_until, @time_zone, NULL, @now)
            ON CONFLICT (user_id) DO UPDATE SET
                frequency = EXCLUDED.frequency, daily_at = EXCLUDED.daily_at, quiet_from = EXCLUDED.quiet_from,
                quiet_until = EXCLUDED.quiet_until, time_zone = EXCLUDED.time_zone, updated_at = EXCLUDED.updated_at,
                unsubscribed_at = CASE WHEN EXCLUDED.frequency = 'off' THEN s.unsubscribed_at END
            """);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("frequency", DigestSettings.ToDatabase(settings.Frequency));
        command.Parameters.AddWithValue("daily_at", settings.DailyAt);
        command.Parameters.AddWithValue("quiet_from", (object?)settings.QuietFrom ?? DBNull.Value);
        command.Parameters.AddWithValue("quiet_until", (object?)settings.QuietUntil ?? DBNull.Value);
        command.Parameters.AddWithValue("time_zone", settings.TimeZone);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records the browser's time zone at sign-up, when it is one we know.</summary>
    public async Task SetTimeZoneIfValidAsync(Guid userId, string? timeZone, CancellationToken cancellationToken)
    {
        if (DigestSchedule.IsKnownZone(timeZone))
        {
            await SaveAsync(userId, DigestSettings.Default with { TimeZone = timeZone! }, cancellationToken);
        }
    }

    /// <summary>Stops all digests for the user (the one-click unsubscribe). Idempotent.</summary>
    public async Task UnsubscribeAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO notify.digest_settings AS s (user_id, frequency, unsubscribed_at, updated_at)
            SELECT @user, 'off', @now, @now WHERE EXISTS (SELECT 1 FROM accounts."AspNetUsers" WHERE "Id" = @user)
            ON CONFLICT (user_id) DO UPDATE SET frequency = 'off', unsubscribed_at = COALESCE(s.unsubscribed_at, EXCLUDED.unsubscribed_at),
                updated_at = EXCLUDED.updated_at
            """);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Reads the six settings columns starting at <paramref name="first"/>; nulls (no row) give the defaults.</summary>
    internal static DigestSettings Read(NpgsqlDataReader reader, int first) => reader.IsDBNull(first)
        ? DigestSettings.Default
        : new DigestSettings(
            DigestSettings.FromDatabase(reader.GetString(first)),
            reader.GetFieldValue<TimeOnly>(first + 1),
            reader.IsDBNull(first + 2) ? null : reader.GetFieldValue<TimeOnly>(first + 2),
            reader.IsDBNull(first + 3) ? null : reader.GetFieldValue<TimeOnly>(first + 3),
            reader.GetString(first + 4),
            reader.IsDBNull(first + 5) ? null : reader.GetFieldValue<DateTimeOffset>(first + 5));
}
