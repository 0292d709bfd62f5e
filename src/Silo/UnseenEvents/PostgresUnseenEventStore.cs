using Cybernet.Grains.Interfaces.Offers;

using Npgsql;

namespace Cybernet.Silo.UnseenEvents;

/// <summary>
/// The unseen events of users (kind, contact, count, time; never content) in notify.unseen_events, as their grains
/// write them. The table belongs to the web's digest schema (src/Web/Digests/Sql); the digest pass reads it.
/// </summary>
public sealed class PostgresUnseenEventStore(NpgsqlDataSource db, TimeProvider clock) : IUnseenEventStore
{
    public async Task MatchAsync(Guid userId, IReadOnlyCollection<PendingOffer> offers, CancellationToken cancellationToken)
    {
        // One batch, one implicit transaction: the events are closed and set together or not at all.
        await using var batch = db.CreateBatch();

        // Closed: a device of the user received it, the contact withdrew it, or the two stopped being contacts.
        var close = new NpgsqlBatchCommand("""
            UPDATE notify.unseen_events e SET seen_at = @now, waiting_since = NULL
            WHERE e.user_id = @user AND e.seen_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM unnest(@contacts, @kinds) AS o(contact_id, kind) WHERE o.contact_id = e.contact_id AND o.kind = e.kind)
            """);

        // Set, not added, and only where the count changed. notified_count drops with the count, so items added after a
        // withdrawal are told about again; waiting_since starts when the first item not yet told about arrived and stays
        // until a digest tells.
        var set = new NpgsqlBatchCommand("""
            INSERT INTO notify.unseen_events AS e (user_id, contact_id, kind, count, first_at, updated_at, waiting_since)
            SELECT @user, o.contact_id, o.kind, o.count, o.since, o.updated, o.updated
            FROM unnest(@contacts, @kinds, @counts, @since, @updated) AS o(contact_id, kind, count, since, updated)
            ON CONFLICT (user_id, contact_id, kind) WHERE seen_at IS NULL DO UPDATE SET
                count = EXCLUDED.count,
                updated_at = EXCLUDED.updated_at,
                notified_count = LEAST(e.notified_count, EXCLUDED.count),
                waiting_since = CASE
                    WHEN EXCLUDED.count <= LEAST(e.notified_count, EXCLUDED.count) THEN NULL
                    ELSE COALESCE(e.waiting_since, EXCLUDED.updated_at) END
            WHERE e.count <> EXCLUDED.count
            """);

        foreach (var command in new[] { close, set })
        {
            command.Parameters.AddWithValue("user", userId);
            command.Parameters.AddWithValue("contacts", offers.Select(o => o.From).ToArray());
            command.Parameters.AddWithValue("kinds", offers.Select(o => o.Kind).ToArray());
            batch.BatchCommands.Add(command);
        }

        close.Parameters.AddWithValue("now", clock.GetUtcNow());
        set.Parameters.AddWithValue("counts", offers.Select(o => o.Count).ToArray());
        set.Parameters.AddWithValue("since", offers.Select(o => o.Since.ToUniversalTime()).ToArray());
        set.Parameters.AddWithValue("updated", offers.Select(o => o.Updated.ToUniversalTime()).ToArray());
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
