using Npgsql;

namespace Cybernet.Web.Digests;

/// <summary>
/// Records what waits for a user (kind, contact, count, time; never content) so that a digest can tell them
/// about it, and closes it when one of their devices has received it.
/// </summary>
public sealed class UnseenEventStore(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>
    /// <paramref name="contactId"/> holds <paramref name="count"/> items of <paramref name="kind"/> for
    /// <paramref name="userId"/>. The count replaces the last one, so a retried report is a no-op; 0 closes the event.
    /// </summary>
    public async Task RecordAsync(Guid userId, Guid contactId, string kind, int count, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            await SeenAsync(userId, contactId, kind, cancellationToken);
            return;
        }

        // notified_count drops with the count, so items added after a withdrawal are told about again;
        // waiting_since starts when the first item not yet told about arrives and stays until a digest tells.
        await using var command = db.CreateCommand("""
            INSERT INTO notify.unseen_events AS e (user_id, contact_id, kind, count, first_at, updated_at, waiting_since)
            VALUES (@user, @contact, @kind, @count, @now, @now, @now)
            ON CONFLICT (user_id, contact_id, kind) WHERE seen_at IS NULL DO UPDATE SET
                count = EXCLUDED.count,
                updated_at = CASE WHEN e.count = EXCLUDED.count THEN e.updated_at ELSE EXCLUDED.updated_at END,
                notified_count = LEAST(e.notified_count, EXCLUDED.count),
                waiting_since = CASE
                    WHEN EXCLUDED.count <= LEAST(e.notified_count, EXCLUDED.count) THEN NULL
                    ELSE COALESCE(e.waiting_since, EXCLUDED.updated_at) END
            """);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("contact", contactId);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("count", count);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A device of <paramref name="userId"/> received what <paramref name="contactId"/> held: nothing left to tell.</summary>
    public async Task SeenAsync(Guid userId, Guid contactId, string kind, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE notify.unseen_events SET seen_at = @now, waiting_since = NULL
            WHERE user_id = @user AND contact_id = @contact AND kind = @kind AND seen_at IS NULL
            """);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("contact", contactId);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Two people stopped being contacts (removed or blocked): nothing between them is worth an email any more.</summary>
    public async Task ForgetBetweenAsync(Guid a, Guid b, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE notify.unseen_events SET seen_at = @now, waiting_since = NULL
            WHERE seen_at IS NULL AND ((user_id = @a AND contact_id = @b) OR (user_id = @b AND contact_id = @a))
            """);
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
